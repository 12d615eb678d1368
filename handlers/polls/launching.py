"""Launching a poll: `/poll 问题 | 选项1 | 选项2 | 3天` in one line, by a building leader in their building's
group or by staff in any bound group (or from the private chat, choosing the building)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import timedelta

from handlers.actions import Action, Button, InlineKeyboard, SendMessage
from handlers.context import Ctx, Scope
from handlers.events import IncomingMessage
from handlers.polls import texts, views
from handlers.polls.buttons import CancelPoll, PollBuilding
from handlers.views import building_name, rows
from storage import polls as store
from storage.models import Poll, Role
from storage.people import get_building, list_buildings

FLOW = "poll_new"
DEFAULT_SECONDS = 3 * 86400
MIN_SECONDS, MAX_SECONDS = 3600, 30 * 86400
MIN_OPTIONS, MAX_OPTIONS = 2, 10
QUESTION_LIMIT, OPTION_LIMIT = 200, 40
_DURATION = re.compile(texts.DURATION_PATTERN, re.IGNORECASE)
_MULTIPLE = re.compile(rf"^{texts.WORD_MULTIPLE}(\d{{0,2}})$")


@dataclass(frozen=True, slots=True)
class Draft:
    question: str
    options: list[str]
    max_choices: int = 1
    anonymous: bool = False
    seconds: int = DEFAULT_SECONDS

    def dump(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def load(cls, data: dict[str, object]) -> Draft:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})  # type: ignore[arg-type]


def duration_seconds(word: str) -> int | None:
    found = _DURATION.match(word.strip().lower())
    return int(found.group(1)) * texts.DURATION_UNITS[found.group(2)] if found else None


def check(draft: Draft) -> str | None:
    """Why the draft cannot be a poll, or None."""
    if not draft.question or len(draft.question) > QUESTION_LIMIT:
        return texts.QUESTION_TOO_LONG if draft.question else texts.USAGE
    if not MIN_OPTIONS <= len(draft.options) <= MAX_OPTIONS:
        return texts.TOO_FEW_OPTIONS
    if any(not option or len(option) > OPTION_LIMIT for option in draft.options):
        return texts.OPTION_TOO_LONG
    if len(set(draft.options)) != len(draft.options):
        return texts.SAME_OPTIONS
    if not 1 <= draft.max_choices <= len(draft.options):
        return texts.MULTI_TOO_MANY
    if not MIN_SECONDS <= draft.seconds <= MAX_SECONDS:
        return texts.BAD_DURATION
    return None


def parse_line(args: str) -> Draft | str:
    """`[匿名] [多选[N]] 问题 | 选项 | 选项 … [| 3天]` → a checked draft, or what to tell the asker."""
    text = args.strip()
    for separator in texts.OPTION_SEPARATORS[1:]:
        text = text.replace(separator, texts.OPTION_SEPARATORS[0])
    parts = [part.strip() for part in text.split(texts.OPTION_SEPARATORS[0])]
    if len(parts) < 2:
        return texts.USAGE
    anonymous, max_choices = False, 1
    words = parts[0].split()
    while words:
        if words[0] == texts.WORD_ANONYMOUS:
            anonymous = True
        elif (multiple := _MULTIPLE.match(words[0])) is not None:
            max_choices = (
                int(multiple.group(1)) if multiple.group(1) else 0
            )  # 0: as many as there are options
        else:
            break
        words.pop(0)
    question, options = " ".join(words), [p for p in parts[1:] if p]
    seconds = DEFAULT_SECONDS
    if options and (given := duration_seconds(options[-1])) is not None:
        seconds, options = given, options[:-1]
    draft = Draft(question, options, max_choices or len(options), anonymous, seconds)
    return check(draft) or draft


def launch_refusal(ctx: Ctx) -> str | None:
    """In a group: who may launch a poll here."""
    if ctx.chat.building_id is None:
        return texts.NOT_BOUND
    leader_here = ctx.user.role == Role.LEADER and ctx.user.building_id == ctx.chat.building_id
    return None if ctx.is_staff or leader_here else texts.WHO_MAY_LAUNCH


def may_launch_privately(ctx: Ctx) -> bool:
    return ctx.is_staff or (ctx.user.role == Role.LEADER and ctx.user.building_id is not None)


def publish(scope: Scope, draft: Draft, *, chat_id: int, building_id: int | None, creator_id: int) -> Poll:
    """Create the poll and post its message to the group."""
    poll = store.create_poll(
        session=scope.session,
        chat_id=chat_id,
        building_id=building_id,
        creator_id=creator_id,
        question=draft.question,
        options=draft.options,
        max_choices=draft.max_choices,
        anonymous=draft.anonymous,
        closes_at=scope.now + timedelta(seconds=draft.seconds),
        now=scope.now,
    )
    zeros = [0] * len(draft.options)
    message = SendMessage(
        chat_id=chat_id,
        text=views.poll_text(poll, zeros, 0, scope.config.tz),
        keyboard=views.poll_keyboard(poll, zeros),
    )
    row = scope.later(message)
    scope.session.flush()
    poll.message_outbox_id = row.id
    scope.session.add(poll)
    return poll


def publish_to_building(ctx: Ctx, draft: Draft, building_id: int) -> str:
    """Post the draft to the building's group; what to tell the person who launched it."""
    building = building_name(get_building(session=ctx.session, building_id=building_id))
    groups = store.building_groups(session=ctx.session, building_id=building_id)
    if not groups:
        return texts.NO_GROUP.format(building=building)
    poll = publish(ctx, draft, chat_id=groups[0].id, building_id=building_id, creator_id=ctx.user.id)
    return texts.LAUNCHED_ELSEWHERE.format(number=poll.id, building=building)


def building_question(ctx: Ctx, msg_chat_id: int, draft: Draft) -> list[Action]:
    """Staff in private: which building's group gets the poll."""
    ctx.enter(FLOW, "building", draft.dump())
    choices = [
        Button(text=b.name, data=PollBuilding(b.id).encode())
        for b in list_buildings(session=ctx.session)
        if b.id is not None and store.building_groups(session=ctx.session, building_id=b.id)
    ]
    if not choices:
        return [SendMessage(chat_id=msg_chat_id, text=texts.NO_GROUP.format(building=""))]
    return [
        SendMessage(
            chat_id=msg_chat_id, text=texts.CHOOSE_BUILDING, keyboard=InlineKeyboard(rows=rows(choices))
        )
    ]


def begin(ctx: Ctx, chat_id: int) -> list[Action]:
    """发起投票, step by step: the first question (the next steps are in guided.py)."""
    ctx.enter(FLOW, "question", {})
    cancel = InlineKeyboard(rows=((Button(text=texts.BTN_CANCEL, data=CancelPoll().encode()),),))
    return [SendMessage(chat_id=chat_id, text=texts.ASK_QUESTION, keyboard=cancel)]


def poll_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    def reply(text: str) -> list[Action]:
        return [SendMessage(chat_id=msg.chat.id, text=text, reply_to=msg.message_id)]

    if msg.chat.is_group:
        if (refused := launch_refusal(ctx)) is not None:
            return reply(refused)
        draft = parse_line(args)
        if isinstance(draft, str):
            return reply(draft)
        publish(ctx, draft, chat_id=msg.chat.id, building_id=ctx.chat.building_id, creator_id=ctx.user.id)
        return []
    if not may_launch_privately(ctx):
        return reply(texts.WHO_MAY_LAUNCH)
    if not args.strip():
        return begin(ctx, msg.chat.id)
    draft = parse_line(args)
    if isinstance(draft, str):
        return reply(draft)
    if ctx.is_staff:
        return building_question(ctx, msg.chat.id, draft)
    assert ctx.user.building_id is not None
    return reply(publish_to_building(ctx, draft, ctx.user.building_id))
