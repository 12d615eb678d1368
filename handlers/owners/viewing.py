"""Seeing an owners' vote: its live figures for anyone (`/owner_status N`), and the households that have
not voted, per building, privately for staff and for the leader of each building (`/not_voted N`), so
someone can knock on the door before the deadline."""

from __future__ import annotations

from collections import defaultdict

from handlers.actions import Action, SendMessage
from handlers.context import Ctx
from handlers.events import IncomingMessage
from handlers.owners import texts, views
from handlers.parsing import first_int
from handlers.views import building_name
from storage import owner_votes as store
from storage.models import OwnerHousehold, OwnerVoteRoll, Role
from storage.people import get_building


def status_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    def reply(text: str) -> list[Action]:
        return [SendMessage(chat_id=msg.chat.id, text=text, reply_to=msg.message_id)]

    found = first_int(args)
    if found is None:
        return reply(texts.STATUS_USAGE)
    vote = store.get_vote(session=ctx.session, vote_id=found[0])
    if vote is None:
        return reply(texts.VOTE_GONE)
    tally = store.current_tally(session=ctx.session, vote=vote)
    return reply(
        views.figures_text(ctx.session, vote, tally, store.decide(tally, vote.matter), ctx.config.tz)
    )


def not_voted_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    def reply(text: str) -> list[Action]:
        return [SendMessage(chat_id=msg.chat.id, text=text, reply_to=msg.message_id)]

    found = first_int(args)
    if found is None:
        return reply(texts.NOT_VOTED_USAGE)
    vote = store.get_vote(session=ctx.session, vote_id=found[0])
    if vote is None:
        return reply(texts.VOTE_GONE)
    assert vote.id is not None
    roll = store.roll_with_households(session=ctx.session, vote_id=vote.id)
    if not ctx.is_staff:
        # A leader sees their own building's households only.
        if ctx.user.role != Role.LEADER or ctx.user.building_id is None:
            return reply(texts.NOT_VOTED_DENIED)
        roll = [(row, h) for row, h in roll if row.building_id == ctx.user.building_id]
        if not roll:
            return reply(texts.NOT_VOTED_DENIED)
    if not ctx.user.private_chat_open:
        return reply(texts.NOT_VOTED_OPEN_PRIVATE)
    voted = store.latest_entries(session=ctx.session, vote_id=vote.id)
    waiting: dict[int, list[tuple[OwnerVoteRoll, OwnerHousehold]]] = defaultdict(list)
    for row, household in roll:
        if row.household_id not in voted:
            waiting[row.building_id].append((row, household))
    if not waiting:
        messages = [texts.NOT_VOTED_NONE.format(number=vote.id, title=vote.title)]
    else:
        lines: list[str] = []
        for building_id, rows in sorted(waiting.items()):
            name = building_name(get_building(session=ctx.session, building_id=building_id))
            lines.append(texts.NOT_VOTED_BUILDING.format(building=name, n=len(rows)))
            lines += [
                texts.NOT_VOTED_LINE.format(
                    label=row.label,
                    owner=household.owner_name,
                    area=views.area(row.area_centi),
                    linked=texts.NOT_VOTED_LINKED if household.owner_tg_id else texts.NOT_VOTED_UNLINKED,
                )
                for row, household in rows
            ]
        head = texts.NOT_VOTED_TITLE.format(number=vote.id, title=vote.title)
        messages = views.chunks(head, lines)
    sent = [SendMessage(chat_id=ctx.user.id, text=text) for text in messages]
    return sent if msg.chat.is_private else [*sent, *reply(texts.NOT_VOTED_SENT)]
