"""Composing a notice in the private chat: `/notice [置顶] [不要回执] 全部 | 文字` (or building names, or
楼栋长) in one line, or `/notice` alone for the guided flow (text → targets → options); both end in a
preview with 确认发送 / 取消. The draft lives in the conversation state until it is confirmed, so a second
press of 确认发送 finds nothing to send."""

from __future__ import annotations

from handlers import texts as common
from handlers.actions import Action, AnswerButton, Button, InlineKeyboard, SendMessage
from handlers.context import Ctx
from handlers.events import ButtonPress, IncomingMessage
from handlers.notices import delivery, texts
from handlers.notices.buttons import (
    CancelNotice,
    ConfirmNotice,
    NoticeBuilding,
    NoticeOption,
    NoticeTargets,
)
from handlers.views import answer_and_edit, main_menu, rows
from storage.conversations import set_state
from storage.models import ConversationState, NoticeAudience
from storage.notices import group_chats
from storage.people import list_buildings

FLOW = "notice_new"
TEXT_LIMIT = 3500  # Telegram's 4096 less the heading


def _save(ctx: Ctx, chat_id: int, step: str, draft: dict[str, object]) -> None:
    set_state(
        session=ctx.session,
        user_id=ctx.user.id,
        chat_id=chat_id,
        flow=FLOW,
        step=step,
        data=draft,
        now=ctx.now,
    )


def _reply(msg: IncomingMessage, text: str, keyboard: InlineKeyboard | None = None) -> list[Action]:
    return [SendMessage(chat_id=msg.chat.id, text=text, reply_to=msg.message_id, keyboard=keyboard)]


def _split(args: str) -> tuple[str, str] | None:
    """Targets before the first separator (half- or full-width), the text after it, left as written."""
    text = args.strip()
    found = [i for i in (text.find(separator) for separator in texts.SEPARATORS) if i >= 0]
    if not found:
        return None
    at = min(found)
    return text[:at].strip(), text[at + 1 :].strip()


def parse_line(ctx: Ctx, args: str) -> dict[str, object] | str:
    """`[置顶] [不要回执] 全部|楼栋长|3号楼 5号楼 | 文字` → a draft, or what to tell the sender."""
    split = _split(args)
    if split is None or not split[1]:
        return texts.USAGE
    head, body = split
    if len(body) > TEXT_LIMIT:
        return texts.TEXT_TOO_LONG.format(limit=TEXT_LIMIT)
    pin, ack = False, True
    words = head.split()
    while words and (words[0] == texts.WORD_PIN or words[0] in texts.WORDS_NO_ACK):
        pin, ack = pin or words[0] == texts.WORD_PIN, ack and words[0] not in texts.WORDS_NO_ACK
        words.pop(0)
    draft: dict[str, object] = {"text": body, "pin": pin, "ack": ack, "buildings": []}
    if not words:
        return texts.USAGE
    if all(word in texts.WORDS_ALL for word in words):
        return draft | {"audience": NoticeAudience.ALL.value}
    if all(word in texts.WORDS_LEADERS for word in words):
        return draft | {"audience": NoticeAudience.LEADERS.value}
    by_name = {b.name: b.id for b in list_buildings(session=ctx.session) if b.id is not None}
    chosen: list[int] = []
    unknown: list[str] = []
    for word in words:
        found = by_name.get(word, by_name.get(word + texts.BUILDING_SUFFIX))
        if found is None:
            unknown.append(word)
        elif found not in chosen:
            chosen.append(found)
    if unknown:
        return texts.UNKNOWN_BUILDING.format(names=" ".join(unknown))
    return draft | {"audience": NoticeAudience.BUILDINGS.value, "buildings": chosen}


def preview(ctx: Ctx, draft: dict[str, object]) -> tuple[str, InlineKeyboard] | str:
    """The preview of the draft and its 确认发送 / 取消 buttons, or why it cannot go anywhere."""
    audience = str(draft["audience"])
    found = delivery.targets(ctx, audience, list(draft.get("buildings", [])))  # type: ignore[call-overload]
    if not found:
        return texts.NO_TARGETS
    where = (texts.WHERE_LEADERS if audience == NoticeAudience.LEADERS else texts.WHERE_GROUPS).format(
        n=len(found)
    )
    options = (texts.OPTION_PIN if draft.get("pin") else "") + (
        "" if draft.get("ack") else texts.OPTION_NO_ACK
    )
    text = texts.PREVIEW.format(
        message=delivery.message_text(str(draft["text"]), bool(draft.get("ack"))),
        where=where,
        options=options,
    )
    keyboard = InlineKeyboard(
        rows=(
            (
                Button(text=texts.BTN_CONFIRM, data=ConfirmNotice().encode()),
                Button(text=texts.BTN_CANCEL, data=CancelNotice().encode()),
            ),
        )
    )
    return text, keyboard


def notice_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    if not msg.chat.is_private:
        return _reply(msg, texts.PRIVATE_ONLY)
    if not args.strip():
        _save(ctx, msg.chat.id, "text", {})
        cancel = InlineKeyboard(rows=((Button(text=texts.BTN_CANCEL, data=CancelNotice().encode()),),))
        return [SendMessage(chat_id=msg.chat.id, text=texts.ASK_TEXT, keyboard=cancel)]
    draft = parse_line(ctx, args)
    if isinstance(draft, str):
        return _reply(msg, draft)
    shown = preview(ctx, draft)
    if isinstance(shown, str):
        return _reply(msg, shown)
    _save(ctx, msg.chat.id, "confirm", draft)
    return _reply(msg, *shown)


# --- the guided flow


def step(ctx: Ctx, msg: IncomingMessage, state: ConversationState) -> list[Action]:
    words = msg.text.strip()
    if words == common.BTN_CANCEL:
        ctx.forget_state()
        return [SendMessage(chat_id=msg.chat.id, text=texts.CANCELLED, keyboard=main_menu())]
    if state.step != "text":
        return [SendMessage(chat_id=msg.chat.id, text=texts.USE_BUTTONS)]
    if not words:
        return [SendMessage(chat_id=msg.chat.id, text=texts.TEXT_ONLY)]
    if len(words) > TEXT_LIMIT:
        return [SendMessage(chat_id=msg.chat.id, text=texts.TEXT_TOO_LONG.format(limit=TEXT_LIMIT))]
    draft: dict[str, object] = {"text": words, "pin": False, "ack": True, "buildings": []}
    _save(ctx, msg.chat.id, "targets", draft)
    return [SendMessage(chat_id=msg.chat.id, text=texts.ASK_TARGETS, keyboard=_targets_keyboard(ctx, []))]


def _targets_keyboard(ctx: Ctx, chosen: list[int]) -> InlineKeyboard:
    with_groups = {chat.building_id for chat in group_chats(session=ctx.session)}
    buildings = [
        Button(
            text=texts.BUILDING_CHOSEN.format(name=b.name) if b.id in chosen else b.name,
            data=NoticeBuilding(b.id).encode(),
        )
        for b in list_buildings(session=ctx.session)
        if b.id is not None and b.id in with_groups
    ]
    return InlineKeyboard(
        rows=(
            (
                Button(text=texts.BTN_ALL, data=NoticeTargets("all").encode()),
                Button(text=texts.BTN_LEADERS, data=NoticeTargets("leaders").encode()),
            ),
            *rows(buildings),
            (
                Button(text=texts.BTN_NEXT, data=NoticeTargets("next").encode()),
                Button(text=texts.BTN_CANCEL, data=CancelNotice().encode()),
            ),
        )
    )


def _options_keyboard(draft: dict[str, object]) -> InlineKeyboard:
    return InlineKeyboard(
        rows=(
            (
                Button(
                    text=texts.BTN_PIN_ON if draft.get("pin") else texts.BTN_PIN_OFF,
                    data=NoticeOption("pin").encode(),
                ),
                Button(
                    text=texts.BTN_ACK_ON if draft.get("ack") else texts.BTN_ACK_OFF,
                    data=NoticeOption("ack").encode(),
                ),
            ),
            (
                Button(text=texts.BTN_PREVIEW, data=NoticeOption("preview").encode()),
                Button(text=texts.BTN_CANCEL, data=CancelNotice().encode()),
            ),
        )
    )


def _stale(press: ButtonPress) -> list[Action]:
    return [AnswerButton(callback_id=press.callback_id, text=texts.STALE)]


def building(ctx: Ctx, press: ButtonPress, data: NoticeBuilding) -> list[Action]:
    draft = ctx.draft(FLOW, "targets")
    if draft is None:
        return _stale(press)
    chosen = [int(b) for b in draft.get("buildings", [])]  # type: ignore[attr-defined]
    chosen = (
        [b for b in chosen if b != data.building] if data.building in chosen else [*chosen, data.building]
    )
    draft["buildings"] = chosen
    _save(ctx, press.chat.id, "targets", draft)
    return answer_and_edit(press, texts.ASK_TARGETS, _targets_keyboard(ctx, chosen))


def choose_targets(ctx: Ctx, press: ButtonPress, data: NoticeTargets) -> list[Action]:
    draft = ctx.draft(FLOW, "targets")
    if draft is None:
        return _stale(press)
    if data.choice == "all":
        draft |= {"audience": NoticeAudience.ALL.value, "buildings": []}
    elif data.choice == "leaders":
        draft |= {"audience": NoticeAudience.LEADERS.value, "buildings": []}
    elif data.choice == "next" and draft.get("buildings"):
        draft["audience"] = NoticeAudience.BUILDINGS.value
    elif data.choice == "next":
        return [AnswerButton(callback_id=press.callback_id, text=texts.CHOOSE_ONE)]
    else:
        return _stale(press)
    _save(ctx, press.chat.id, "options", draft)
    return answer_and_edit(press, texts.ASK_OPTIONS, _options_keyboard(draft))


def option(ctx: Ctx, press: ButtonPress, data: NoticeOption) -> list[Action]:
    draft = ctx.draft(FLOW, "options")
    if draft is None:
        return _stale(press)
    if data.option in ("pin", "ack"):
        draft[data.option] = not draft.get(data.option)
        _save(ctx, press.chat.id, "options", draft)
        return answer_and_edit(press, texts.ASK_OPTIONS, _options_keyboard(draft))
    if data.option != "preview":
        return _stale(press)
    shown = preview(ctx, draft)
    if isinstance(shown, str):
        return [AnswerButton(callback_id=press.callback_id, text=shown, alert=True)]
    _save(ctx, press.chat.id, "confirm", draft)
    return answer_and_edit(press, *shown)


def confirm(ctx: Ctx, press: ButtonPress, data: ConfirmNotice) -> list[Action]:
    """确认发送: the notice is created and its copies queued; the preview becomes the progress message."""
    draft = ctx.draft(FLOW, "confirm")
    if draft is None:
        return _stale(press)
    ctx.forget_state()
    _, line = delivery.fan_out(
        ctx,
        creator_id=ctx.user.id,
        text=str(draft["text"]),
        audience=str(draft["audience"]),
        building_ids=[int(b) for b in draft.get("buildings", [])],  # type: ignore[attr-defined]
        pin=bool(draft.get("pin")),
        ask_ack=bool(draft.get("ack")),
        progress_chat_id=press.chat.id,
        progress_message_id=press.message_id,
    )
    return answer_and_edit(press, line)


def cancel(ctx: Ctx, press: ButtonPress, data: CancelNotice) -> list[Action]:
    if ctx.flow(FLOW) is not None:
        ctx.forget_state()
    return answer_and_edit(press, texts.CANCELLED)
