"""把我的电话告诉网格员: the phone goes only through Telegram's own request-contact button, and only the
sender's own number is taken. It goes to the staff chat and the grid worker's private chat, never to a
group of residents, and is not kept on the copies once the request is done.
"""

from __future__ import annotations

import re

from handlers import texts as common
from handlers.actions import Action, AnswerButton, SendMessage
from handlers.context import Ctx
from handlers.events import ButtonPress, IncomingMessage, SharedContact
from handlers.grid import texts, views
from handlers.grid.asking import send_copies
from handlers.grid.buttons import SharePhone
from handlers.views import main_menu, menu_key
from storage.grid import attach_phone, get_request, open_request
from storage.models import CallbackStatus, ConversationState
from storage.people import get_building, get_user

FLOW = "grid_phone"
STEP = "contact"
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{2,30}")


def share_phone(ctx: Ctx, press: ButtonPress, data: SharePhone) -> list[Action]:
    """The resident agreed: the contact keyboard, whose button sends their number when pressed."""
    request = get_request(session=ctx.session, request_id=data.request)
    if request is None or request.resident_id != ctx.user.id:
        return [AnswerButton(callback_id=press.callback_id, text=common.BUTTON_INVALID)]
    if request.status != CallbackStatus.OPEN:
        return [AnswerButton(callback_id=press.callback_id, text=texts.REQUEST_GONE)]
    ctx.enter(FLOW, STEP, {"request": request.id})
    return [
        AnswerButton(callback_id=press.callback_id),
        SendMessage(chat_id=press.chat.id, text=texts.ASK_CONTACT, keyboard=views.contact_keyboard(ctx.user)),
    ]


def step(ctx: Ctx, msg: IncomingMessage, state: ConversationState) -> list[Action]:
    """The message after the contact keyboard: the contact, 不用了, or anything else (asked again)."""
    if msg.contact is not None:
        return take_contact(ctx, msg, msg.contact)
    if menu_key(msg.text) == menu_key(texts.BTN_NO_THANKS):
        ctx.forget_state()
        return [SendMessage(chat_id=msg.chat.id, text=texts.PHONE_KEPT, keyboard=main_menu(ctx.user))]
    return [
        SendMessage(
            chat_id=msg.chat.id, text=texts.CONTACT_ASK_AGAIN, keyboard=views.contact_keyboard(ctx.user)
        )
    ]


def stray_contact(ctx: Ctx, msg: IncomingMessage) -> list[Action] | None:
    """A contact sent outside the flow (from the attachment menu, or after the bot restarted mid-step).

    In a group nothing is said: repeating anything of it there could show the number to neighbours."""
    if msg.contact is None:
        return None
    if not msg.chat.is_private:
        return []
    return take_contact(ctx, msg, msg.contact)


def take_contact(ctx: Ctx, msg: IncomingMessage, contact: SharedContact) -> list[Action]:
    if not msg.chat.is_private:
        return []
    phone = contact.phone.strip()
    if contact.user_id != msg.sender.id or not _PHONE.fullmatch(phone):
        # Someone else's card (or one typed in by hand): we only pass on a number its owner chose to share.
        return [
            SendMessage(
                chat_id=msg.chat.id, text=texts.PHONE_NOT_OWN, keyboard=views.contact_keyboard(ctx.user)
            )
        ]
    ctx.forget_state()
    request = open_request(session=ctx.session, resident_id=ctx.user.id)
    if request is None:
        return [SendMessage(chat_id=msg.chat.id, text=texts.NO_OPEN_REQUEST, keyboard=main_menu(ctx.user))]
    attach_phone(session=ctx.session, request=request, phone=phone, now=ctx.now)
    building = get_building(session=ctx.session, building_id=request.building_id)
    worker = get_user(session=ctx.session, user_id=request.worker_id) if request.worker_id else None
    send_copies(ctx, request, worker, views.phone_card(request, building, ctx.user))
    told = texts.PHONE_SHARED if worker is not None else texts.PHONE_SHARED_STAFF
    return [SendMessage(chat_id=msg.chat.id, text=told, keyboard=main_menu(ctx.user))]
