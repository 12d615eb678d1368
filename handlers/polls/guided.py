"""发起投票 in the private chat, one question at a time: the question, the options (2–10), single or multiple
choice, named or anonymous, how long, the building (staff), then a preview and 确认发布.

The draft lives in the conversation state, so a restart between two steps loses nothing.
"""

from __future__ import annotations

from handlers import texts as common
from handlers.actions import Action, AnswerButton, Button, InlineKeyboard, SendMessage
from handlers.context import Ctx
from handlers.events import ButtonPress, IncomingMessage
from handlers.polls import texts
from handlers.polls.buttons import (
    Anonymity,
    CancelPoll,
    ConfirmPoll,
    Duration,
    Kind,
    NewPoll,
    OptionsDone,
    PollBuilding,
)
from handlers.polls.launching import (
    FLOW,
    MAX_OPTIONS,
    MIN_OPTIONS,
    OPTION_LIMIT,
    QUESTION_LIMIT,
    Draft,
    begin,
    building_question,
    check,
    may_launch_privately,
    publish_to_building,
)
from handlers.views import answer_and_edit, building_name, main_menu
from storage.models import ConversationState
from storage.people import get_building


def _keyboard(*buttons: Button) -> InlineKeyboard:
    return InlineKeyboard(rows=(tuple(buttons),))


def new_poll(ctx: Ctx, press: ButtonPress, data: NewPoll) -> list[Action]:
    if not may_launch_privately(ctx):
        return [AnswerButton(callback_id=press.callback_id, text=texts.WHO_MAY_LAUNCH)]
    return [AnswerButton(callback_id=press.callback_id), *begin(ctx, press.chat.id)]


def step(ctx: Ctx, msg: IncomingMessage, state: ConversationState) -> list[Action]:
    """A typed answer: the question, or the next option."""
    words = msg.text.strip()
    if words == common.BTN_CANCEL:
        ctx.forget_state()
        return [SendMessage(chat_id=msg.chat.id, text=texts.FLOW_CANCELLED, keyboard=main_menu(ctx.user))]
    data = dict(state.data)
    if state.step == "question":
        if not words or len(words) > QUESTION_LIMIT:
            return [
                SendMessage(
                    chat_id=msg.chat.id, text=texts.QUESTION_TOO_LONG if words else texts.ASK_QUESTION
                )
            ]
        ctx.enter(FLOW, "options", {"question": words, "options": []})
        return [SendMessage(chat_id=msg.chat.id, text=texts.ASK_OPTION.format(n=1))]
    if state.step == "options":
        options = list(data.get("options", []))  # type: ignore[call-overload]
        if not words or len(words) > OPTION_LIMIT:
            return [SendMessage(chat_id=msg.chat.id, text=texts.OPTION_TOO_LONG)]
        if words in options:
            return [SendMessage(chat_id=msg.chat.id, text=texts.SAME_OPTIONS)]
        options.append(words)
        data["options"] = options
        if len(options) >= MAX_OPTIONS:
            ctx.enter(FLOW, "kind", data)
            return [_ask_kind(msg.chat.id)]
        ctx.enter(FLOW, "options", data)
        if len(options) < MIN_OPTIONS:
            return [SendMessage(chat_id=msg.chat.id, text=texts.ASK_OPTION.format(n=len(options) + 1))]
        return [_ask_option(msg.chat.id, options)]
    return [SendMessage(chat_id=msg.chat.id, text=texts.FLOW_STALE)]


def _ask_option(chat_id: int, options: list[str], said: str = "") -> SendMessage:
    """The next option: typed, or 选项写完了 once there are enough."""
    if len(options) < MIN_OPTIONS:
        return SendMessage(chat_id=chat_id, text=said + texts.ASK_OPTION.format(n=len(options) + 1))
    done = _keyboard(Button(text=texts.BTN_OPTIONS_DONE, data=OptionsDone().encode()))
    return SendMessage(
        chat_id=chat_id, text=said + texts.ASK_MORE_OPTIONS.format(n=len(options)), keyboard=done
    )


def kept(state: ConversationState) -> bool:
    """A guided poll is worth keeping once its question is written."""
    return bool(state.data.get("question"))


def ask_again(ctx: Ctx, chat_id: int, state: ConversationState) -> list[Action]:
    """继续 a paused 发起投票: what is written so far, and the waiting step's question again."""
    draft = {key: value for key, value in state.data.items() if not key.startswith("_")}
    said = texts.DRAFT_SO_FAR.format(question=draft.get("question", "")) + "\n"
    match state.step:
        case "options":
            return [_ask_option(chat_id, list(draft.get("options", [])), said)]  # type: ignore[call-overload]
        case "kind":
            ask = _ask_kind(chat_id)
            return [ask.model_copy(update={"text": said + ask.text})]
        case "anonymity":
            return [SendMessage(chat_id=chat_id, text=said + texts.ASK_NAMED, keyboard=_named_keyboard())]
        case "duration":
            return [
                SendMessage(chat_id=chat_id, text=said + texts.ASK_DURATION, keyboard=_duration_keyboard())
            ]
        case "building":
            return building_question(ctx, chat_id, Draft.load(draft))
        case "confirm":
            text, keyboard = _preview_of(ctx, draft)
            return [SendMessage(chat_id=chat_id, text=text, keyboard=keyboard)]
    return begin(ctx, chat_id)


def _ask_kind(chat_id: int) -> SendMessage:
    keyboard = _keyboard(
        Button(text=texts.BTN_SINGLE, data=Kind(0).encode()),
        Button(text=texts.BTN_MULTI, data=Kind(1).encode()),
    )
    return SendMessage(chat_id=chat_id, text=texts.ASK_KIND, keyboard=keyboard)


def _stale(press: ButtonPress) -> list[Action]:
    return [AnswerButton(callback_id=press.callback_id, text=texts.FLOW_STALE)]


def options_done(ctx: Ctx, press: ButtonPress, data: OptionsDone) -> list[Action]:
    draft = ctx.draft(FLOW, "options")
    if draft is None or len(draft.get("options", [])) < MIN_OPTIONS:  # type: ignore[arg-type]
        return _stale(press)
    ctx.enter(FLOW, "kind", draft)
    return [AnswerButton(callback_id=press.callback_id), _ask_kind(press.chat.id)]


def kind(ctx: Ctx, press: ButtonPress, data: Kind) -> list[Action]:
    draft = ctx.draft(FLOW, "kind")
    if draft is None:
        return _stale(press)
    draft["max_choices"] = len(draft["options"]) if data.multiple else 1  # type: ignore[arg-type]
    ctx.enter(FLOW, "anonymity", draft)
    return answer_and_edit(press, texts.ASK_NAMED, _named_keyboard())


def _named_keyboard() -> InlineKeyboard:
    return _keyboard(
        Button(text=texts.BTN_NAMED, data=Anonymity(0).encode()),
        Button(text=texts.BTN_ANONYMOUS, data=Anonymity(1).encode()),
    )


def _duration_keyboard() -> InlineKeyboard:
    return _keyboard(
        *(Button(text=label, data=Duration(seconds).encode()) for label, seconds in texts.DURATION_CHOICES)
    )


def anonymity(ctx: Ctx, press: ButtonPress, data: Anonymity) -> list[Action]:
    draft = ctx.draft(FLOW, "anonymity")
    if draft is None:
        return _stale(press)
    draft["anonymous"] = bool(data.anonymous)
    ctx.enter(FLOW, "duration", draft)
    return answer_and_edit(press, texts.ASK_DURATION, _duration_keyboard())


def duration(ctx: Ctx, press: ButtonPress, data: Duration) -> list[Action]:
    draft = ctx.draft(FLOW, "duration")
    if draft is None or data.seconds not in {s for _, s in texts.DURATION_CHOICES}:
        return _stale(press)
    draft["seconds"] = data.seconds
    if ctx.is_staff:
        return [
            AnswerButton(callback_id=press.callback_id),
            *building_question(ctx, press.chat.id, Draft.load(draft)),
        ]
    draft["building"] = ctx.user.building_id
    return _preview(ctx, press, draft)


def building(ctx: Ctx, press: ButtonPress, data: PollBuilding) -> list[Action]:
    """Staff chose the building (after the guided steps, or after a one-line /poll in private)."""
    draft = ctx.draft(FLOW, "building")
    if draft is None:
        return _stale(press)
    draft["building"] = data.building
    return _preview(ctx, press, draft)


def _preview(ctx: Ctx, press: ButtonPress, draft: dict[str, object]) -> list[Action]:
    poll = Draft.load(draft)
    if (problem := check(poll)) is not None:
        ctx.forget_state()
        return answer_and_edit(press, problem)
    ctx.enter(FLOW, "confirm", draft)
    return answer_and_edit(press, *_preview_of(ctx, draft))


def _preview_of(ctx: Ctx, draft: dict[str, object]) -> tuple[str, InlineKeyboard]:
    poll = Draft.load(draft)
    where = building_name(get_building(session=ctx.session, building_id=draft.get("building")))  # type: ignore[arg-type]
    hours = poll.seconds // 3600
    text = texts.PREVIEW.format(
        question=poll.question,
        options="\n".join(texts.PREVIEW_OPTION.format(option=o) for o in poll.options),
        kind=texts.BTN_SINGLE if poll.max_choices == 1 else texts.BTN_MULTI,
        named=texts.BTN_ANONYMOUS if poll.anonymous else texts.BTN_NAMED,
        duration=texts.DURATION_DAYS.format(n=hours // 24)
        if hours >= 24
        else texts.DURATION_HOURS.format(n=hours),
        building=where,
    )
    keyboard = _keyboard(
        Button(text=texts.BTN_CONFIRM, data=ConfirmPoll().encode()),
        Button(text=texts.BTN_CANCEL, data=CancelPoll().encode()),
    )
    return text, keyboard


def confirm(ctx: Ctx, press: ButtonPress, data: ConfirmPoll) -> list[Action]:
    draft = ctx.draft(FLOW, "confirm")
    if draft is None or draft.get("building") is None:
        return _stale(press)
    ctx.forget_state()
    said = publish_to_building(ctx, Draft.load(draft), int(draft["building"]))  # type: ignore[call-overload]
    return answer_and_edit(press, said)


def cancel(ctx: Ctx, press: ButtonPress, data: CancelPoll) -> list[Action]:
    if ctx.flow(FLOW) is not None:
        ctx.forget_state()
    return answer_and_edit(press, texts.FLOW_CANCELLED)
