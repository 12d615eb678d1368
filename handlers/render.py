"""Turns stored rows into message texts and keyboards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers import texts
from handlers.actions import Button, InlineKeyboard, ReplyKeyboard
from handlers.callbacks import Op, encode
from storage.models import Building, Ticket, TicketStatus, User

CARD_TEXT_LIMIT = 700  # a photo caption holds 1024 characters, and the card has other lines
SNIPPET_LIMIT = 20


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


def category_name(category: str) -> str:
    # Until the classifier lands every ticket is "other"; the taxonomy will name categories then.
    return "其他" if category == "other" else category


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


def received_reply(ticket: Ticket) -> str:
    return texts.REPORT_RECEIVED.format(number=ticket.id, category=category_name(ticket.category))


def ticket_card(
    *,
    ticket: Ticket,
    building: Building | None,
    reporter: User | None,
    resolver: User | None,
    tz: ZoneInfo,
) -> tuple[str, InlineKeyboard | None]:
    lines = [
        texts.CARD_TITLE.format(number=ticket.id, building=building_name(building)),
        texts.CARD_CATEGORY_PENDING_NLP.format(category=category_name(ticket.category)),
        texts.CARD_TEXT.format(text=snippet(ticket.text, CARD_TEXT_LIMIT) if ticket.text else texts.NO_TEXT),
    ]
    if ticket.photo_file_id:
        lines.append(texts.CARD_MEDIA_PHOTO)
    if ticket.voice_file_id:
        lines.append(texts.CARD_MEDIA_VOICE)
    lines.append(texts.CARD_REPORTER.format(name=display_name(reporter)))
    if ticket.status == TicketStatus.RESOLVED and ticket.resolved_at is not None:
        when = local_time(ticket.resolved_at, tz)
        lines.append(texts.CARD_RESOLVED_BY.format(name=display_name(resolver), when=when))
        if ticket.resolution_note:
            lines.append(texts.CARD_NOTE.format(note=snippet(ticket.resolution_note, 200)))
        return "\n".join(lines), None
    lines.append(texts.CARD_STATUS.format(status=texts.STATUS_NAMES[ticket.status]))
    resolve = Button(text=texts.BTN_RESOLVE, data=encode(Op.RESOLVE, ticket.id or 0))
    return "\n".join(lines), InlineKeyboard(rows=((resolve,),))


def building_choice(buildings: Sequence[Building]) -> InlineKeyboard:
    buttons = [Button(text=b.name, data=encode(Op.REPORT_BUILDING, b.id or 0)) for b in buildings]
    rows = [tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3)]
    rows.append(
        (
            Button(text=texts.REPORT_BUILDING_UNKNOWN, data=encode(Op.REPORT_BUILDING, 0)),
            Button(text=texts.BTN_CANCEL, data=encode(Op.REPORT_CANCEL)),
        )
    )
    return InlineKeyboard(rows=tuple(rows))


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
