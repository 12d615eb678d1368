"""The reporter's messages: the receipt, the category and duplicate questions, the building choice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from handlers import texts as common
from handlers.actions import Button, InlineKeyboard
from handlers.reports import texts
from handlers.reports.buttons import (
    JoinTicket,
    LeaveToStaff,
    NotDuplicate,
    OtherBuildings,
    ReportBuilding,
    ReportCancel,
    Withdraw,
)
from handlers.tickets.buttons import CategoryBack, ChangeCategory, SetCategory
from handlers.views import age, rows, snippet, urgent_reason
from nlp import Taxonomy
from storage.models import Building, SortState, Ticket


def receipt(ticket: Ticket, taxonomy: Taxonomy, *, withdrawable: bool = False) -> tuple[str, InlineKeyboard]:
    """已收到 in plain words, with 改分类 (and 撤回 for a private report) for the reporter."""
    number = ticket.id or 0
    if media_only(ticket) and not ticket.urgent:
        return media_receipt(ticket, taxonomy, withdrawable=withdrawable)
    if ticket.urgent:
        hazard = urgent_reason(ticket.urgent_words, ticket.urgent_reason)
        text = texts.REPORT_RECEIVED_URGENT.format(number=number, reason=hazard.reason if hazard else "")
        if hazard is None or hazard.life_or_fire:
            text += f"\n{texts.EMERGENCY_NUMBERS}"
    elif ticket.sort_state == SortState.UNSORTED:
        text = texts.REPORT_RECEIVED_UNSORTED.format(number=number)
    else:
        text = texts.REPORT_RECEIVED.format(number=number, category=taxonomy.name_of(ticket.category))
    if ticket.anonymous:
        text += f"\n{texts.ANONYMOUS_SET}"
    buttons = [Button(text=texts.BTN_CHANGE_CATEGORY, data=ChangeCategory(number).encode())]
    if withdrawable:
        buttons.append(Button(text=texts.BTN_WITHDRAW, data=Withdraw(number).encode()))
    return text, InlineKeyboard(rows=(tuple(buttons),))


def media_only(ticket: Ticket) -> bool:
    return not ticket.text.strip() and bool(ticket.voice_file_id or ticket.photo_file_id)


def _media_word(ticket: Ticket) -> str:
    return texts.MEDIA_VOICE if ticket.voice_file_id else texts.MEDIA_PHOTO


def media_receipt(
    ticket: Ticket, taxonomy: Taxonomy, *, withdrawable: bool = False, left: bool = False
) -> tuple[str, InlineKeyboard]:
    """已收到您的语音 (或照片): unsorted, it asks the category with big buttons, 不清楚 leaving it to staff;
    `left` when the reporter chose to."""
    number = ticket.id or 0
    media = _media_word(ticket)
    look = texts.MEDIA_LOOK[media]
    text = texts.MEDIA_RECEIVED.format(media=media, number=number)
    buttons: list[tuple[Button, ...]] = []
    if left:
        text += "\n" + texts.MEDIA_LEFT_TO_STAFF.format(look=look)
    elif ticket.sort_state == SortState.UNSORTED:
        text += "\n" + texts.MEDIA_ASK_CATEGORY.format(look=look)
        choices = [
            Button(text=c.name, data=SetCategory(number, c.id).encode())
            for c in taxonomy.categories
            if c.id != taxonomy.fallback
        ]
        buttons += rows(choices, 2)
        buttons.append((Button(text=texts.BTN_LEAVE_TO_STAFF, data=LeaveToStaff(number).encode()),))
    else:
        text += "\n" + texts.MEDIA_CATEGORY.format(category=taxonomy.name_of(ticket.category))
        buttons.append((Button(text=texts.BTN_CHANGE_CATEGORY, data=ChangeCategory(number).encode()),))
    if ticket.anonymous:
        text += f"\n{texts.ANONYMOUS_SET}"
    if withdrawable:
        buttons.append((Button(text=texts.BTN_WITHDRAW, data=Withdraw(number).encode()),))
    return text, InlineKeyboard(rows=tuple(buttons))


def receipts(ticket_ids: Sequence[int]) -> str:
    """One message for several receipts that waited for the same group: 已收到 #12、#13、#14，…"""
    numbers = texts.REPORTS_RECEIVED_JOINER.join(f"#{number}" for number in ticket_ids)
    return texts.REPORTS_RECEIVED.format(numbers=numbers)


def category_question(
    ticket: Ticket, candidates: Sequence[str], taxonomy: Taxonomy
) -> tuple[str, InlineKeyboard]:
    """The classifier was unsure: up to three likely categories, and 其他 for none of them."""
    choices = [*[c for c in candidates if c != taxonomy.fallback][:3], taxonomy.fallback]
    buttons = [
        Button(text=taxonomy.name_of(c), data=SetCategory(ticket.id or 0, c).encode()) for c in choices
    ]
    return texts.REPORT_ASK_CATEGORY.format(number=ticket.id), InlineKeyboard(rows=rows(buttons, 2))


def all_categories(ticket: Ticket, taxonomy: Taxonomy) -> InlineKeyboard:
    buttons = [
        Button(text=c.name, data=SetCategory(ticket.id or 0, c.id).encode()) for c in taxonomy.categories
    ]
    back = Button(text=common.BTN_BACK, data=CategoryBack(ticket.id or 0).encode())
    return InlineKeyboard(rows=(*rows(buttons), (back,)))


def duplicate_question(ticket: Ticket, earlier: Ticket, now: datetime) -> tuple[str, InlineKeyboard]:
    text = texts.DUPLICATE_FOUND.format(
        number=earlier.id, snippet=snippet(earlier.text), age=age(earlier.created_at, now)
    )
    join = Button(text=texts.BTN_JOIN, data=JoinTicket(ticket.id or 0, earlier.id or 0).encode())
    other = Button(text=texts.BTN_NOT_DUPLICATE, data=NotDuplicate(ticket.id or 0).encode())
    return text, InlineKeyboard(rows=((join, other),))


def building_choice(buildings: Sequence[Building], *, more: bool) -> InlineKeyboard:
    """The buildings as buttons; `more` adds 其他楼栋 for the ones not shown."""
    buttons = [Button(text=b.name, data=ReportBuilding(b.id or 0).encode()) for b in buildings]
    if more:
        buttons.append(Button(text=texts.BTN_OTHER_BUILDINGS, data=OtherBuildings().encode()))
    last = (
        Button(text=texts.REPORT_BUILDING_UNKNOWN, data=ReportBuilding(0).encode()),
        Button(text=common.BTN_CANCEL, data=ReportCancel().encode()),
    )
    return InlineKeyboard(rows=(*rows(buttons), last))
