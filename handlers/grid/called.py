"""已联系: staff or the request's grid worker mark it done; every copy shows who called (and no longer the
phone), and the resident is told privately."""

from __future__ import annotations

from handlers import texts as common
from handlers.actions import Action, AnswerButton, EditMessage, SendMessage
from handlers.context import Ctx
from handlers.events import ButtonPress
from handlers.grid import texts, views
from handlers.grid.buttons import MarkCalled
from storage.grid import (
    get_request,
    grid_worker,
    is_grid_worker,
    mark_done,
    rewrite_unsent_copies,
    sent_copies,
)
from storage.people import get_building, get_user


def may_mark(ctx: Ctx) -> bool:
    """The role filter the router checks first: staff, or someone who is a grid worker at all (whether of
    this request's building is checked with the request in hand)."""
    return ctx.is_staff or is_grid_worker(session=ctx.session, user_id=ctx.user.id)


def mark_called(ctx: Ctx, press: ButtonPress, data: MarkCalled) -> list[Action]:
    request = get_request(session=ctx.session, request_id=data.request)
    if request is None:
        return [AnswerButton(callback_id=press.callback_id, text=common.BUTTON_INVALID)]
    current = grid_worker(session=ctx.session, building_id=request.building_id)
    is_worker = ctx.user.id == request.worker_id or (current is not None and current.id == ctx.user.id)
    if not ctx.is_staff and not is_worker:
        return [AnswerButton(callback_id=press.callback_id, text=texts.DENY_NOT_WORKER)]
    if not mark_done(session=ctx.session, request=request, by=ctx.user.id, now=ctx.now):
        return [AnswerButton(callback_id=press.callback_id, text=texts.REQUEST_GONE)]
    building = get_building(session=ctx.session, building_id=request.building_id)
    resident = get_user(session=ctx.session, user_id=request.resident_id)
    assert resident is not None
    done = views.done_card(request, building, resident, ctx.user)
    rewrite_unsent_copies(session=ctx.session, request=request, text=done, now=ctx.now)
    for chat_id, message_id in sent_copies(session=ctx.session, request=request):
        if (chat_id, message_id) != (press.chat.id, press.message_id):
            ctx.later_edit(EditMessage(chat_id=chat_id, message_id=message_id, text=done))
    if resident.private_chat_open:
        told = texts.DONE_BY_WORKER if is_worker else texts.DONE_BY_STAFF
        ctx.later(SendMessage(chat_id=resident.id, text=told))
    return [
        AnswerButton(callback_id=press.callback_id, text=texts.CALLED_TOAST),
        EditMessage(chat_id=press.chat.id, message_id=press.message_id, text=done),
    ]
