"""Problem reports (报事)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import Ticket, TicketStatus


def create_ticket(
    *,
    session: Session,
    reporter_id: int,
    chat_id: int,
    message_id: int,
    text: str,
    building_id: int | None,
    category: str,
    now: datetime,
    photo_file_id: str | None = None,
    voice_file_id: str | None = None,
) -> Ticket:
    ticket = Ticket(
        building_id=building_id,
        reporter_id=reporter_id,
        chat_id=chat_id,
        message_id=message_id,
        text=text,
        photo_file_id=photo_file_id,
        voice_file_id=voice_file_id,
        category=category,
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
    session.add(ticket)
    return True


def set_card(*, session: Session, ticket_id: int, chat_id: int, message_id: int) -> None:
    ticket = session.get(Ticket, ticket_id)
    if ticket is not None:
        ticket.card_chat_id, ticket.card_message_id = chat_id, message_id
        session.add(ticket)


def tickets_of_reporter(*, session: Session, reporter_id: int, limit: int = 10) -> list[Ticket]:
    query = (
        select(Ticket)
        .where(Ticket.reporter_id == reporter_id)
        .order_by(col(Ticket.created_at).desc(), col(Ticket.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))
