"""Problem reports (报事): from a building group, or step by step in a private chat."""

from __future__ import annotations

from typing import Any

from handlers import texts
from handlers.actions import Action, AnswerButton, EditMessage, SendMessage
from handlers.cards import post_card
from handlers.context import Ctx
from handlers.events import ButtonPress, IncomingMessage
from handlers.render import building_choice, building_name, cancel_keyboard, main_menu, received_reply
from storage.conversations import clear_state, get_state, set_state
from storage.models import Ticket
from storage.people import get_building, list_buildings
from storage.tickets import create_ticket

FLOW = "report"
STEP_DESCRIBE = "describe"
STEP_BUILDING = "building"
DEFAULT_CATEGORY = "other"  # until the classifier sorts reports


def _has_content(text: str, msg: IncomingMessage) -> bool:
    return bool(text.strip() or msg.photo_file_id or msg.voice_file_id)


def _file(
    ctx: Ctx,
    *,
    text: str,
    chat_id: int,
    message_id: int,
    building_id: int | None,
    photo: str | None,
    voice: str | None,
) -> Ticket:
    ticket = create_ticket(
        session=ctx.session,
        reporter_id=ctx.user.id,
        chat_id=chat_id,
        message_id=message_id,
        text=text.strip(),
        building_id=building_id,
        category=DEFAULT_CATEGORY,
        now=ctx.now,
        photo_file_id=photo,
        voice_file_id=voice,
    )
    post_card(ctx, ticket)
    return ticket


def from_group(ctx: Ctx, msg: IncomingMessage, body: str) -> list[Action]:
    if ctx.chat.building_id is None:
        return [SendMessage(chat_id=msg.chat.id, text=texts.GROUP_NOT_BOUND, reply_to=msg.message_id)]
    if not _has_content(body, msg):
        return [SendMessage(chat_id=msg.chat.id, text=texts.REPORT_EMPTY, reply_to=msg.message_id)]
    ctx.user.building_id = ctx.chat.building_id
    ticket = _file(
        ctx,
        text=body,
        chat_id=msg.chat.id,
        message_id=msg.message_id,
        building_id=ctx.chat.building_id,
        photo=msg.photo_file_id,
        voice=msg.voice_file_id,
    )
    return [SendMessage(chat_id=msg.chat.id, text=received_reply(ticket), reply_to=msg.message_id)]


def start_private(ctx: Ctx, msg: IncomingMessage) -> list[Action]:
    set_state(
        session=ctx.session,
        user_id=ctx.user.id,
        chat_id=msg.chat.id,
        flow=FLOW,
        step=STEP_DESCRIBE,
        data={},
        now=ctx.now,
    )
    return [SendMessage(chat_id=msg.chat.id, text=texts.REPORT_ASK_TEXT, keyboard=cancel_keyboard())]


def in_private_flow(ctx: Ctx, msg: IncomingMessage) -> bool:
    state = get_state(session=ctx.session, user_id=ctx.user.id, chat_id=msg.chat.id)
    return state is not None and state.flow == FLOW


def continue_private(ctx: Ctx, msg: IncomingMessage) -> list[Action]:
    """The message after 我要报事: the description, or 取消."""
    if msg.text.strip() == texts.BTN_CANCEL:
        clear_state(session=ctx.session, user_id=ctx.user.id, chat_id=msg.chat.id)
        return [SendMessage(chat_id=msg.chat.id, text=texts.REPORT_CANCELLED, keyboard=main_menu())]
    if not _has_content(msg.text, msg):
        return [SendMessage(chat_id=msg.chat.id, text=texts.REPORT_NEEDS_MEDIA_OR_TEXT)]
    return file_private(ctx, msg, msg.text)


def file_private(ctx: Ctx, msg: IncomingMessage, text: str) -> list[Action]:
    draft: dict[str, Any] = {
        "text": text,
        "message_id": msg.message_id,
        "photo": msg.photo_file_id,
        "voice": msg.voice_file_id,
    }
    if ctx.user.building_id is None:
        buildings = list_buildings(session=ctx.session)
        if buildings:
            set_state(
                session=ctx.session,
                user_id=ctx.user.id,
                chat_id=msg.chat.id,
                flow=FLOW,
                step=STEP_BUILDING,
                data=draft,
                now=ctx.now,
            )
            return [
                SendMessage(
                    chat_id=msg.chat.id, text=texts.REPORT_ASK_BUILDING, keyboard=building_choice(buildings)
                )
            ]
    return _finish_private(ctx, msg.chat.id, draft, ctx.user.building_id)


def _finish_private(ctx: Ctx, chat_id: int, draft: dict[str, Any], building_id: int | None) -> list[Action]:
    clear_state(session=ctx.session, user_id=ctx.user.id, chat_id=chat_id)
    ticket = _file(
        ctx,
        text=draft["text"],
        chat_id=chat_id,
        message_id=draft["message_id"],
        building_id=building_id,
        photo=draft["photo"],
        voice=draft["voice"],
    )
    reply = received_reply(ticket)
    return [SendMessage(chat_id=chat_id, text=reply, reply_to=draft["message_id"], keyboard=main_menu())]


def choose_building(ctx: Ctx, press: ButtonPress, building_id: int) -> list[Action]:
    state = get_state(session=ctx.session, user_id=ctx.user.id, chat_id=press.chat.id)
    if state is None or state.flow != FLOW or state.step != STEP_BUILDING:
        return [AnswerButton(callback_id=press.callback_id, text=texts.BUTTON_INVALID)]
    building = get_building(session=ctx.session, building_id=building_id) if building_id else None
    if building_id and building is None:
        return [AnswerButton(callback_id=press.callback_id, text=texts.BUTTON_INVALID)]
    if building is not None:
        ctx.user.building_id = building.id
    answered = f"{texts.REPORT_ASK_BUILDING} {building_name(building)}"
    return [
        AnswerButton(callback_id=press.callback_id),
        EditMessage(chat_id=press.chat.id, message_id=press.message_id, text=answered),
        *_finish_private(ctx, press.chat.id, state.data, building.id if building else None),
    ]


def cancel(ctx: Ctx, press: ButtonPress) -> list[Action]:
    state = get_state(session=ctx.session, user_id=ctx.user.id, chat_id=press.chat.id)
    if state is None or state.flow != FLOW:
        return [AnswerButton(callback_id=press.callback_id, text=texts.BUTTON_INVALID)]
    clear_state(session=ctx.session, user_id=ctx.user.id, chat_id=press.chat.id)
    return [
        AnswerButton(callback_id=press.callback_id),
        EditMessage(chat_id=press.chat.id, message_id=press.message_id, text=texts.REPORT_CANCELLED),
        SendMessage(chat_id=press.chat.id, text=texts.REPORT_CANCELLED, keyboard=main_menu()),
    ]
