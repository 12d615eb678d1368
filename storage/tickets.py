"""Problem reports (报事): creation, sorting, holds before staff see them, merging, resolution."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import Hold, Reclassification, SortState, Ticket, TicketFollower, TicketStatus
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
) -> Ticket:
    ticket = Ticket(
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
        location=sorting.location,
        hold_reason=hold,
        held_until=held_until if hold else None,
        duplicate_of=duplicate_of,
        created_at=now,
        updated_at=now,
    )
    session.add(ticket)
    session.flush()  # assigns the number the reporter is told at once
    return ticket


def get_ticket(*, session: Session, ticket_id: int, for_update: bool = False) -> Ticket | None:
    # FOR UPDATE serialises two staff pressing 已解决 at once on PostgreSQL; SQLite locks the file anyway.
    return session.get(Ticket, ticket_id, with_for_update=for_update)


def resolve_ticket(*, session: Session, ticket: Ticket, by: int, note: str | None, now: datetime) -> bool:
    """False when the ticket was already resolved: a second press changes nothing."""
    if ticket.status == TicketStatus.RESOLVED:
        return False
    ticket.status = TicketStatus.RESOLVED
    ticket.resolved_by = by
    ticket.resolution_note = note or None
    ticket.resolved_at = now
    ticket.updated_at = now
    ticket.hold_reason = ticket.held_until = None  # staff acted on it: no longer waiting for the reporter
    session.add(ticket)
    return True


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
    ticket.hold_reason = ticket.held_until = None
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
    *, session: Session, building_id: int, category: str, since: datetime, exclude_reporter: int
) -> list[Ticket]:
    """Recent open tickets that staff can see: the candidates a new report may duplicate."""
    query = (
        select(Ticket)
        .where(
            Ticket.building_id == building_id,
            Ticket.category == category,
            Ticket.status == TicketStatus.RECEIVED,
            col(Ticket.held_until).is_(None),
            col(Ticket.created_at) >= since,
            Ticket.reporter_id != exclude_reporter,
        )
        .order_by(col(Ticket.id).desc())
    )
    return list(session.exec(query))


def merge_into(*, session: Session, ticket: Ticket, target: Ticket, now: datetime) -> None:
    """The reporter says it is the same thing: this ticket folds into the target, and they follow it."""
    ticket.status, ticket.duplicate_of, ticket.updated_at = TicketStatus.MERGED, target.id, now
    release_hold(session=session, ticket=ticket)
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
    query = (
        select(TicketFollower).where(TicketFollower.ticket_id == ticket_id).order_by(col(TicketFollower.id))
    )
    return list(session.exec(query))


def set_card(*, session: Session, ticket_id: int, chat_id: int, message_id: int) -> None:
    ticket = session.get(Ticket, ticket_id)
    if ticket is not None:
        ticket.card_chat_id, ticket.card_message_id = chat_id, message_id
        session.add(ticket)


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
