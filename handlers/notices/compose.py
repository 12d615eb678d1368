"""Composing a notice in the private chat: `/notice [置顶] [不要回执] [定时 明天 8:00] 全部 | 文字` (or
building names, or 楼栋长) in one line, or `/notice` alone (or the 📢 通知 menu button) for the guided flow
(text → a photo or file, or 跳过 → targets → options, 定时发送 among them); both end in a preview with
确认发送 / 取消. The draft lives in the conversation state until it is confirmed, so a second press of
确认发送 finds nothing to send.

With LINLI_LEADER_NOTICES a building leader composes too, for their own building only: the targets are
theirs, so the guided flow skips that step and the one-line form needs no targets at all.
"""

from __future__ import annotations

from datetime import datetime

from handlers import texts as common
from handlers.actions import Action, AnswerButton, Button, InlineKeyboard, SendMessage
from handlers.context import Ctx
from handlers.events import ButtonPress, IncomingMessage
from handlers.notices import delivery, scheduled, texts
from handlers.notices.buttons import (
    CancelNotice,
    ConfirmNotice,
    NoticeBuilding,
    NoticeOption,
    NoticeTargets,
)
from handlers.notices.when import parse_when, take_when
from handlers.views import answer_and_edit, local_time, main_menu, rows, snippet
from storage import notices as store
from storage.models import ConversationState, NoticeAudience, Role
from storage.notices import group_chats
from storage.people import list_buildings

FLOW = "notice_new"
TEXT_LIMIT = 3500  # Telegram's 4096 less the heading


# --- who composes


def leader_building(ctx: Ctx) -> int | None:
    """The building a leader sends for when leaders may send notices (LINLI_LEADER_NOTICES); None for
    staff (who send anywhere) and for everybody else."""
    if ctx.is_staff or not ctx.config.leader_notices or ctx.user.role != Role.LEADER:
        return None
    return ctx.user.building_id


def may_send(ctx: Ctx) -> bool:
    return ctx.is_staff or leader_building(ctx) is not None


def _leader_problem(ctx: Ctx, draft: dict[str, object]) -> str | None:
    """Checked again on 确认发送: a leader's draft goes to their own building and nowhere else."""
    own = leader_building(ctx)
    if own is None:
        return None
    if draft.get("audience") != NoticeAudience.BUILDINGS or list(draft.get("buildings", [])) != [own]:  # type: ignore[call-overload]
        return texts.LEADER_OWN_ONLY
    return None


# --- pieces of the draft


def _reply(msg: IncomingMessage, text: str, keyboard: InlineKeyboard | None = None) -> list[Action]:
    return [SendMessage(chat_id=msg.chat.id, text=text, reply_to=msg.message_id, keyboard=keyboard)]


def _media_of(msg: IncomingMessage) -> dict[str, object]:
    """The photo or document the message carries, as draft fields (none: an empty dict)."""
    if msg.photo_file_id:
        return {"media_kind": "photo", "media_file_id": msg.photo_file_id}
    if msg.document is not None:
        return {"media_kind": "document", "media_file_id": msg.document.file_id}
    return {}


def _caption_problem(draft: dict[str, object]) -> str | None:
    """A caption holds 1024 characters: a longer text cannot go with a photo or file."""
    room = scheduled.caption_room()
    if draft.get("media_kind") and scheduled.utf16_length(str(draft.get("text", ""))) > room:
        return texts.CAPTION_TOO_LONG.format(limit=room)
    return None


def _send_at(draft: dict[str, object]) -> datetime | None:
    found = draft.get("send_at")
    return datetime.fromisoformat(str(found)) if found else None


def _when(ctx: Ctx, draft: dict[str, object]) -> str | None:
    at = _send_at(draft)
    return local_time(at, ctx.config.tz) if at is not None else None


def _split(args: str) -> tuple[str, str] | None:
    """Targets before the first separator (half- or full-width), the text after it, left as written."""
    text = args.strip()
    found = [i for i in (text.find(separator) for separator in texts.SEPARATORS) if i >= 0]
    if not found:
        return None
    at = min(found)
    return text[:at].strip(), text[at + 1 :].strip()


def _resolve(ctx: Ctx, words: list[str]) -> tuple[list[int], list[str]]:
    """Building names (or just their numbers) → their ids, and the words that name none."""
    by_name = {b.name: b.id for b in list_buildings(session=ctx.session) if b.id is not None}
    chosen: list[int] = []
    unknown: list[str] = []
    for word in words:
        found = by_name.get(word, by_name.get(word + texts.BUILDING_SUFFIX))
        if found is None:
            unknown.append(word)
        elif found not in chosen:
            chosen.append(found)
    return chosen, unknown


def parse_line(ctx: Ctx, args: str) -> dict[str, object] | str:
    """`[置顶] [不要回执] [定时 时间] 全部|楼栋长|3号楼 5号楼 | 文字` → a draft, or what to tell the sender.
    A leader's line needs no targets: `/notice 文字` goes to their building."""
    own = leader_building(ctx)
    usage = texts.USAGE if own is None else texts.LEADER_USAGE
    split = _split(args)
    if split is None and own is not None and args.strip():
        split = ("", args.strip())
    if split is None or not split[1]:
        return usage
    head, body = split
    if len(body) > TEXT_LIMIT:
        return texts.TEXT_TOO_LONG.format(limit=TEXT_LIMIT)
    draft: dict[str, object] = {"text": body, "pin": False, "ack": True, "buildings": []}
    words = head.split()
    while words and words[0] in (texts.WORD_PIN, texts.WORD_LATER, *texts.WORDS_NO_ACK):
        word = words.pop(0)
        if word == texts.WORD_PIN:
            draft["pin"] = True
        elif word == texts.WORD_LATER:
            said, words = take_when(words)
            at = parse_when(said, now=ctx.now, tz=ctx.config.tz)
            if isinstance(at, str):
                return at
            draft["send_at"] = at.isoformat()
        else:
            draft["ack"] = False
    if own is not None:
        chosen, unknown = _resolve(ctx, words)
        if unknown or chosen not in ([], [own]):
            return texts.LEADER_OWN_ONLY
        return draft | {"audience": NoticeAudience.BUILDINGS.value, "buildings": [own]}
    if not words:
        return usage
    if all(word in texts.WORDS_ALL for word in words):
        return draft | {"audience": NoticeAudience.ALL.value}
    if all(word in texts.WORDS_LEADERS for word in words):
        return draft | {"audience": NoticeAudience.LEADERS.value}
    chosen, unknown = _resolve(ctx, words)
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
    media = {"photo": texts.OPTION_PHOTO, "document": texts.OPTION_DOCUMENT}
    options = (
        (texts.OPTION_PIN if draft.get("pin") else "")
        + ("" if draft.get("ack") else texts.OPTION_NO_ACK)
        + media.get(str(draft.get("media_kind")), "")
    )
    when = _when(ctx, draft)
    text = texts.PREVIEW.format(
        message=delivery.message_text(str(draft["text"]), bool(draft.get("ack"))),
        where=where,
        options=options,
    ) + (texts.PREVIEW_WHEN.format(when=when) if when else "")
    if ctx.config.paid_broadcast:  # Telegram charges the bot's Stars for every copy: say how many first
        text += texts.PREVIEW_PAID.format(stars=delivery.paid_cost(len(found)))
    keyboard = InlineKeyboard(
        rows=(
            (
                Button(text=texts.BTN_CONFIRM, data=ConfirmNotice().encode()),
                Button(text=texts.BTN_CANCEL, data=CancelNotice().encode()),
            ),
        )
    )
    return text, keyboard


def start_guided(ctx: Ctx, msg: IncomingMessage) -> list[Action]:
    """`/notice` alone or the 📢 通知 button: ask for the text (a photo sent with the command is kept)."""
    return start_guided_in(ctx, msg.chat.id, _media_of(msg))


def start_guided_in(ctx: Ctx, chat_id: int, media: dict[str, object] | None = None) -> list[Action]:
    ctx.enter(FLOW, "text", media or {})
    cancel = InlineKeyboard(rows=((Button(text=texts.BTN_CANCEL, data=CancelNotice().encode()),),))
    return [SendMessage(chat_id=chat_id, text=texts.ASK_TEXT, keyboard=cancel)]


def notice_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    if not msg.chat.is_private:
        return _reply(msg, texts.PRIVATE_ONLY)
    if not args.strip():
        return start_guided(ctx, msg)
    draft = parse_line(ctx, args)
    if isinstance(draft, str):
        return _reply(msg, draft)
    # A photo whose caption is the command goes with the notice.
    draft |= _media_of(msg)
    if (problem := _caption_problem(draft)) is not None:
        return _reply(msg, problem)
    shown = preview(ctx, draft)
    if isinstance(shown, str):
        return _reply(msg, shown)
    ctx.enter(FLOW, "confirm", draft)
    return _reply(msg, *shown)


# --- the guided flow


def _skip_keyboard() -> InlineKeyboard:
    return InlineKeyboard(
        rows=(
            (
                Button(text=texts.BTN_SKIP, data=NoticeOption("skip").encode()),
                Button(text=texts.BTN_CANCEL, data=CancelNotice().encode()),
            ),
        )
    )


def _after_media(ctx: Ctx, draft: dict[str, object]) -> tuple[str, InlineKeyboard]:
    """The next question once the text (and any photo or file) is in: the targets, or for a leader,
    whose targets are their building, the options."""
    own = leader_building(ctx)
    if own is not None:
        draft |= {"audience": NoticeAudience.BUILDINGS.value, "buildings": [own]}
        ctx.enter(FLOW, "options", draft)
        return texts.ASK_OPTIONS, _options_keyboard(ctx, draft)
    ctx.enter(FLOW, "targets", draft)
    return texts.ASK_TARGETS, _targets_keyboard(ctx, [])


def step(ctx: Ctx, msg: IncomingMessage, state: ConversationState) -> list[Action]:
    words = msg.text.strip()
    chat_id = msg.chat.id
    if words == common.BTN_CANCEL:
        ctx.forget_state()
        return [SendMessage(chat_id=chat_id, text=texts.CANCELLED, keyboard=main_menu(ctx.user))]
    draft: dict[str, object] = ctx.draft(FLOW, state.step) or {}
    if state.step == "text":
        return _text_step(ctx, msg, draft)
    if state.step == "media":
        media = _media_of(msg)
        if not media and words not in texts.WORDS_SKIP:
            return [SendMessage(chat_id=chat_id, text=texts.MEDIA_ONLY, keyboard=_skip_keyboard())]
        draft |= media
        if (problem := _caption_problem(draft)) is not None:
            return [SendMessage(chat_id=chat_id, text=problem, keyboard=_skip_keyboard())]
        text, keyboard = _after_media(ctx, draft)
        return [SendMessage(chat_id=chat_id, text=text, keyboard=keyboard)]
    if state.step == "when":
        at = parse_when(words, now=ctx.now, tz=ctx.config.tz)
        if isinstance(at, str):
            return [SendMessage(chat_id=chat_id, text=at, keyboard=_when_keyboard())]
        draft["send_at"] = at.isoformat()
        ctx.enter(FLOW, "options", draft)
        return [SendMessage(chat_id=chat_id, text=texts.ASK_OPTIONS, keyboard=_options_keyboard(ctx, draft))]
    return [SendMessage(chat_id=chat_id, text=texts.USE_BUTTONS)]


def kept(state: ConversationState) -> bool:
    """A notice is worth keeping once its text is written."""
    return bool(state.data.get("text"))


def ask_again(ctx: Ctx, chat_id: int, state: ConversationState) -> list[Action]:
    """继续 a paused notice: what is written so far, and the waiting step's question again."""
    draft: dict[str, object] = ctx.draft(FLOW, state.step) or {}
    said = texts.DRAFT_SO_FAR.format(text=snippet(str(draft.get("text", "")), 30)) + "\n"
    asked: tuple[str, InlineKeyboard | None]
    match state.step:
        case "media":
            asked = (texts.ASK_MEDIA, _skip_keyboard())
        case "targets":
            asked = (texts.ASK_TARGETS, _targets_keyboard(ctx, list(draft.get("buildings", []))))  # type: ignore[call-overload]
        case "options":
            asked = (texts.ASK_OPTIONS, _options_keyboard(ctx, draft))
        case "when":
            asked = (texts.ASK_WHEN, _when_keyboard())
        case "confirm":
            shown = preview(ctx, draft)
            asked = (shown, None) if isinstance(shown, str) else shown
        case _:
            return start_guided_in(ctx, chat_id)
    return [SendMessage(chat_id=chat_id, text=said + asked[0], keyboard=asked[1])]


def _text_step(ctx: Ctx, msg: IncomingMessage, draft: dict[str, object]) -> list[Action]:
    words = msg.text.strip()
    if not words:
        return [SendMessage(chat_id=msg.chat.id, text=texts.TEXT_ONLY)]
    if len(words) > TEXT_LIMIT:
        return [SendMessage(chat_id=msg.chat.id, text=texts.TEXT_TOO_LONG.format(limit=TEXT_LIMIT))]
    # A photo or file sent with the text as its caption (or with the command) needs no second step.
    media = _media_of(msg) or {k: v for k, v in draft.items() if k in ("media_kind", "media_file_id")}
    draft = {"text": words, "pin": False, "ack": True, "buildings": [], **media}
    if not media:
        ctx.enter(FLOW, "media", draft)
        return [SendMessage(chat_id=msg.chat.id, text=texts.ASK_MEDIA, keyboard=_skip_keyboard())]
    if (problem := _caption_problem(draft)) is not None:
        return [SendMessage(chat_id=msg.chat.id, text=problem)]
    text, keyboard = _after_media(ctx, draft)
    return [SendMessage(chat_id=msg.chat.id, text=text, keyboard=keyboard)]


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


def _options_keyboard(ctx: Ctx, draft: dict[str, object]) -> InlineKeyboard:
    when = _when(ctx, draft)
    later = [
        Button(
            text=texts.BTN_LATER_SET.format(when=when) if when else texts.BTN_LATER,
            data=NoticeOption("when").encode(),
        )
    ]
    if when:
        later.append(Button(text=texts.BTN_NOW, data=NoticeOption("now").encode()))
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
            tuple(later),
            (
                Button(text=texts.BTN_PREVIEW, data=NoticeOption("preview").encode()),
                Button(text=texts.BTN_CANCEL, data=CancelNotice().encode()),
            ),
        )
    )


def _when_keyboard() -> InlineKeyboard:
    return InlineKeyboard(
        rows=(
            (
                Button(text=texts.BTN_NOW, data=NoticeOption("now").encode()),
                Button(text=texts.BTN_CANCEL, data=CancelNotice().encode()),
            ),
        )
    )


def _stale(press: ButtonPress) -> list[Action]:
    return [AnswerButton(callback_id=press.callback_id, text=texts.STALE)]


def _refuse_leader(ctx: Ctx, press: ButtonPress) -> list[Action] | None:
    """Targets are a leader's own building: the target buttons are not theirs to press."""
    if leader_building(ctx) is None:
        return None
    return [AnswerButton(callback_id=press.callback_id, text=texts.LEADER_OWN_ONLY, alert=True)]


def building(ctx: Ctx, press: ButtonPress, data: NoticeBuilding) -> list[Action]:
    if (refused := _refuse_leader(ctx, press)) is not None:
        return refused
    draft = ctx.draft(FLOW, "targets")
    if draft is None:
        return _stale(press)
    chosen = [int(b) for b in draft.get("buildings", [])]
    chosen = (
        [b for b in chosen if b != data.building] if data.building in chosen else [*chosen, data.building]
    )
    draft["buildings"] = chosen
    ctx.enter(FLOW, "targets", draft)
    return answer_and_edit(press, texts.ASK_TARGETS, _targets_keyboard(ctx, chosen))


def choose_targets(ctx: Ctx, press: ButtonPress, data: NoticeTargets) -> list[Action]:
    if (refused := _refuse_leader(ctx, press)) is not None:
        return refused
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
    ctx.enter(FLOW, "options", draft)
    return answer_and_edit(press, texts.ASK_OPTIONS, _options_keyboard(ctx, draft))


def option(ctx: Ctx, press: ButtonPress, data: NoticeOption) -> list[Action]:
    if data.option == "skip":
        draft = ctx.draft(FLOW, "media")
        if draft is None:
            return _stale(press)
        return answer_and_edit(press, *_after_media(ctx, draft))
    if data.option == "now":
        # From the options (改为立即发送) or while the time is asked.
        draft = ctx.draft(FLOW, "options") or ctx.draft(FLOW, "when")
        if draft is None:
            return _stale(press)
        draft.pop("send_at", None)
        ctx.enter(FLOW, "options", draft)
        return answer_and_edit(press, texts.ASK_OPTIONS, _options_keyboard(ctx, draft))
    draft = ctx.draft(FLOW, "options")
    if draft is None:
        return _stale(press)
    if data.option in ("pin", "ack"):
        draft[data.option] = not draft.get(data.option)
        ctx.enter(FLOW, "options", draft)
        return answer_and_edit(press, texts.ASK_OPTIONS, _options_keyboard(ctx, draft))
    if data.option == "when":
        ctx.enter(FLOW, "when", draft)
        return answer_and_edit(press, texts.ASK_WHEN, _when_keyboard())
    if data.option != "preview":
        return _stale(press)
    shown = preview(ctx, draft)
    if isinstance(shown, str):
        return [AnswerButton(callback_id=press.callback_id, text=shown, alert=True)]
    ctx.enter(FLOW, "confirm", draft)
    return answer_and_edit(press, *shown)


def confirm(ctx: Ctx, press: ButtonPress, data: ConfirmNotice) -> list[Action]:
    """确认发送: the notice is created and its copies queued (or, 定时发送, kept for its time); the preview
    becomes the progress message."""
    draft = ctx.draft(FLOW, "confirm")
    if draft is None:
        return _stale(press)
    if (problem := _leader_problem(ctx, draft)) is not None:
        return [AnswerButton(callback_id=press.callback_id, text=problem, alert=True)]
    ctx.forget_state()
    building_ids = [int(b) for b in draft.get("buildings", [])]
    send_at = _send_at(draft)
    if send_at is not None and send_at <= ctx.now:
        send_at = None  # its time came while the preview waited: it goes now, as the job would send it
    notice = store.create_notice(
        session=ctx.session,
        creator_id=ctx.user.id,
        text=str(draft["text"]),
        audience=str(draft["audience"]),
        building_ids=building_ids,
        pin=bool(draft.get("pin")),
        ask_ack=bool(draft.get("ack")),
        progress_chat_id=press.chat.id,
        progress_message_id=press.message_id,
        now=ctx.now,
        media_kind=str(draft["media_kind"]) if draft.get("media_kind") else None,
        media_file_id=str(draft["media_file_id"]) if draft.get("media_file_id") else None,
        send_at=send_at,
    )
    if send_at is None:
        return answer_and_edit(press, delivery.queue_copies(ctx, notice))
    line = texts.SCHEDULED.format(number=notice.id, when=local_time(send_at, ctx.config.tz))
    notice.progress_text = line
    ctx.session.add(notice)
    return answer_and_edit(press, line)


def cancel(ctx: Ctx, press: ButtonPress, data: CancelNotice) -> list[Action]:
    if ctx.flow(FLOW) is not None:
        ctx.forget_state()
    return answer_and_edit(press, texts.CANCELLED)
