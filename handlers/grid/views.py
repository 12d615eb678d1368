"""What the grid feature shows: the offer with 请网格员联系我, the copies staff and the grid worker get."""

from __future__ import annotations

from handlers.actions import Button, InlineKeyboard, ReplyKeyboard
from handlers.grid import texts
from handlers.grid.buttons import CallMe, GridBuilding, MarkCalled, SharePhone
from handlers.views import building_name, display_name, rows
from storage.models import Building, CallbackRequest, User


def who_calls(worker: User | None) -> str:
    """Who will call the resident back, by first name only: the grid worker, else the community staff."""
    return display_name(worker) if worker is not None else texts.STAFF_WORD


def offer(building: Building | None, worker: User | None) -> tuple[str, InlineKeyboard]:
    """The building's grid worker, or where the request goes without one, and the button that asks."""
    if worker is not None:
        text = texts.WORKER_IS.format(name=display_name(worker))
    elif building is not None:
        text = texts.NO_WORKER.format(building=building.name)
    else:
        text = texts.NO_BUILDING
    call = Button(
        text=texts.BTN_CALL_ME, data=CallMe(building.id if building and building.id else 0).encode()
    )
    return text, InlineKeyboard(rows=((call,),))


def building_choice(buildings: list[Building]) -> InlineKeyboard:
    buttons = [Button(text=b.name, data=GridBuilding(b.id or 0).encode()) for b in buildings]
    unknown = Button(text=texts.BTN_BUILDING_UNKNOWN, data=GridBuilding(0).encode())
    return InlineKeyboard(rows=(*rows(buttons), (unknown,)))


def share_phone_keyboard(request: CallbackRequest) -> InlineKeyboard:
    assert request.id is not None
    return InlineKeyboard(rows=((Button(text=texts.BTN_SHARE_PHONE, data=SharePhone(request.id).encode()),),))


def contact_keyboard(user: User) -> ReplyKeyboard:
    """Telegram's own request-contact button (the phone goes only when it is pressed) and 不用了."""
    return ReplyKeyboard(
        rows=((texts.BTN_SEND_PHONE,), (texts.BTN_NO_THANKS,)),
        large=user.elder_mode,
        contact_button=texts.BTN_SEND_PHONE,
    )


def called_keyboard(request: CallbackRequest) -> InlineKeyboard:
    assert request.id is not None
    return InlineKeyboard(rows=((Button(text=texts.BTN_CALLED, data=MarkCalled(request.id).encode()),),))


def request_card(
    request: CallbackRequest, building: Building | None, resident: User, worker: User | None
) -> str:
    return texts.REQUEST_CARD.format(
        number=request.id,
        building=building_name(building),
        name=display_name(resident),
        worker=display_name(worker) if worker is not None else texts.REQUEST_NO_WORKER,
    )


def phone_card(request: CallbackRequest, building: Building | None, resident: User) -> str:
    """Only for the staff chat and the grid worker's private chat, never a building's group."""
    return texts.PHONE_CARD.format(
        number=request.id, building=building_name(building), name=display_name(resident), phone=request.phone
    )


def done_card(request: CallbackRequest, building: Building | None, resident: User, by: User) -> str:
    """The copies once done: who called, and no phone number any more."""
    return texts.DONE_CARD.format(
        number=request.id, building=building_name(building), name=display_name(resident), by=display_name(by)
    )
