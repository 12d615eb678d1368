"""The durable outbox: Bot API calls made later, queued in the transaction that caused them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from storage.models import OutboxMessage, OutboxStatus


def enqueue(
    *,
    session: Session,
    chat_id: int,
    payload: dict[str, Any],
    now: datetime,
    card_for_ticket_id: int | None = None,
) -> OutboxMessage:
    row = OutboxMessage(
        chat_id=chat_id,
        payload=payload,
        not_before=now,
        created_at=now,
        card_for_ticket_id=card_for_ticket_id,
    )
    session.add(row)
    return row


def due_messages(*, session: Session, now: datetime, limit: int) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.not_before <= now)
        .order_by(col(OutboxMessage.id))
        .limit(limit)
    )
    return list(session.exec(query))


def pending_count(*, session: Session) -> int:
    query = select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.PENDING)
    return len(session.exec(query).all())


def mark_sent(*, session: Session, row: OutboxMessage, message_id: int | None, now: datetime) -> None:
    row.status, row.sent_at, row.sent_message_id = OutboxStatus.SENT, now, message_id
    row.attempts += 1
    session.add(row)


def postpone(*, session: Session, row: OutboxMessage, delay: timedelta, error: str, now: datetime) -> None:
    row.attempts += 1
    row.not_before = now + delay
    row.last_error = error[:500]
    session.add(row)


def mark_dead(*, session: Session, row: OutboxMessage, error: str) -> None:
    row.attempts += 1
    row.status = OutboxStatus.DEAD
    row.last_error = error[:500]
    session.add(row)
