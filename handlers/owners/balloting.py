"""Ballots: an owner's press of 同意 / 反对 / 弃权, and staff entering a paper, proxy or door-to-door ballot.

One ballot per household. A press casts for every household in the vote that the presser has claimed: one
person speaks with one will, and their areas add up (the headcount counts them once either way). Pressing
again before the deadline changes the ballot; the change is a new entry that supersedes the old one. A
ballot staff enter records who entered it and how, and the owner, when linked, is told privately, so a
ballot entered in someone's name never goes unseen by them.
"""

from __future__ import annotations

from handlers.actions import Action, AnswerButton, SendMessage
from handlers.context import Ctx
from handlers.events import ButtonPress, IncomingMessage
from handlers.owners import texts, views
from handlers.owners.buttons import OwnerChoice
from handlers.parsing import first_int
from handlers.views import building_name, display_name
from storage import owner_votes as store
from storage.models import OwnerVote, OwnerVoteRoll, OwnerVoteStatus
from storage.people import get_building, get_user


def is_open(ctx: Ctx, vote: OwnerVote) -> bool:
    return vote.status == OwnerVoteStatus.OPEN and vote.closes_at > ctx.now


def press(ctx: Ctx, event: ButtonPress, data: OwnerChoice) -> list[Action]:
    def toast(text: str) -> list[Action]:
        return [AnswerButton(callback_id=event.callback_id, text=text)]

    vote = store.get_vote(session=ctx.session, vote_id=data.vote, for_update=True)
    if vote is None or data.choice not in store.CHOICES:
        return toast(texts.VOTE_GONE)
    if not is_open(ctx, vote):
        return toast(texts.VOTE_CLOSED)
    assert vote.id is not None
    mine = store.vote_households_of(session=ctx.session, vote_id=vote.id, user_id=ctx.user.id)
    if not mine:
        return toast(texts.NOT_OWNER)
    choice = texts.CHOICE_NAMES[data.choice]
    changed: list[OwnerVoteRoll] = []
    for row in mine:
        earlier = store.latest_entry(session=ctx.session, vote_id=vote.id, household_id=row.household_id)
        if earlier is not None and earlier.choice == data.choice:
            continue  # the same again: nothing new to record
        store.cast(
            session=ctx.session,
            vote_id=vote.id,
            household_id=row.household_id,
            choice=data.choice,
            method=store.BUTTON,
            voter_id=ctx.user.id,
            now=ctx.now,
        )
        changed.append(row)
    if not changed:
        return toast(texts.VOTED_SAME.format(choice=choice))
    if len(mine) == 1:
        return toast(
            texts.VOTED_ONE.format(choice=choice, label=mine[0].label, area=views.area(mine[0].area_centi))
        )
    total = sum(row.area_centi for row in mine)
    return toast(texts.VOTED_MANY.format(choice=choice, n=len(mine), area=views.area(total)))


def find_household(ctx: Ctx, vote: OwnerVote, written: str) -> tuple[OwnerVoteRoll | None, bool]:
    """The household staff named ("1-502", "3-1-502", "3号楼1-502"); (None, True) when several match."""
    assert vote.id is not None
    roll = store.roll_of(session=ctx.session, vote_id=vote.id)
    names = {
        row.building_id: building_name(get_building(session=ctx.session, building_id=row.building_id))
        for row in roll
    }
    exact = [row for row in roll if written in (row.label, f"{names[row.building_id]}{row.label}")]
    if len(exact) == 1:
        return exact[0], False
    loose = exact or [
        row
        for row in roll
        if written.endswith(f"-{row.label}") or written == f"{names[row.building_id]}-{row.label}"
    ]
    if len(loose) == 1:
        return loose[0], False
    return None, len(loose) > 1


def paper_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    def reply(text: str) -> list[Action]:
        return [SendMessage(chat_id=msg.chat.id, text=text, reply_to=msg.message_id)]

    found = first_int(args)
    words = found[1].split() if found else []
    if found is None or len(words) < 3:
        return reply(texts.PAPER_USAGE)
    written, choice_word, method_word, note = words[0], words[1], words[2], " ".join(words[3:])
    choice, method = texts.CHOICE_WORDS.get(choice_word), texts.METHOD_WORDS.get(method_word)
    if choice is None or method is None:
        return reply(texts.PAPER_USAGE)
    vote = store.get_vote(session=ctx.session, vote_id=found[0], for_update=True)
    if vote is None:
        return reply(texts.VOTE_GONE)
    if not is_open(ctx, vote):
        return reply(texts.VOTE_CLOSED)
    row, ambiguous = find_household(ctx, vote, written)
    if row is None:
        template = texts.PAPER_AMBIGUOUS if ambiguous else texts.PAPER_NO_HOUSEHOLD
        return reply(template.format(number=vote.id, label=written))
    assert vote.id is not None
    store.cast(
        session=ctx.session,
        vote_id=vote.id,
        household_id=row.household_id,
        choice=choice,
        method=method,
        entered_by=ctx.user.id,
        note=note,
        now=ctx.now,
    )
    household = store.get_household(session=ctx.session, household_id=row.household_id)
    assert household is not None  # the roll's copy keeps its household (a foreign key)
    owner = get_user(session=ctx.session, user_id=household.owner_tg_id) if household.owner_tg_id else None
    told = owner is not None and owner.private_chat_open
    if told and owner is not None:
        building = building_name(get_building(session=ctx.session, building_id=row.building_id))
        ctx.later(
            SendMessage(
                chat_id=owner.id,
                text=texts.PAPER_NOTICE.format(
                    number=vote.id,
                    title=vote.title,
                    staff=display_name(ctx.user),
                    building=building,
                    label=row.label,
                    method=texts.METHOD_NAMES[method],
                    choice=texts.CHOICE_NAMES[choice],
                ),
            )
        )
    done = texts.PAPER_DONE.format(
        number=vote.id,
        label=row.label,
        owner=household.owner_name,
        choice=texts.CHOICE_NAMES[choice],
        method=texts.METHOD_NAMES[method],
    )
    return reply(done + (texts.PAPER_TOLD if told else texts.PAPER_NOT_TOLD))
