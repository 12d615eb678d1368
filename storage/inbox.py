"""The inbox: every update stored raw and committed before Telegram is told it arrived, then worked off.

Workers claim updates with a lease (`claimed_until`), a chat at a time: only a chat's oldest pending update
can start a claim, and a claim takes a run of that chat's next updates, so a chat's updates are handled
strictly in order while other chats go on in parallel. On PostgreSQL the claim locks with SKIP LOCKED; on
SQLite every transaction begins IMMEDIATE (storage.db), so claims run one after the other.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Executable, bindparam, delete, func, update
from sqlmodel import Session, col, select

from storage.db import conflict_insert, dialect_of
from storage.models import InboxStatus, InboxUpdate

# Telegram reuses update ids after a week of silence: remember one for no longer than this.
DEDUPE_WINDOW = timedelta(days=7)
FAILED_KEPT = timedelta(days=30)

_id = col(InboxUpdate.id)
_chat = col(InboxUpdate.chat_key)
_status = col(InboxUpdate.status)
_pending = _status == InboxStatus.PENDING


@dataclass(frozen=True, slots=True)
class Arrival:
    """One update as received: its id (None when it has none we can read), chat and raw JSON."""

    update_id: int | None
    chat_key: int
    payload: dict[str, Any]
    error: str | None = None  # set when it is unusable already on arrival (stored as failed)


def store(*, session: Session, arrivals: Sequence[Arrival], now: datetime) -> int:
    """Insert the updates not seen before (by update_id); returns how many were new."""
    return len(store_new(session=session, arrivals=arrivals, now=now))


def store_new(*, session: Session, arrivals: Sequence[Arrival], now: datetime) -> list[int]:
    """Insert the updates not seen before (by update_id); returns the new rows' ids."""
    if not arrivals:
        return []
    rows = [
        {
            "update_id": a.update_id,
            "chat_key": a.chat_key,
            "payload": a.payload,
            "status": InboxStatus.FAILED if a.error else InboxStatus.PENDING,
            "error": a.error,
            "finished_at": now if a.error else None,
            "received_at": now,
            "attempts": 0,
        }
        for a in arrivals
    ]
    table = InboxUpdate.__table__  # type: ignore[attr-defined]
    statement = conflict_insert(dialect_of(session), table)
    statement = statement.on_conflict_do_nothing(index_elements=["update_id"])
    result = session.execute(statement.returning(table.c.id), rows)
    return [row_id for (row_id,) in result.all()]


def claim_arrived(
    *, session: Session, ids: Collection[int], until: datetime, holder: str
) -> list[InboxUpdate]:
    """Claim, of rows just stored (`ids`), each one that is the oldest pending update of its chat.

    Lets the process that stored them start on them at once, without a claim of its own; what follows in
    the same chat is claimed the usual way, after it. In id order.
    """
    if not ids:
        return []
    fresh = list(session.exec(select(InboxUpdate).where(_id.in_(list(ids)), _pending).order_by(_id)))
    chats = list({row.chat_key for row in fresh})
    heads = set(session.exec(select(func.min(_id)).where(_pending, _chat.in_(chats)).group_by(_chat)).all())
    picked = [row for row in fresh if row.id in heads]
    if picked:
        session.exec(
            update(InboxUpdate)
            .where(_id.in_([row.id for row in picked]))
            .values(claimed_until=until, claimed_by=holder)
        )
        for row in picked:
            row.claimed_until, row.claimed_by = until, holder
    return picked


def _claimable(now: datetime) -> ColumnElement[bool]:
    until = col(InboxUpdate.claimed_until)
    return _pending & (until.is_(None) | (until <= now))


def claim(
    *,
    session: Session,
    now: datetime,
    until: datetime,
    holder: str,
    chats: int,
    per_chat: int,
    skip_chats: Collection[int] = (),
) -> list[InboxUpdate]:
    """Claim, for up to `chats` chats whose oldest pending update is free, a run of up to `per_chat` updates.

    Returned in id order. A chat whose oldest pending update is claimed by someone (alive or not yet
    expired) is left alone: that claimer is working through it in order.
    """
    heads = (
        select(func.min(_id).label("head")).where(_pending).group_by(_chat).subquery()  # oldest per chat
    )
    query = select(InboxUpdate).where(_id.in_(select(heads.c.head)), _claimable(now))
    if skip_chats:
        query = query.where(_chat.not_in(list(skip_chats)))
    # SKIP LOCKED: another process claiming the same head right now gets it, we take other chats.
    first = list(session.exec(query.order_by(_id).limit(chats).with_for_update(skip_locked=True)))
    if not first:
        return []
    picked: list[InboxUpdate] = list(first)
    if per_chat > 1:
        by_chat = {row.chat_key: row.id or 0 for row in first}
        more = session.exec(
            select(InboxUpdate)
            .where(_pending, _chat.in_(list(by_chat)), _id.not_in(list(by_chat.values())))
            .order_by(_id)
            .limit(per_chat * len(first))
            .with_for_update(skip_locked=True)
        )
        taken = dict.fromkeys(by_chat, 1)
        stopped: set[int] = set()
        for row in more:
            # A run stops at the first update someone else holds: nothing may overtake it.
            if row.chat_key in stopped or taken[row.chat_key] >= per_chat:
                continue
            if row.claimed_until is not None and row.claimed_until > now:
                stopped.add(row.chat_key)
                continue
            picked.append(row)
            taken[row.chat_key] += 1
    ids = [row.id for row in picked]
    session.exec(update(InboxUpdate).where(_id.in_(ids)).values(claimed_until=until, claimed_by=holder))
    for row in picked:
        row.claimed_until, row.claimed_by = until, holder
    return sorted(picked, key=lambda row: row.id or 0)


def finish(*, session: Session, inbox_id: int, now: datetime, error: str | None = None) -> bool:
    """Mark an update done (in the transaction of its effects) or failed with its error; False when it is
    no longer pending (someone whose claim ran out handled it meanwhile), and must not be handled again.

    Run first in the update's transaction, this is what makes it processed once: on PostgreSQL the row
    stays locked until the commit, so a second worker on the same update waits for the first and then
    finds it done; on SQLite transactions run one at a time. A handled update keeps only its id (for
    de-duplication): its raw JSON, residents' words and which button whom pressed, anonymous ballots
    included, is not kept once its effects are committed.
    """
    values = {"row": inbox_id, "at": now}
    if error is None:
        statement, values = _FINISH_DONE, values | {"payload": {}}
    else:
        statement, values = _FINISH_FAILED, values | {"error": error[:2000]}
    # On the connection: the ORM's UPDATE would search the session for the row to synchronise (a
    # third of this statement's cost, once per update), and the claimed copy is not read again.
    return bool(session.connection().execute(statement, values).rowcount)


def _finish_statement(status: InboxStatus, **values: Any) -> Executable:
    # Built once: building it costs several times what running it does, and it runs once per update.
    return (
        update(InboxUpdate)
        .where(_id == bindparam("row"), _pending)
        .values(
            **values,
            status=status,
            finished_at=bindparam("at"),
            claimed_until=None,
            attempts=col(InboxUpdate.attempts) + 1,
        )
    )


_FINISH_DONE = _finish_statement(InboxStatus.DONE, payload=bindparam("payload"), error=None)
_FINISH_FAILED = _finish_statement(InboxStatus.FAILED, error=bindparam("error"))


def release(*, session: Session, ids: Collection[int], holder: str) -> None:
    """Give back claimed updates we did not get to (shutting down), so nobody waits for the lease."""
    if ids:
        session.exec(
            update(InboxUpdate)
            .where(_id.in_(list(ids)), _pending, col(InboxUpdate.claimed_by) == holder)
            .values(claimed_until=None)
        )


def failed(*, session: Session, limit: int = 100) -> list[InboxUpdate]:
    query = select(InboxUpdate).where(_status == InboxStatus.FAILED).order_by(_id.desc()).limit(limit)
    return list(session.exec(query))


def retry(*, session: Session, inbox_id: int) -> bool:
    """Put a failed update back in line; False if there is no such failed update."""
    result = session.exec(
        update(InboxUpdate)
        .where(_id == inbox_id, _status == InboxStatus.FAILED)
        .values(status=InboxStatus.PENDING, claimed_until=None, finished_at=None)
        .returning(_id)
    )
    return result.first() is not None


def counts(*, session: Session) -> dict[str, int]:
    rows = session.exec(select(_status, func.count()).group_by(_status)).all()
    return {str(status): int(n) for status, n in rows}


def last_received(*, session: Session) -> datetime | None:
    return session.exec(select(func.max(col(InboxUpdate.received_at)))).one()


def prune(*, session: Session, now: datetime) -> int:
    """Forget handled updates after the de-duplication window and failed ones after 30 days.

    A failed update kept longer than the window lets go of its update_id, so a reused id is new again.
    """
    done = session.exec(
        delete(InboxUpdate).where(
            _status == InboxStatus.DONE, col(InboxUpdate.received_at) < now - DEDUPE_WINDOW
        )
    )
    old_failed = session.exec(
        delete(InboxUpdate).where(
            _status == InboxStatus.FAILED, col(InboxUpdate.received_at) < now - FAILED_KEPT
        )
    )
    session.exec(
        update(InboxUpdate)
        .where(
            _status == InboxStatus.FAILED,
            col(InboxUpdate.update_id).is_not(None),
            col(InboxUpdate.received_at) < now - DEDUPE_WINDOW,
        )
        .values(update_id=None)
    )
    return int(done.rowcount or 0) + int(old_failed.rowcount or 0)
