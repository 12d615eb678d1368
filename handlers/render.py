"""Turns stored rows into message texts and keyboards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers import texts
from handlers.actions import Button, InlineKeyboard, ReplyKeyboard
from handlers.callbacks import Op, encode
from handlers.states import ALLOWED
from nlp import Taxonomy
from storage.models import OPEN_STATUSES, Building, Rating, SortState, Ticket, TicketEvent, TicketStatus, User

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
    """已收到 with the category, and small 改分类 / 匿名 buttons for the reporter."""
    if ticket.urgent:
        text = texts.REPORT_RECEIVED_URGENT.format(number=ticket.id)
    else:
        text = texts.REPORT_RECEIVED.format(number=ticket.id, category=taxonomy.name_of(ticket.category))
    buttons = [Button(text=texts.BTN_CHANGE_CATEGORY, data=encode(Op.CHANGE_CATEGORY, ticket.id or 0))]
    if ticket.anonymous:
        text += f"\n{texts.ANONYMOUS_SET}"
    else:
        buttons.append(Button(text=texts.BTN_ANONYMOUS, data=encode(Op.ANONYMOUS, ticket.id or 0)))
    return text, InlineKeyboard(rows=(tuple(buttons),))


def receipts(ticket_ids: Sequence[int]) -> str:
    """One message for several receipts that waited for the same group: 已收到 #12、#13、#14，…"""
    numbers = texts.REPORTS_RECEIVED_JOINER.join(f"#{number}" for number in ticket_ids)
    return texts.REPORTS_RECEIVED.format(numbers=numbers)


def rating_keyboard(ticket: Ticket) -> InlineKeyboard:
    choices = (
        (texts.BTN_RATE_GOOD, Rating.SATISFIED),
        (texts.BTN_RATE_OK, Rating.NEUTRAL),
        (texts.BTN_RATE_BAD, Rating.UNSATISFIED),
    )
    return InlineKeyboard(
        rows=(tuple(Button(text=t, data=encode(Op.RATE, ticket.id or 0, r.value)) for t, r in choices),)
    )


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


@dataclass(frozen=True, slots=True)
class CardPeople:
    """Names as the card may show them (anonymous reporters already replaced by 匿名)."""

    reporters: Sequence[str]
    assignee: str | None
    closer: str | None  # who resolved or rejected it


def ticket_card(
    *, ticket: Ticket, building: Building | None, people: CardPeople, taxonomy: Taxonomy, tz: ZoneInfo
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
    lines.append(texts.CARD_REPORTERS.format(names="、".join(people.reporters)))
    lines.append(texts.CARD_CREATED.format(when=local_time(ticket.created_at, tz)))
    lines.append(texts.CARD_ASSIGNEE.format(name=people.assignee or texts.CARD_UNASSIGNED))
    match ticket.status:
        case TicketStatus.RESOLVED | TicketStatus.RATED if ticket.resolved_at is not None:
            lines.append(
                texts.CARD_RESOLVED_BY.format(
                    name=people.closer or "?", when=local_time(ticket.resolved_at, tz)
                )
            )
            if ticket.resolution_note:
                lines.append(texts.CARD_NOTE.format(note=snippet(ticket.resolution_note, 200)))
            if ticket.after_photo_file_id:
                lines.append(texts.CARD_AFTER_PHOTO)
        case TicketStatus.REJECTED:
            lines.append(
                texts.CARD_REJECTED.format(name=people.closer or "?", reason=ticket.rejection_reason or "")
            )
        case _:
            lines.append(texts.CARD_STATUS.format(status=texts.STATUS_NAMES[ticket.status]))
    if ticket.rating:
        rating = texts.RATING_NAMES[ticket.rating]
        line = texts.CARD_RATING_COMMENT if ticket.rating_comment else texts.CARD_RATING
        lines.append(line.format(rating=rating, comment=snippet(ticket.rating_comment or "", 100)))
    return "\n".join(lines), card_buttons(ticket)


_MOVE_BUTTONS = (
    (texts.BTN_ACCEPT, Op.ACCEPT, TicketStatus.ACCEPTED),
    (texts.BTN_PROGRESS, Op.PROGRESS, TicketStatus.IN_PROGRESS),
    (texts.BTN_RESOLVE, Op.RESOLVE, TicketStatus.RESOLVED),
    (texts.BTN_REJECT, Op.REJECT, TicketStatus.REJECTED),
)
_OPEN_BUTTONS = ((texts.BTN_ASSIGN, Op.ASSIGN), (texts.BTN_RECLASSIFY, Op.CHANGE_CATEGORY))


def card_buttons(ticket: Ticket) -> InlineKeyboard | None:
    """The moves the ticket's state allows (handlers/states.py), plus 指派 and 改分类 while it is open."""
    if ticket.status not in OPEN_STATUSES:
        return None
    allowed = ALLOWED[TicketStatus(ticket.status)]
    choices = [(label, op) for label, op, to in _MOVE_BUTTONS if to in allowed] + list(_OPEN_BUTTONS)
    return InlineKeyboard(rows=_rows([Button(text=t, data=encode(op, ticket.id or 0)) for t, op in choices]))


def staff_choice(ticket: Ticket, staff: Sequence[User]) -> InlineKeyboard:
    buttons = [Button(text=display_name(u), data=encode(Op.ASSIGN_TO, ticket.id or 0, u.id)) for u in staff]
    back = Button(text=texts.BTN_BACK, data=encode(Op.CATEGORY_BACK, ticket.id or 0))
    return InlineKeyboard(rows=(*_rows(buttons), (back,)))


def step_keyboard(ticket: Ticket, *, skippable: bool) -> InlineKeyboard:
    cancel = Button(text=texts.BTN_CANCEL, data=encode(Op.CANCEL_STEP, ticket.id or 0))
    if not skippable:
        return InlineKeyboard(rows=((cancel,),))
    return InlineKeyboard(
        rows=((Button(text=texts.BTN_NO_NOTE, data=encode(Op.SKIP_NOTE, ticket.id or 0)), cancel),)
    )


def history(events: Sequence[TicketEvent], names: Mapping[int, str], tz: ZoneInfo) -> str:
    lines = [texts.HISTORY_TITLE]
    for event in events:
        who = names.get(event.actor_id, texts.SYSTEM_ACTOR) if event.actor_id else texts.SYSTEM_ACTOR
        if event.from_status:
            change = f"{texts.STATUS_NAMES[event.from_status]}→{texts.STATUS_NAMES[event.to_status]}"
        else:
            change = texts.HISTORY_CREATED
        note = f"（{snippet(event.note, 60)}）" if event.note else ""
        lines.append(
            texts.HISTORY_LINE.format(when=local_time(event.at, tz), who=who, change=change, note=note)
        )
    return "\n".join(lines)


# --- menus and lists


def building_choice(buildings: Sequence[Building]) -> InlineKeyboard:
    buttons = [Button(text=b.name, data=encode(Op.REPORT_BUILDING, b.id or 0)) for b in buildings]
    last = (
        Button(text=texts.REPORT_BUILDING_UNKNOWN, data=encode(Op.REPORT_BUILDING, 0)),
        Button(text=texts.BTN_CANCEL, data=encode(Op.REPORT_CANCEL)),
    )
    return InlineKeyboard(rows=(*_rows(buttons), last))


def my_tickets(tickets: Sequence[Ticket], now: datetime) -> tuple[str, InlineKeyboard | None]:
    if not tickets:
        return texts.MY_TICKETS_NONE, None
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
    buttons = [
        Button(text=texts.BTN_HISTORY.format(number=t.id), data=encode(Op.HISTORY, t.id or 0))
        for t in tickets
    ]
    return "\n".join(lines), InlineKeyboard(rows=_rows(buttons))


def ticket_lines(
    tickets: Sequence[Ticket], names: Mapping[int, str], taxonomy: Taxonomy, now: datetime
) -> list[str]:
    """One line per ticket for /tickets; `names` maps building id → name."""
    lines = []
    for t in tickets:
        overdue = (
            t.status == TicketStatus.RECEIVED and t.accept_due_at is not None and t.accept_due_at <= now
        ) or (
            t.status in (TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS)
            and t.resolve_due_at is not None
            and t.resolve_due_at <= now
        )
        flags = (texts.TICKETS_URGENT_FLAG if t.urgent else "") + (
            texts.TICKETS_OVERDUE_FLAG if overdue else ""
        )
        lines.append(
            texts.TICKETS_LINE.format(
                number=t.id,
                status=texts.STATUS_NAMES[t.status],
                building=names.get(t.building_id or 0, texts.UNKNOWN_BUILDING),
                category=taxonomy.name_of(t.category),
                flags=flags,
                age=age(t.created_at, now),
                snippet=snippet(t.text, 16) if t.text else texts.NO_TEXT,
            )
        )
    return lines
