"""Grid workers (网格员) and call-back requests.

A building has at most one grid worker: the building is the key, so setting another replaces the first. A
resident has at most one open request (a partial unique index), so pressing 请网格员联系我 twice, even in
two racing updates, never asks staff twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.models import (
    Building,
    CallbackRequest,
    CallbackStatus,
    GridWorker,
    OutboxMessage,
    OutboxStatus,
    User,
)
from storage.race import get_or_create


def grid_worker(*, session: Session, building_id: int | None) -> User | None:
    """The building's grid worker, or None when it has none (or the building is unknown)."""
    if building_id is None:
        return None
    row = session.get(GridWorker, building_id)
    return session.get(User, row.user_id) if row is not None else None


def set_grid_worker(
    *, session: Session, building_id: int, user_id: int, set_by: int, now: datetime
) -> User | None:
    """Make `user_id` the building's grid worker; returns the one replaced, if another."""
    row = session.get(GridWorker, building_id)
    previous = None
    if row is None:
        row = GridWorker(building_id=building_id, user_id=user_id, set_by=set_by, set_at=now)
    else:
        if row.user_id != user_id:
            previous = session.get(User, row.user_id)
        row.user_id, row.set_by, row.set_at = user_id, set_by, now
    session.add(row)
    session.flush()
    return previous


def building_named(*, session: Session, name: str) -> Building | None:
    return session.exec(select(Building).where(Building.name == name)).first()


def grid_roster(*, session: Session) -> list[tuple[Building, User | None]]:
    """Every building by name with its grid worker (None where there is none)."""
    query = (
        select(Building, User)
        .outerjoin(GridWorker, col(GridWorker.building_id) == col(Building.id))
        .outerjoin(User, col(User.id) == col(GridWorker.user_id))
        .order_by(col(Building.name))
    )
    return [(building, user) for building, user in session.exec(query)]


def is_grid_worker(*, session: Session, user_id: int) -> bool:
    return (
        session.exec(select(GridWorker.building_id).where(GridWorker.user_id == user_id)).first() is not None
    )


def open_request(*, session: Session, resident_id: int) -> CallbackRequest | None:
    query = select(CallbackRequest).where(
        CallbackRequest.resident_id == resident_id, CallbackRequest.status == CallbackStatus.OPEN
    )
    return session.exec(query).first()


def request_callback(
    *, session: Session, resident_id: int, building_id: int | None, worker_id: int | None, now: datetime
) -> tuple[CallbackRequest, bool]:
    """The resident's open request, made now if they have none; True when it is new."""
    return get_or_create(
        session=session,
        find=lambda: open_request(session=session, resident_id=resident_id),
        make=lambda: CallbackRequest(
            building_id=building_id, resident_id=resident_id, worker_id=worker_id, created_at=now
        ),
    )


def get_request(*, session: Session, request_id: int) -> CallbackRequest | None:
    return session.get(CallbackRequest, request_id)


def add_copy(*, session: Session, request: CallbackRequest, outbox: OutboxMessage) -> None:
    """Remember an outbox row that carries the request to staff or the grid worker."""
    if outbox.id is None:
        session.flush()
    assert outbox.id is not None
    request.copies = [*request.copies, outbox.id]  # a new list, so the JSON column is seen as changed
    session.add(request)


def attach_phone(*, session: Session, request: CallbackRequest, phone: str, now: datetime) -> None:
    request.phone, request.phone_at = phone, now
    session.add(request)


def mark_done(*, session: Session, request: CallbackRequest, by: int, now: datetime) -> bool:
    """已联系: False when it was done already (a second press changes nothing)."""
    if request.status != CallbackStatus.OPEN:
        return False
    request.status, request.done_at, request.done_by = CallbackStatus.DONE, now, by
    session.add(request)
    session.flush()
    return True


def sent_copies(*, session: Session, request: CallbackRequest) -> list[tuple[int, int]]:
    """(chat id, message id) of every copy that has been delivered; unsent or pruned ones are left out."""
    if not request.copies:
        return []
    query = select(OutboxMessage.chat_id, OutboxMessage.sent_message_id).where(
        col(OutboxMessage.id).in_(request.copies), col(OutboxMessage.sent_message_id).is_not(None)
    )
    return [(chat_id, message_id) for chat_id, message_id in session.exec(query) if message_id is not None]


def rewrite_unsent_copies(*, session: Session, request: CallbackRequest, text: str, now: datetime) -> int:
    """Copies still waiting in the outbox (a busy chat) go out as `text` with no buttons: once the request
    is done, a late copy must neither offer 已联系 nor carry the phone. Returns how many were rewritten."""
    if not request.copies:
        return 0
    free = col(OutboxMessage.claimed_until).is_(None) | (col(OutboxMessage.claimed_until) <= now)
    waiting = select(OutboxMessage).where(
        col(OutboxMessage.id).in_(request.copies), OutboxMessage.status == OutboxStatus.PENDING, free
    )
    rewritten = 0
    for row in session.exec(waiting):
        payload = {**row.payload, "text": text, "keyboard": None}
        guard = (col(OutboxMessage.id) == row.id) & (OutboxMessage.status == OutboxStatus.PENDING) & free
        rewritten += session.exec(update(OutboxMessage).where(guard).values(payload=payload)).rowcount
    return rewritten
