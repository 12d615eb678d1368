"""Turns stored rows into message texts and keyboards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers import texts
from handlers.actions import Button, InlineKeyboard, ReplyKeyboard
from handlers.callbacks import Op, encode
from nlp import Taxonomy
from storage.models import Building, SortState, Ticket, TicketStatus, User

CARD_TEXT_LIMIT = 700  # a photo caption holds 1024 characters, and the card has other lines
SNIPPET_LIMIT = 20
MATCHED_SHOWN = 4


def main_menu() -> ReplyKeyboard:
    return ReplyKeyboard(rows=texts.MENU_ROWS)


def cancel_keyboard() -> ReplyKeyboard:
    return ReplyKeyboard(rows=((texts.BTN_CANCEL,),))


def display_name(user: User | None) -> str:
    if user is None:
        return "?"
    if user.first_name:
        return user.first_name
    return f"@{user.username}" if user.username else f"用户{user.id}"


def snippet(text: str, limit: int = SNIPPET_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def building_name(building: Building | None) -> str:
    return building.name if building else texts.UNKNOWN_BUILDING


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%m-%d %H:%M")


def age(since: datetime, now: datetime) -> str:
    minutes = int((now - since).total_seconds() // 60)
    if minutes < 1:
        return texts.AGE_NOW
    if minutes < 60:
        return texts.AGE_MINUTES.format(n=minutes)
    if minutes < 60 * 24:
        return texts.AGE_HOURS.format(n=minutes // 60)
    return texts.AGE_DAYS.format(n=minutes // (60 * 24))


def _rows(buttons: Sequence[Button], per_row: int = 3) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


# --- the reporter's side


def receipt(ticket: Ticket, taxonomy: Taxonomy) -> tuple[str, InlineKeyboard]:
    """已收到 with the category and a small 改分类 button for the reporter."""
    if ticket.urgent:
        text = texts.REPORT_RECEIVED_URGENT.format(number=ticket.id)
    else:
        text = texts.REPORT_RECEIVED.format(number=ticket.id, category=taxonomy.name_of(ticket.category))
    change = Button(text=texts.BTN_CHANGE_CATEGORY, data=encode(Op.CHANGE_CATEGORY, ticket.id or 0))
    return text, InlineKeyboard(rows=((change,),))


def category_question(
    ticket: Ticket, candidates: Sequence[str], taxonomy: Taxonomy
) -> tuple[str, InlineKeyboard]:
    """The classifier was unsure: up to three likely categories plus the fallback."""
    choices = [*[c for c in candidates if c != taxonomy.fallback][:3], taxonomy.fallback]
    buttons = [
        Button(text=taxonomy.name_of(c), data=encode(Op.SET_CATEGORY, ticket.id or 0, c)) for c in choices
    ]
    return texts.REPORT_ASK_CATEGORY.format(number=ticket.id), InlineKeyboard(rows=_rows(buttons, 2))


def all_categories(ticket: Ticket, taxonomy: Taxonomy) -> InlineKeyboard:
    buttons = [
        Button(text=c.name, data=encode(Op.SET_CATEGORY, ticket.id or 0, c.id)) for c in taxonomy.categories
    ]
    back = Button(text=texts.BTN_BACK, data=encode(Op.CATEGORY_BACK, ticket.id or 0))
    return InlineKeyboard(rows=(*_rows(buttons), (back,)))


def duplicate_question(ticket: Ticket, earlier: Ticket, now: datetime) -> tuple[str, InlineKeyboard]:
    text = texts.DUPLICATE_FOUND.format(
        number=earlier.id, snippet=snippet(earlier.text), age=age(earlier.created_at, now)
    )
    join = Button(text=texts.BTN_JOIN, data=encode(Op.JOIN_TICKET, ticket.id or 0, earlier.id or 0))
    other = Button(text=texts.BTN_NOT_DUPLICATE, data=encode(Op.NOT_DUPLICATE, ticket.id or 0))
    return text, InlineKeyboard(rows=((join, other),))


# --- the staff card


def _category_line(ticket: Ticket, taxonomy: Taxonomy) -> str:
    name = taxonomy.name_of(ticket.category)
    match ticket.sort_state:
        case SortState.REPORTER:
            return texts.CARD_CATEGORY_REPORTER.format(category=name)
        case SortState.STAFF:
            return texts.CARD_CATEGORY_STAFF.format(category=name)
        case SortState.UNSORTED | SortState.ASKED:
            return texts.CARD_CATEGORY_UNSORTED.format(category=name)
    if ticket.matched:
        return texts.CARD_CATEGORY_AUTO.format(category=name, words="、".join(ticket.matched[:MATCHED_SHOWN]))
    return texts.CARD_CATEGORY_PLAIN.format(category=name)


def ticket_card(
    *,
    ticket: Ticket,
    building: Building | None,
    reporter: User | None,
    resolver: User | None,
    followers: int,
    taxonomy: Taxonomy,
    tz: ZoneInfo,
) -> tuple[str, InlineKeyboard | None]:
    lines = []
    if ticket.urgent:
        lines.append(texts.CARD_URGENT.format(words="、".join(ticket.urgent_words)))
    lines += [
        texts.CARD_TITLE.format(number=ticket.id, building=building_name(building)),
        _category_line(ticket, taxonomy),
    ]
    if ticket.location:
        lines.append(texts.CARD_LOCATION.format(location=ticket.location))
    lines.append(
        texts.CARD_TEXT.format(text=snippet(ticket.text, CARD_TEXT_LIMIT) if ticket.text else texts.NO_TEXT)
    )
    if ticket.photo_file_id:
        lines.append(texts.CARD_MEDIA_PHOTO)
    if ticket.voice_file_id:
        lines.append(texts.CARD_MEDIA_VOICE)
    lines.append(texts.CARD_REPORTER.format(name=display_name(reporter)))
    if followers:
        lines.append(texts.CARD_FOLLOWERS.format(count=followers))
    if ticket.status == TicketStatus.RESOLVED and ticket.resolved_at is not None:
        when = local_time(ticket.resolved_at, tz)
        lines.append(texts.CARD_RESOLVED_BY.format(name=display_name(resolver), when=when))
        if ticket.resolution_note:
            lines.append(texts.CARD_NOTE.format(note=snippet(ticket.resolution_note, 200)))
        return "\n".join(lines), None
    lines.append(texts.CARD_STATUS.format(status=texts.STATUS_NAMES[ticket.status]))
    return "\n".join(lines), card_buttons(ticket)


def card_buttons(ticket: Ticket) -> InlineKeyboard:
    resolve = Button(text=texts.BTN_RESOLVE, data=encode(Op.RESOLVE, ticket.id or 0))
    resort = Button(text=texts.BTN_RECLASSIFY, data=encode(Op.CHANGE_CATEGORY, ticket.id or 0))
    return InlineKeyboard(rows=((resolve, resort),))


# --- menus and lists


def building_choice(buildings: Sequence[Building]) -> InlineKeyboard:
    buttons = [Button(text=b.name, data=encode(Op.REPORT_BUILDING, b.id or 0)) for b in buildings]
    last = (
        Button(text=texts.REPORT_BUILDING_UNKNOWN, data=encode(Op.REPORT_BUILDING, 0)),
        Button(text=texts.BTN_CANCEL, data=encode(Op.REPORT_CANCEL)),
    )
    return InlineKeyboard(rows=(*_rows(buttons), last))


def my_tickets(tickets: Sequence[Ticket], now: datetime) -> str:
    if not tickets:
        return texts.MY_TICKETS_NONE
    lines = [texts.MY_TICKETS_TITLE]
    for t in tickets:
        lines.append(
            texts.MY_TICKETS_LINE.format(
                number=t.id,
                status=texts.STATUS_NAMES[t.status],
                age=age(t.created_at, now),
                snippet=snippet(t.text) if t.text else texts.NO_TEXT,
            )
        )
    return "\n".join(lines)
