"""Tickets as staff and reporters see them: the card and its buttons, lists, history, rating."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers import texts as common
from handlers.actions import Button, InlineKeyboard
from handlers.tickets import texts
from handlers.tickets.buttons import (
    Accept,
    Assign,
    AssignTo,
    CancelStep,
    CategoryBack,
    ChangeCategory,
    History,
    Progress,
    Rate,
    Reject,
    Resolve,
    SkipNote,
)
from handlers.tickets.states import ALLOWED
from handlers.views import age, building_name, display_name, local_time, rows, snippet, urgent_reason
from nlp import Taxonomy
from storage.models import OPEN_STATUSES, Building, Rating, SortState, Ticket, TicketEvent, TicketStatus, User

CARD_TEXT_LIMIT = 700  # a photo caption holds 1024 characters, and the card has other lines
MATCHED_SHOWN = 4


def rating_keyboard(ticket: Ticket) -> InlineKeyboard:
    choices = (
        (texts.BTN_RATE_GOOD, Rating.SATISFIED),
        (texts.BTN_RATE_OK, Rating.NEUTRAL),
        (texts.BTN_RATE_BAD, Rating.UNSATISFIED),
    )
    return InlineKeyboard(
        rows=(tuple(Button(text=t, data=Rate(ticket.id or 0, r.value).encode()) for t, r in choices),)
    )


def _category_line(ticket: Ticket, taxonomy: Taxonomy) -> str:
    name = taxonomy.name_of(ticket.category)
    match ticket.sort_state:
        case SortState.REPORTER:
            return texts.CARD_CATEGORY_REPORTER.format(category=name)
        case SortState.STAFF:
            return texts.CARD_CATEGORY_STAFF.format(category=name)
        case SortState.UNSORTED | SortState.ASKED if ticket.category == taxonomy.fallback:
            return texts.CARD_CATEGORY_NONE
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
        # The first line, read on a phone's lock screen: what is at stake, not which words matched.
        hazard = urgent_reason(ticket.urgent_words, ticket.urgent_reason)
        lines.append(
            texts.CARD_URGENT.format(reason=hazard.reason if hazard else taxonomy.name_of(ticket.category))
        )
    lines += [
        texts.CARD_TITLE.format(number=ticket.id, building=building_name(building)),
        _category_line(ticket, taxonomy),
    ]
    if ticket.location:
        lines.append(texts.CARD_LOCATION.format(location=ticket.location))
    lines.append(
        texts.CARD_TEXT.format(text=snippet(ticket.text, CARD_TEXT_LIMIT) if ticket.text else common.NO_TEXT)
    )
    if ticket.urgent and ticket.urgent_words:
        lines.append(texts.CARD_URGENT_WORDS.format(words="、".join(ticket.urgent_words[:MATCHED_SHOWN])))
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
            lines.append(texts.CARD_STATUS.format(status=common.STATUS_NAMES[ticket.status]))
    if ticket.rating:
        rating = common.RATING_NAMES[ticket.rating]
        # A reason belongs to a 不满意 only: a later 满意 never shows the earlier complaint.
        explained = ticket.rating_comment and ticket.rating == Rating.UNSATISFIED
        line = texts.CARD_RATING_COMMENT if explained else texts.CARD_RATING
        lines.append(line.format(rating=rating, comment=snippet(ticket.rating_comment or "", 100)))
    return "\n".join(lines), card_buttons(ticket)


_MOVE_BUTTONS: tuple[tuple[str, type[Accept | Progress | Resolve | Reject], TicketStatus], ...] = (
    (texts.BTN_ACCEPT, Accept, TicketStatus.ACCEPTED),
    (texts.BTN_PROGRESS, Progress, TicketStatus.IN_PROGRESS),
    (texts.BTN_RESOLVE, Resolve, TicketStatus.RESOLVED),
    (texts.BTN_REJECT, Reject, TicketStatus.REJECTED),
)
_OPEN_BUTTONS: tuple[tuple[str, type[Assign | ChangeCategory]], ...] = (
    (texts.BTN_ASSIGN, Assign),
    (texts.BTN_RECLASSIFY, ChangeCategory),
)


def card_buttons(ticket: Ticket) -> InlineKeyboard | None:
    """The moves the ticket's state allows (handlers/states.py), plus 指派 and 改分类 while it is open."""
    if ticket.status not in OPEN_STATUSES:
        return None
    allowed = ALLOWED[TicketStatus(ticket.status)]
    choices = [(label, family) for label, family, to in _MOVE_BUTTONS if to in allowed] + list(_OPEN_BUTTONS)
    number = ticket.id or 0
    return InlineKeyboard(rows=rows([Button(text=t, data=family(number).encode()) for t, family in choices]))


def staff_choice(ticket: Ticket, staff: Sequence[User]) -> InlineKeyboard:
    buttons = [Button(text=display_name(u), data=AssignTo(ticket.id or 0, u.id).encode()) for u in staff]
    back = Button(text=common.BTN_BACK, data=CategoryBack(ticket.id or 0).encode())
    return InlineKeyboard(rows=(*rows(buttons), (back,)))


def step_keyboard(ticket: Ticket, *, skippable: bool) -> InlineKeyboard:
    cancel = Button(text=common.BTN_CANCEL, data=CancelStep(ticket.id or 0).encode())
    if not skippable:
        return InlineKeyboard(rows=((cancel,),))
    return InlineKeyboard(
        rows=((Button(text=texts.BTN_NO_NOTE, data=SkipNote(ticket.id or 0).encode()), cancel),)
    )


def history(events: Sequence[TicketEvent], names: Mapping[int, str], tz: ZoneInfo) -> str:
    lines = [texts.HISTORY_TITLE]
    for event in events:
        who = names.get(event.actor_id, common.SYSTEM_ACTOR) if event.actor_id else common.SYSTEM_ACTOR
        if event.from_status:
            change = f"{common.STATUS_NAMES[event.from_status]}→{common.STATUS_NAMES[event.to_status]}"
        else:
            change = texts.HISTORY_CREATED
        note = f"（{snippet(event.note, 60)}）" if event.note else ""
        lines.append(
            texts.HISTORY_LINE.format(when=local_time(event.at, tz), who=who, change=change, note=note)
        )
    return "\n".join(lines)


def my_tickets(tickets: Sequence[Ticket], now: datetime) -> tuple[str, InlineKeyboard | None]:
    if not tickets:
        return texts.MY_TICKETS_NONE, None
    lines = [texts.MY_TICKETS_TITLE]
    for t in tickets:
        lines.append(
            texts.MY_TICKETS_LINE.format(
                number=t.id,
                status=common.STATUS_NAMES[t.status],
                age=age(t.created_at, now),
                snippet=snippet(t.text) if t.text else common.NO_TEXT,
            )
        )
    buttons = [
        Button(text=texts.BTN_HISTORY.format(number=t.id), data=History(t.id or 0).encode()) for t in tickets
    ]
    return "\n".join(lines), InlineKeyboard(rows=rows(buttons))


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
                status=common.STATUS_NAMES[t.status],
                building=names.get(t.building_id or 0, common.UNKNOWN_BUILDING),
                category=taxonomy.name_of(t.category),
                flags=flags,
                age=age(t.created_at, now),
                snippet=snippet(t.text, 16) if t.text else common.NO_TEXT,
            )
        )
    return lines


def resident_view(
    ticket: Ticket, building: Building | None, events: Sequence[TicketEvent], taxonomy: Taxonomy, tz: ZoneInfo
) -> str:
    """A ticket as its reporter sees it: what, where, how it stands, and each step's date."""
    lines = [
        texts.MINE_TITLE.format(
            number=ticket.id, building=building.name if building else texts.MINE_NO_BUILDING
        ),
        texts.MINE_CATEGORY.format(category=taxonomy.name_of(ticket.category)),
        texts.MINE_TEXT.format(text=snippet(ticket.text, CARD_TEXT_LIMIT) if ticket.text else common.NO_TEXT),
        texts.MINE_STATUS.format(status=common.STATUS_NAMES[ticket.status]),
    ]
    if ticket.resolution_note and ticket.status in (TicketStatus.RESOLVED, TicketStatus.RATED):
        lines.append(texts.CARD_NOTE.format(note=snippet(ticket.resolution_note, 200)))
    if ticket.status == TicketStatus.REJECTED and ticket.rejection_reason:
        lines.append(texts.MINE_REJECTED.format(reason=ticket.rejection_reason))
    lines.append(texts.HISTORY_TITLE)
    for event in events:
        step = common.STATUS_NAMES[event.to_status] if event.from_status else texts.HISTORY_CREATED
        lines.append(texts.MINE_STEP.format(when=local_time(event.at, tz), step=step))
    return "\n".join(lines)
