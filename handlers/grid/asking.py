"""找网格员 / 找人帮忙: the resident's grid worker, and 请网格员联系我 asking staff and the worker to call.

The request goes to the staff chat always and to the grid worker privately when they have opened a chat
with the bot; the resident's phone is not in it (it follows only if they share it, see phone.py).
"""

from __future__ import annotations

from handlers import texts as common
from handlers.actions import Action, AnswerButton, SendMessage
from handlers.context import Ctx
from handlers.events import ButtonPress, IncomingMessage
from handlers.grid import texts, views
from handlers.grid.buttons import CallMe, GridBuilding
from handlers.views import answer_and_edit
from storage.grid import add_copy, grid_worker, request_callback
from storage.models import Building, CallbackRequest, User
from storage.people import get_building, get_user, list_buildings, member_buildings


def menu(ctx: Ctx, msg: IncomingMessage) -> list[Action]:
    """The menu button: the building's grid worker, or first which building the resident lives in."""
    building = get_building(session=ctx.session, building_id=ctx.user.building_id)
    if building is None:
        buildings = member_buildings(session=ctx.session, user_id=ctx.user.id) or list_buildings(
            session=ctx.session
        )
        if buildings:
            keyboard = views.building_choice(buildings)
            return [SendMessage(chat_id=msg.chat.id, text=texts.ASK_BUILDING, keyboard=keyboard)]
    text, keyboard = views.offer(building, grid_worker(session=ctx.session, building_id=ctx.user.building_id))
    return [SendMessage(chat_id=msg.chat.id, text=text, keyboard=keyboard)]


def choose_building(ctx: Ctx, press: ButtonPress, data: GridBuilding) -> list[Action]:
    """A building button (remembered as the resident's), or 不清楚 (0): the offer replaces the question."""
    building = get_building(session=ctx.session, building_id=data.building) if data.building else None
    if data.building and building is None:
        return [AnswerButton(callback_id=press.callback_id, text=common.BUTTON_INVALID)]
    if building is not None:
        ctx.user.building_id = building.id
    worker = grid_worker(session=ctx.session, building_id=building.id if building else None)
    text, keyboard = views.offer(building, worker)
    return answer_and_edit(press, text, keyboard)


def call_me(ctx: Ctx, press: ButtonPress, data: CallMe) -> list[Action]:
    """请网格员联系我: one open request per resident; a second press says the same without asking again."""
    building = get_building(session=ctx.session, building_id=data.building) if data.building else None
    if data.building and building is None:
        return [AnswerButton(callback_id=press.callback_id, text=common.BUTTON_INVALID)]
    worker = grid_worker(session=ctx.session, building_id=building.id if building else None)
    request, created = request_callback(
        session=ctx.session,
        resident_id=ctx.user.id,
        building_id=building.id if building else None,
        worker_id=worker.id if worker else None,
        now=ctx.now,
    )
    if created:
        notify(ctx, request, building, worker)
        said = texts.WILL_CALL
    else:
        # The open request may be for another building or worker: name the one it went to.
        building = get_building(session=ctx.session, building_id=request.building_id)
        worker = get_user(session=ctx.session, user_id=request.worker_id) if request.worker_id else None
        said = texts.ALREADY_ASKED
    text = f"{said.format(name=views.who_calls(worker))}\n{texts.OFFER_PHONE}"
    return [
        AnswerButton(callback_id=press.callback_id),
        SendMessage(chat_id=press.chat.id, text=text, keyboard=views.share_phone_keyboard(request)),
    ]


def notify(ctx: Ctx, request: CallbackRequest, building: Building | None, worker: User | None) -> None:
    """The request to the staff chat and to the grid worker privately, each with 已联系."""
    card = views.request_card(request, building, ctx.user, worker)
    send_copies(ctx, request, worker, card)


def send_copies(ctx: Ctx, request: CallbackRequest, worker: User | None, text: str) -> None:
    """`text` to the staff chat and privately to the grid worker, never to a group of residents; each copy
    is remembered so it can be marked done later."""
    ctx.session.flush()  # the request's id goes into the button
    keyboard = views.called_keyboard(request)
    chats = []
    if ctx.config.staff_chat_id is not None:
        chats.append(ctx.config.staff_chat_id)
    if worker is not None and worker.private_chat_open and worker.id not in chats:
        chats.append(worker.id)  # a private chat's id is the person's id
    for chat_id in chats:
        row = ctx.later(SendMessage(chat_id=chat_id, text=text, keyboard=keyboard))
        add_copy(session=ctx.session, request=request, outbox=row)
