"""Opening an owners' vote: `/owner_vote 3号楼 改建 加装电梯 | 是否同意在3号楼加装电梯？ | 7天` by staff.

The matter decides the rule, so it is named by a short code (一般 / 维修资金 / 改建 / 共有部分). Without one,
words such as 电梯 or 筹集维修资金 in the title or question choose the stricter three-quarters rule rather
than letting a 278条 matter pass by simple majority; the reply and the vote message say which rule applies.
The vote goes to every bound group of its buildings and privately to each linked owner who has started the
bot, with the same buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from handlers.actions import Action, SendMessage
from handlers.context import Ctx
from handlers.events import IncomingMessage
from handlers.owners import texts, views
from handlers.owners.roll import find_building
from handlers.polls.launching import duration_seconds
from handlers.views import building_name
from storage import owner_votes as store
from storage.models import OutboxMessage, OwnerVote
from storage.people import get_building, users_by_ids
from storage.polls import building_groups

DEFAULT_SECONDS = 7 * 86400
MIN_SECONDS, MAX_SECONDS = 3600, 90 * 86400
TITLE_LIMIT, QUESTION_LIMIT = 64, 300


@dataclass(frozen=True, slots=True)
class Draft:
    building_id: int | None  # None: the whole compound
    matter: str
    title: str
    question: str
    seconds: int
    guessed: bool = False  # no matter code was given: the words chose it


def infer_matter(text: str) -> str:
    for matter, hints in texts.MATTER_HINTS:
        if any(hint in text for hint in hints):
            return matter
    return store.ORDINARY


def parse_line(ctx: Ctx, args: str) -> Draft | str:
    """The command's words → a draft, or what to tell staff."""
    line = args.strip()
    for separator in texts.SEPARATORS[1:]:
        line = line.replace(separator, texts.SEPARATORS[0])
    parts = [part.strip() for part in line.split(texts.SEPARATORS[0])]
    words = parts[0].split()
    if len(parts) < 2 or not words or not parts[1]:
        return texts.VOTE_USAGE
    scope, words = words[0], words[1:]
    building_id: int | None = None
    if scope != texts.WORD_COMPOUND:
        building = find_building(ctx, scope)
        if building is None or not store.households(session=ctx.session, building_id=building.id):
            return texts.UNKNOWN_ROLL.format(building=scope)
        building_id = building.id
    coded = [i for i, word in enumerate(words) if word in texts.MATTER_WORDS]
    matter = texts.MATTER_WORDS[words.pop(coded[0])] if coded else None
    title, question = " ".join(words), parts[1]
    if not title:
        return texts.VOTE_NO_TITLE
    if len(title) > TITLE_LIMIT or len(question) > QUESTION_LIMIT:
        return texts.VOTE_TITLE_TOO_LONG
    seconds = DEFAULT_SECONDS
    if len(parts) > 2 and parts[2]:
        given = duration_seconds(parts[2])
        if given is None or not MIN_SECONDS <= given <= MAX_SECONDS:
            return texts.VOTE_BAD_DURATION
        seconds = given
    return Draft(
        building_id, matter or infer_matter(title + question), title, question, seconds, matter is None
    )


def building_ids(ctx: Ctx, vote: OwnerVote) -> list[int]:
    """The buildings a vote covers: its own, or every building on the compound's roll."""
    assert vote.id is not None
    return sorted({row.building_id for row in store.roll_of(session=ctx.session, vote_id=vote.id)})


def publish(ctx: Ctx, draft: Draft) -> list[str] | None:
    """Open the vote and send it out; the lines to tell staff, or None when the roll is empty."""
    vote = store.create_vote(
        session=ctx.session,
        building_id=draft.building_id,
        matter=draft.matter,
        title=draft.title,
        question=draft.question,
        creator_id=ctx.user.id,
        closes_at=ctx.now + timedelta(seconds=draft.seconds),
        now=ctx.now,
    )
    if vote is None:
        return None
    assert vote.id is not None
    tally = store.current_tally(session=ctx.session, vote=vote)
    text, keyboard = views.vote_text(ctx.session, vote, tally, ctx.config.tz), views.vote_keyboard(vote)
    sent: list[OutboxMessage] = []
    groups, notes = 0, []
    for building_id in building_ids(ctx, vote):
        chats = building_groups(session=ctx.session, building_id=building_id)
        if not chats:
            building = building_name(get_building(session=ctx.session, building_id=building_id))
            notes.append(texts.VOTE_NO_GROUP_NOTE.format(building=building))
        for chat in chats:
            sent.append(ctx.later(SendMessage(chat_id=chat.id, text=text, keyboard=keyboard)))
            groups += 1
    owners = {
        household.owner_tg_id
        for _, household in store.roll_with_households(session=ctx.session, vote_id=vote.id)
        if household.owner_tg_id is not None
    }
    told = 0
    for person in users_by_ids(session=ctx.session, ids=frozenset(owners)):
        if person.private_chat_open:
            sent.append(ctx.later(SendMessage(chat_id=person.id, text=text, keyboard=keyboard)))
            told += 1
    ctx.session.flush()
    vote.messages = [[row.chat_id, row.id] for row in sent if row.id is not None]
    ctx.session.add(vote)
    launched = texts.VOTE_LAUNCHED.format(
        number=vote.id,
        title=vote.title,
        matter=texts.MATTER_NAMES[vote.matter],
        groups=groups,
        owners=told,
    )
    if draft.guessed:
        notes.append(texts.VOTE_MATTER_GUESSED.format(matter=texts.MATTER_NAMES[vote.matter], number=vote.id))
    return [launched, *notes]


def owner_vote_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    def reply(text: str) -> list[Action]:
        return [SendMessage(chat_id=msg.chat.id, text=text, reply_to=msg.message_id)]

    draft = parse_line(ctx, args)
    if isinstance(draft, str):
        return reply(draft)
    said = publish(ctx, draft)
    if said is None:
        return reply(texts.UNKNOWN_ROLL.format(building=texts.WORD_COMPOUND))
    return reply("\n".join(said))
