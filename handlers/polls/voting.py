"""A tap on an option: vote, switch (single choice) or withdraw (the same option again), with a toast at once.

Only residents of the poll's building vote. A named poll stores who chose what; an anonymous one stores a
keyed hash of poll and voter (for one ballot each and for withdrawing) and the choice sealed with a mask
only the key makes, so the database alone links nobody to a choice. The poll message is edited through the
outbox, one waiting edit replacing the last, so a burst of taps is one edit.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from handlers.actions import Action, AnswerButton, EditMessage
from handlers.context import Ctx, Scope
from handlers.events import ButtonPress
from handlers.points.book import book_of
from handlers.points.earning import pay
from handlers.polls import texts, views
from handlers.polls.buttons import Vote
from handlers.views import building_name
from storage import polls as store
from storage.models import Poll, PollStatus, Role, User
from storage.outbox import sent_message_id
from storage.people import get_building, users_by_ids

_MASK_BITS = 16
EDIT_PACE = timedelta(seconds=5)


def voter_key(scope: Scope, poll_id: int, user_id: int) -> str:
    return hmac.new(
        scope.config.ballot_key, f"voter:{poll_id}:{user_id}".encode(), hashlib.sha256
    ).hexdigest()


def _pad(scope: Scope, poll_id: int, user_id: int) -> int:
    digest = hmac.new(scope.config.ballot_key, f"seal:{poll_id}:{user_id}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:2]) & ((1 << _MASK_BITS) - 1)


def _mask(options: set[int]) -> int:
    return sum(1 << option for option in options)


def _options(mask: int) -> set[int]:
    return {bit for bit in range(_MASK_BITS) if mask >> bit & 1}


def choices(scope: Scope, poll: Poll, user_id: int) -> set[int]:
    assert poll.id is not None
    if not poll.anonymous:
        return store.named_choices(session=scope.session, poll_id=poll.id, user_id=user_id)
    sealed = store.ballot(session=scope.session, poll_id=poll.id, voter=voter_key(scope, poll.id, user_id))
    return set() if sealed is None else _options(sealed ^ _pad(scope, poll.id, user_id))


def _record(scope: Scope, poll: Poll, user_id: int, before: set[int], after: set[int]) -> None:
    assert poll.id is not None
    if not poll.anonymous:
        store.set_named_choices(
            session=scope.session, poll_id=poll.id, user_id=user_id, before=before, after=after, now=scope.now
        )
        return
    sealed = _mask(after) ^ _pad(scope, poll.id, user_id) if after else None
    store.set_ballot(
        session=scope.session,
        poll_id=poll.id,
        voter=voter_key(scope, poll.id, user_id),
        sealed=sealed,
        before=before,
        after=after,
    )


def has_voted(scope: Scope, poll: Poll, user_id: int) -> bool:
    return bool(choices(scope, poll, user_id))


def message_id(scope: Scope, poll: Poll) -> int | None:
    """The poll message's id: known from its first tap, or from the outbox once it was sent."""
    if poll.message_id is None and poll.message_outbox_id is not None:
        poll.message_id = sent_message_id(session=scope.session, outbox_id=poll.message_outbox_id)
        scope.session.add(poll)
    return poll.message_id


def refresh(scope: Scope, poll: Poll, *, now: bool = False) -> None:
    """Bring the poll message up to date, at most once per EDIT_PACE: a group's 20 messages a minute are
    shared with its receipts and notices, so a burst of taps becomes an edit now and then one at the end
    (refresh_stale), never one per tap. `now`: the final form, whatever the pace."""
    shown = message_id(scope, poll)
    if shown is None:
        return
    if not now and poll.edited_at is not None and scope.now - poll.edited_at < EDIT_PACE:
        poll.stale = True
        scope.session.add(poll)
        return
    assert poll.id is not None
    counts = store.tallies(session=scope.session, poll_id=poll.id)
    voters = store.voter_count(session=scope.session, poll=poll)
    scope.later_edit(
        EditMessage(
            chat_id=poll.chat_id,
            message_id=shown,
            text=views.poll_text(poll, counts, voters, scope.config.tz),
            keyboard=views.poll_keyboard(poll, counts),
        )
    )
    poll.edited_at, poll.stale = scope.now, False
    scope.session.add(poll)


def refresh_stale(scope: Scope) -> int:
    """The clock's part: the edit that brings a poll up to date after its burst of taps."""
    stale = store.stale_polls(session=scope.session, edited_before=scope.now - EDIT_PACE)
    for poll in stale:
        refresh(scope, poll)
    return len(stale)


def _staff(scope: Scope, user: User) -> bool:
    return user.role == Role.STAFF or user.id in scope.config.admin_ids


def eligible(scope: Scope, poll: Poll) -> set[int]:
    """Who may vote: the building's residents as the bot knows them; staff run polls, they do not vote."""
    if poll.building_id is None:
        return set()
    residents = store.building_residents(session=scope.session, building_id=poll.building_id)
    people = users_by_ids(session=scope.session, ids=frozenset(residents))
    return {person.id for person in people if not _staff(scope, person)}


def may_vote(scope: Scope, poll: Poll, user: User) -> bool:
    if poll.building_id is None or _staff(scope, user):
        return False
    return store.lives_in(session=scope.session, user_id=user.id, building_id=poll.building_id)


def vote(ctx: Ctx, press: ButtonPress, data: Vote) -> list[Action]:
    def toast(text: str) -> list[Action]:
        return [AnswerButton(callback_id=press.callback_id, text=text)]

    poll = store.get_poll(session=ctx.session, poll_id=data.poll, for_update=True)
    if poll is None or not 0 <= data.option < len(poll.options):
        return toast(texts.POLL_GONE)
    if poll.status != PollStatus.OPEN or poll.closes_at <= ctx.now:
        return toast(texts.CLOSED)
    if not may_vote(ctx, poll, ctx.user):
        building = building_name(get_building(session=ctx.session, building_id=poll.building_id))
        return toast(texts.NOT_ELIGIBLE.format(building=building))
    if message_id(ctx, poll) is None and press.chat.id == poll.chat_id:
        poll.message_id = press.message_id  # a tap on it tells which message is the poll
        ctx.session.add(poll)
    before = choices(ctx, poll, ctx.user.id)
    option = poll.options[data.option]
    if data.option in before:
        after, said = before - {data.option}, texts.WITHDRAWN.format(option=option)
    elif poll.max_choices == 1:
        after, said = {data.option}, texts.VOTED.format(option=option)
    elif len(before) >= poll.max_choices:
        return toast(texts.TOO_MANY.format(n=poll.max_choices))
    else:
        after, said = before | {data.option}, texts.VOTED.format(option=option)
    _record(ctx, poll, ctx.user.id, before, after)
    if after and not before:
        pay(
            ctx,
            book_of(ctx).rule("poll"),
            ctx.user,
            key=f"poll:{poll.id}:{ctx.user.id}",
            ref=f"poll:{poll.id}",
            building_id=poll.building_id,
        )
    refresh(ctx, poll)
    return toast(said)
