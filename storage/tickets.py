"""Problem reports (报事): creation, sorting, holds before staff see them, merging, resolution."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, bindparam, false, or_, update
from sqlalchemy.orm import load_only
from sqlmodel import Session, col, func, select

from storage.db import insert_row, new_row
from storage.models import (
    OPEN_STATUSES,
    Hold,
    Reclassification,
    SortState,
    Ticket,
    TicketEvent,
    TicketFollower,
    TicketStatus,
)
from storage.race import get_or_create


@dataclass(frozen=True, slots=True)
class Sorting:
    """What the classifier said about a report, as stored on the ticket."""

    category: str
    state: SortState = SortState.AUTO
    confidence: float = 0.0
    matched: Sequence[str] = ()
    urgent: bool = False
    urgent_words: Sequence[str] = field(default_factory=tuple)
    urgent_reason: str | None = None
    location: str | None = None


def create_ticket(
    *,
    session: Session,
    reporter_id: int,
    chat_id: int,
    message_id: int,
    text: str,
    building_id: int | None,
    sorting: Sorting,
    now: datetime,
    photo_file_id: str | None = None,
    voice_file_id: str | None = None,
    hold: Hold | None = None,
    held_until: datetime | None = None,
    duplicate_of: int | None = None,
    anonymous: bool = False,
    accept_due_at: datetime | None = None,
    resolve_due_at: datetime | None = None,
    duplicate_terms: dict[str, object] | None = None,
) -> Ticket:
    # Inserted at once: its number is in the reply.
    ticket = new_row(
        Ticket,
        building_id=building_id,
        reporter_id=reporter_id,
        chat_id=chat_id,
        message_id=message_id,
        text=text,
        photo_file_id=photo_file_id,
        voice_file_id=voice_file_id,
        category=sorting.category,
        sort_state=sorting.state,
        confidence=sorting.confidence,
        matched=list(sorting.matched),
        urgent=sorting.urgent,
        urgent_words=list(sorting.urgent_words),
        urgent_reason=sorting.urgent_reason,
        location=sorting.location,
        hold_reason=hold,
        held_until=held_until if hold else None,
        duplicate_of=duplicate_of,
        anonymous=anonymous,
        accept_due_at=accept_due_at,
        resolve_due_at=resolve_due_at,
        duplicate_terms=duplicate_terms,
        created_at=now,
        updated_at=now,
    )
    insert_row(session, ticket)
    insert_row(
        session,
        new_row(
            TicketEvent,
            ticket_id=ticket.id or 0,
            at=now,
            actor_id=reporter_id,
            from_status="",
            to_status=ticket.status,
        ),
    )
    return ticket


def get_ticket(*, session: Session, ticket_id: int, for_update: bool = False) -> Ticket | None:
    # FOR UPDATE serialises two staff pressing 已解决 at once on PostgreSQL; SQLite locks the file anyway.
    return session.get(Ticket, ticket_id, with_for_update=for_update)


def record_transition(
    *,
    session: Session,
    ticket: Ticket,
    to: TicketStatus,
    actor_id: int | None,
    note: str | None,
    now: datetime,
) -> TicketEvent:
    """Move the ticket and write the step into its history. Whether the move is allowed is the caller's
    question (handlers/workflow.py holds the rules); this only records it."""
    event = TicketEvent(
        ticket_id=ticket.id or 0,
        at=now,
        actor_id=actor_id,
        from_status=ticket.status,
        to_status=to,
        note=note,
    )
    ticket.status, ticket.updated_at = to, now
    ticket.hold_reason = ticket.held_until = None  # someone acted on it: no longer waiting for the reporter
    session.add(ticket)
    session.add(event)
    return event


def events_of(*, session: Session, ticket_id: int) -> list[TicketEvent]:
    query = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(col(TicketEvent.id))
    return list(session.exec(query))


def ticket_by_card(*, session: Session, chat_id: int, message_id: int) -> Ticket | None:
    query = select(Ticket).where(Ticket.card_chat_id == chat_id, Ticket.card_message_id == message_id)
    return session.exec(query).first()


def overdue_tickets(*, session: Session, now: datetime, limit: int = 100) -> list[Ticket]:
    """Open tickets past a deadline with alerts still to raise, locked so a second process skips them."""
    not_accepted = (
        (Ticket.status == TicketStatus.RECEIVED)
        & (col(Ticket.accept_due_at) <= now)
        & (Ticket.accept_alerts < 2)
    )
    not_resolved = (
        col(Ticket.status).in_([TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS])
        & (col(Ticket.resolve_due_at) <= now)
        & (Ticket.resolve_alerts < 2)
    )
    query = (
        select(Ticket)
        .where(col(Ticket.held_until).is_(None), not_accepted | not_resolved)
        .order_by(col(Ticket.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(query))


@dataclass(frozen=True, slots=True)
class TicketFilter:
    status: str | None = None
    building_id: int | None = None
    category: str | None = None
    urgent: bool = False
    overdue: bool = False
    assignee_id: int | None = None


def list_tickets(
    *, session: Session, where: TicketFilter, now: datetime, offset: int, limit: int
) -> tuple[list[Ticket], int]:
    """A page of tickets, newest first, and how many match in all. Without a status: the open ones.

    Every filter is an equality on an indexed column followed by the state (ix_tickets_*_status), so both
    the count and the page read an index range, not the table."""
    conditions = _filter_conditions(where, now)
    total = session.exec(select(func.count()).select_from(Ticket).where(*conditions)).one()
    if not total:
        return [], 0
    page = session.exec(
        select(Ticket).where(*conditions).order_by(col(Ticket.id).desc()).offset(offset).limit(limit)
    )
    return list(page), int(total)


def _filter_conditions(where: TicketFilter, now: datetime) -> list[ColumnElement[bool]]:
    statuses = [where.status] if where.status else list(OPEN_STATUSES)
    statuses = [s for s in statuses if s != TicketStatus.MERGED]
    conditions: list[ColumnElement[bool]] = []
    if where.overdue:
        # Per state, the deadline that state is waiting on (ix_tickets_status_accept_due / _resolve_due).
        waiting_accept = [s for s in statuses if s == TicketStatus.RECEIVED]
        waiting_resolve = [s for s in statuses if s in (TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS)]
        late: list[ColumnElement[bool]] = []
        if waiting_accept:
            late.append(col(Ticket.status).in_(waiting_accept) & (col(Ticket.accept_due_at) <= now))
        if waiting_resolve:
            late.append(col(Ticket.status).in_(waiting_resolve) & (col(Ticket.resolve_due_at) <= now))
        conditions.append(or_(*late) if late else false())
    else:
        conditions.append(col(Ticket.status).in_(statuses) if statuses else false())
    if where.building_id is not None:
        conditions.append(col(Ticket.building_id) == where.building_id)
    if where.category:
        conditions.append(col(Ticket.category) == where.category)
    if where.urgent:
        conditions.append(col(Ticket.urgent).is_(True))
    if where.assignee_id is not None:
        conditions.append(col(Ticket.assignee_id) == where.assignee_id)
    return conditions


def set_category(
    *, session: Session, ticket: Ticket, category: str, by_user_id: int, state: SortState, now: datetime
) -> bool:
    """A person sorts the ticket; the change is kept with the text for the keyword miner."""
    old = ticket.category
    ticket.category, ticket.sort_state, ticket.updated_at = category, state, now
    session.add(ticket)
    if old == category:
        return False
    session.add(
        Reclassification(
            ticket_id=ticket.id or 0,
            old_category=old,
            new_category=category,
            by_user_id=by_user_id,
            by_role="staff" if state == SortState.STAFF else "reporter",
            text=ticket.text,
            created_at=now,
        )
    )
    return True


def release_hold(*, session: Session, ticket: Ticket) -> None:
    """The report stops waiting for its reporter; a duplicate candidate it was shown is forgotten."""
    ticket.hold_reason = ticket.held_until = ticket.duplicate_of = None
    session.add(ticket)


def due_holds(*, session: Session, now: datetime, limit: int = 100) -> list[Ticket]:
    """Held tickets whose wait is over, locked so a second bot process skips them."""
    query = (
        select(Ticket)
        .where(col(Ticket.held_until).is_not(None), col(Ticket.held_until) <= now)
        .order_by(col(Ticket.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(query))


def open_tickets_in_building(
    *, session: Session, building_id: int, category: str, since: datetime, exclude_reporter: int, limit: int
) -> list[Ticket]:
    """Recent open tickets that staff can see, newest first: the candidates a new report may duplicate.

    Only what the comparison reads is loaded, and the age the duplicate question gives; the rest loads when
    a caller touches it (the one that matched)."""
    values = {
        "building": building_id,
        "category": category,
        "since": since,
        "reporter": exclude_reporter,
        "limit": limit,
    }
    return list(session.scalars(_OPEN_IN_BUILDING, values))


# Built once: building it costs more than running it, and it runs for every report.
_OPEN_IN_BUILDING = (
    select(Ticket)
    .where(
        col(Ticket.building_id) == bindparam("building"),
        col(Ticket.category) == bindparam("category"),
        col(Ticket.status) == TicketStatus.RECEIVED,
        col(Ticket.held_until).is_(None),
        col(Ticket.created_at) >= bindparam("since"),
        col(Ticket.reporter_id) != bindparam("reporter"),
    )
    # Newest first in the order of ix_tickets_status_created, so the LIMIT stops the scan early.
    .order_by(col(Ticket.created_at).desc(), col(Ticket.id).desc())
    .limit(bindparam("limit"))
    .options(load_only(Ticket.id, Ticket.text, Ticket.duplicate_terms, Ticket.created_at))  # type: ignore[arg-type]
)


def merge_into(*, session: Session, ticket: Ticket, target: Ticket, now: datetime) -> None:
    """Save a merge the workflow decided (it moved the ticket to MERGED): its reporter follows the target."""
    ticket.duplicate_of = target.id
    session.add(ticket)
    add_follower(
        session=session,
        ticket_id=target.id or 0,
        user_id=ticket.reporter_id,
        chat_id=ticket.chat_id,
        message_id=ticket.message_id,
        now=now,
    )


def add_follower(
    *, session: Session, ticket_id: int, user_id: int, chat_id: int, message_id: int, now: datetime
) -> TicketFollower:
    follower, _ = get_or_create(
        session=session,
        find=lambda: session.exec(
            select(TicketFollower).where(
                TicketFollower.ticket_id == ticket_id, TicketFollower.user_id == user_id
            )
        ).first(),
        make=lambda: TicketFollower(
            ticket_id=ticket_id, user_id=user_id, chat_id=chat_id, message_id=message_id, created_at=now
        ),
    )
    return follower


def followers_of(*, session: Session, ticket_id: int) -> list[TicketFollower]:
    return list(session.scalars(_FOLLOWERS, {"ticket": ticket_id}))


_FOLLOWERS = (  # built once: every staff card lists them
    select(TicketFollower)
    .where(col(TicketFollower.ticket_id) == bindparam("ticket"))
    .order_by(col(TicketFollower.id))
)


def set_cards(*, session: Session, cards: Collection[tuple[int, int, int]]) -> None:
    """Where each ticket's staff card was sent: (ticket id, chat id, message id) triples.

    One statement for all, on the connection, without loading the tickets: this runs for every card the
    outbox delivers."""
    if cards:
        session.connection().execute(
            _SET_CARD,
            [{"ticket": ticket, "chat": chat, "message": message} for ticket, chat, message in cards],
        )


_SET_CARD = (  # built once, for the same reason
    update(Ticket)
    .where(col(Ticket.id) == bindparam("ticket"))
    .values(card_chat_id=bindparam("chat"), card_message_id=bindparam("message"))
)


def tickets_of_reporter(*, session: Session, reporter_id: int, limit: int = 10) -> list[Ticket]:
    query = (
        select(Ticket)
        .where(Ticket.reporter_id == reporter_id, Ticket.status != TicketStatus.MERGED)
        .order_by(col(Ticket.created_at).desc(), col(Ticket.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def sorted_by_people(*, session: Session) -> list[Ticket]:
    """Tickets whose category a person chose or corrected: labelled history for `linli nlp mine`."""
    query = (
        select(Ticket)
        .where(col(Ticket.sort_state).in_([SortState.REPORTER, SortState.STAFF]), Ticket.text != "")
        .order_by(col(Ticket.id))
    )
    return list(session.exec(query))


def report_of_message(*, session: Session, chat_id: int, message_id: int, text: str) -> Ticket | None:
    """The ticket already filed from this message with this text, if any."""
    same = (Ticket.chat_id == chat_id, Ticket.message_id == message_id, Ticket.text == text)
    return session.exec(select(Ticket).where(*same)).first()
