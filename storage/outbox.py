"""The durable outbox: Bot API calls made later, queued in the transaction that caused them.

A sender claims rows before calling Telegram (`claimed_until`, a lease) and marks each one once its call
returned. Claims are what keep two processes from sending the same row; the lease running out is what lets a
row whose process died go out again. Within a chat, rows go strictly in id order: a row is only claimed when
every earlier pending row of its chat is claimed in the same go.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, bindparam, cast, func, update
from sqlmodel import Session, col, select

from storage.db import new_row
from storage.models import OutboxMessage, OutboxStatus

_row_id = col(OutboxMessage.id)
_chat_id = col(OutboxMessage.chat_id)
_is_pending = col(OutboxMessage.status) == OutboxStatus.PENDING


def enqueue(
    *,
    session: Session,
    chat_id: int,
    payload: dict[str, Any],
    now: datetime,
    card_for_ticket_id: int | None = None,
    claimed_until: datetime | None = None,
) -> OutboxMessage:
    """Queue a call; `claimed_until` queues it already claimed, for a caller about to send it right away."""
    row = new_row(
        OutboxMessage,
        chat_id=chat_id,
        payload=payload,
        not_before=now,
        created_at=now,
        card_for_ticket_id=card_for_ticket_id,
        claimed_until=claimed_until,
    )
    session.add(row)
    session.info.setdefault(_QUEUED, []).append(row)
    return row


_QUEUED = "linli.outbox_queued"


def sent_message_id(*, session: Session, outbox_id: int) -> int | None:
    """The chat's id for the message a row sent; None until it is sent."""
    row = session.get(OutboxMessage, outbox_id)
    return row.sent_message_id if row is not None and row.status == OutboxStatus.SENT else None


# How far back a new edit looks for a waiting edit of the same message to replace.
_COALESCE_LOOKBACK = 20


def replace_pending_edit(
    *, session: Session, chat_id: int, message_id: int, payload: dict[str, Any], now: datetime
) -> bool:
    """Put `payload` in place of an edit of the same message still waiting unclaimed; False when none.

    A burst of changes to one message (a poll's counts) becomes one edit when it goes out, instead of one
    per change queued behind Telegram's per-chat limit.
    """
    free = col(OutboxMessage.claimed_until).is_(None) | (col(OutboxMessage.claimed_until) <= now)
    waiting = session.exec(
        select(OutboxMessage)
        .where(_chat_id == chat_id, _is_pending, free)
        .order_by(_row_id.desc())
        .limit(_COALESCE_LOOKBACK)
    )
    for row in waiting:
        if row.payload.get("kind") == "edit" and row.payload.get("message_id") == message_id:
            result = session.exec(
                update(OutboxMessage).where(_row_id == row.id, _is_pending, free).values(payload=payload)
            )
            return bool(result.rowcount)
    return False


def queued_in(session: Session) -> list[OutboxMessage]:
    """The rows this session has queued so far, in the order they were queued."""
    return list(session.info.get(_QUEUED, ()))


def chats_waiting(*, session: Session, chats: Collection[int], ignore: Collection[int] = ()) -> set[int]:
    """Of these chats, those where a pending row still waits, other than the rows in `ignore` (the caller's
    own, and rows delivered whose marks are not written yet): a new row for such a chat must follow it.
    A few queries for any number of chats: one update may queue a notice to a thousand groups. Run on
    the connection, without the session's autoflush, so the caller's rows not flushed yet are not seen.
    """
    waiting: set[int] = set()
    ordered = sorted(chats)
    # No row id is 0 or less: an empty `ignore` leaves nothing out, in the same statement.
    ignored = list(ignore) or [0]
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        waiting.update(
            session.connection().execute(_PENDING_CHATS, {"chats": chunk, "ignore": ignored}).scalars()
        )
    return waiting


# Built once: it runs for every update that queues a message.
_PENDING_CHATS = (
    select(_chat_id)
    .where(
        _is_pending,
        _chat_id.in_(bindparam("chats", expanding=True)),
        _row_id.not_in(bindparam("ignore", expanding=True)),
    )
    .distinct()
)


def claim_following_acks(
    *, session: Session, row: OutboxMessage, now: datetime, until: datetime
) -> list[OutboxMessage]:
    """Claim the receipts queued right behind `row` in its chat (free, or already ours until `until`).

    Stops at the first row that is not a receipt or that someone else holds, so nothing is overtaken.
    """
    later = session.exec(
        select(OutboxMessage)
        .where(_chat_id == row.chat_id, _is_pending, _row_id > (row.id or 0))
        .order_by(_row_id)
        .limit(50)
        .with_for_update(skip_locked=True)
    )
    taken: list[OutboxMessage] = []
    for other in later:
        held = other.claimed_until
        free = held is None or held <= now or held == until
        if not (free and other.payload.get("ack_for") and other.not_before <= now):
            break
        taken.append(other)
    if taken:
        session.exec(
            update(OutboxMessage).where(_row_id.in_([r.id for r in taken])).values(claimed_until=until)
        )
    return taken


def clear_sent_uploads(*, session: Session) -> int:
    """Drop the file bytes (charts, spreadsheets) of sent rows; the message keeps its text."""
    as_text = cast(col(OutboxMessage.payload), String)
    sent = session.exec(
        select(OutboxMessage).where(
            col(OutboxMessage.status) == OutboxStatus.SENT,
            as_text.like('%"data_b64": "%'),
            as_text.not_like('%"data_b64": ""%'),
        )
    )
    cleared = 0
    for row in sent:
        media = row.payload.get("media")
        if (
            isinstance(media, dict)
            and isinstance(media.get("upload"), dict)
            and media["upload"].get("data_b64")
        ):
            upload = {**media["upload"], "data_b64": ""}
            row.payload = {**row.payload, "media": {**media, "upload": upload}}
            session.add(row)
            cleared += 1
    return cleared


def _claimable(now: datetime) -> ColumnElement[bool]:
    claimed_until = col(OutboxMessage.claimed_until)
    return (
        _is_pending
        & (col(OutboxMessage.not_before) <= now)
        & (claimed_until.is_(None) | (claimed_until <= now))
    )


def claim_due(
    *,
    session: Session,
    now: datetime,
    until: datetime,
    limit: int,
    skip_chats: Collection[int] = (),
    room: Callable[[int], int] | None = None,
    scan: int = 100,
) -> list[OutboxMessage]:
    """Claim up to `limit` due rows until `until`, oldest first; returns them in id order.

    Call it first thing in its own short transaction, and commit before sending. `skip_chats` get nothing;
    `room(chat_id)` caps how many rows of one chat are claimed (the flood limits' say). A row is taken only
    when every earlier pending row of its chat is taken with it, so a chat's rows never overtake one that
    is claimed by another process, waiting out a retry, or left behind here; that holds even against a
    second process claiming at the same moment.
    """
    if limit <= 0:
        return []
    query = select(OutboxMessage).where(_claimable(now))
    if skip_chats:
        query = query.where(_chat_id.not_in(list(skip_chats)))
    candidates = list(session.exec(query.order_by(_row_id).limit(max(scan, limit))))
    if not candidates:
        return []
    # Per chat, the first pending row that is not a candidate: claimed by someone, or waiting out a retry.
    # (Rows only ever leave the pending state, so reading this without locks errs on the safe side.)
    first_left_out: dict[int, int] = dict(
        session.exec(
            select(_chat_id, func.min(_row_id))
            .where(_is_pending, _chat_id.in_({row.chat_id for row in candidates}))
            .where(_row_id.not_in([row.id for row in candidates]))
            .group_by(_chat_id)
        ).all()
    )

    def fits(row: OutboxMessage, taken: int) -> bool:
        stop = first_left_out.get(row.chat_id)
        return (stop is None or (row.id or 0) < stop) and (room is None or taken < room(row.chat_id))

    planned = _in_order_per_chat(candidates, fits, limit)
    if not planned:
        return []
    # Lock what we mean to take. SKIP LOCKED passes over rows another transaction is claiming right now,
    # which our snapshot still shows unclaimed; rows claimed and committed since are re-checked against
    # the WHERE clause and drop out too. Either way a chat stops at its first row we could not lock.
    # Locking only these (not every candidate) leaves the rest to a second process meanwhile. SQLAlchemy
    # leaves the clause out on SQLite, where storage.db begins every transaction IMMEDIATE: claims there
    # run one after the other.
    locked = set(
        session.exec(
            select(_row_id)
            .where(_row_id.in_([row.id for row in planned]), _claimable(now))
            .with_for_update(skip_locked=True)
        ).all()
    )
    picked = _in_order_per_chat(planned, lambda row, _taken: row.id in locked, limit)
    for row in picked:
        row.claimed_until = until
    session.add_all(picked)
    session.flush()
    return picked


def _in_order_per_chat(
    rows: list[OutboxMessage], fits: Callable[[OutboxMessage, int], bool], limit: int
) -> list[OutboxMessage]:
    """Up to `limit` rows that fit, in id order, each chat stopping at its first row that does not.

    `fits(row, taken)` is also told how many rows of the row's chat were taken before it.
    """
    picked: list[OutboxMessage] = []
    taken: Counter[int] = Counter()
    closed: set[int] = set()
    for row in rows:
        if row.chat_id in closed:
            continue
        if not fits(row, taken[row.chat_id]):
            closed.add(row.chat_id)  # a later row of this chat would overtake this one
            continue
        picked.append(row)
        taken[row.chat_id] += 1
        if len(picked) >= limit:
            break
    return picked


def renew_claims(
    *, session: Session, ids: Collection[int], held_until: datetime, until: datetime
) -> set[int]:
    """Extend our claim on those rows still claimed with exactly `held_until`; returns their ids.

    Matching the old value, not just an unexpired one, matters: a claim that ran out while we stalled
    may have been taken by another process since, and extending theirs would make us both send.
    """
    if not ids:
        return set()
    # One statement, so nothing can change between finding our rows and extending them.
    renewed = session.exec(
        update(OutboxMessage).where(_mine(ids, held_until)).values(claimed_until=until).returning(_row_id)
    )
    return {row_id for (row_id,) in renewed}


def release_claims(*, session: Session, ids: Collection[int], held_until: datetime) -> None:
    """Give back rows we claimed but did not send, so they need not wait for the lease to run out."""
    if ids:
        session.exec(update(OutboxMessage).where(_mine(ids, held_until)).values(claimed_until=None))


def _mine(ids: Collection[int], held_until: datetime) -> ColumnElement[bool]:
    return _row_id.in_(list(ids)) & _is_pending & (col(OutboxMessage.claimed_until) == held_until)


def next_change(*, session: Session, now: datetime) -> datetime | None:
    """The next moment a pending row may become claimable: a retry comes due, or a claim runs out."""
    retry = session.exec(
        select(func.min(col(OutboxMessage.not_before))).where(
            _is_pending, col(OutboxMessage.not_before) > now
        )
    ).one()
    expiry = session.exec(
        select(func.min(col(OutboxMessage.claimed_until))).where(
            _is_pending, col(OutboxMessage.claimed_until) > now
        )
    ).one()
    moments = [moment for moment in (retry, expiry) if moment is not None]
    return min(moments) if moments else None


def chats_with_due(*, session: Session, now: datetime, among: Collection[int]) -> set[int]:
    """Which of these chats have a row that could be claimed now."""
    if not among:
        return set()
    query = select(_chat_id).where(_claimable(now), _chat_id.in_(list(among))).distinct()
    return set(session.exec(query).all())


def recent_sends(*, session: Session, since: datetime) -> list[tuple[int, datetime]]:
    """(chat, when) of every message sent since then, by any process: the flood limits' history."""
    query = select(_chat_id, col(OutboxMessage.sent_at)).where(
        col(OutboxMessage.status) == OutboxStatus.SENT, col(OutboxMessage.sent_at) > since
    )
    return [
        (chat_id, sent_at) for chat_id, sent_at in session.exec(query.order_by(col(OutboxMessage.sent_at)))
    ]


# The marks below update by id rather than through the loaded object: the object is a copy taken at
# claim time, and writing it back whole could undo a renewal made meanwhile.


def mark_sent(*, session: Session, sent: Collection[tuple[int, int | None]], now: datetime) -> None:
    """Mark delivered rows sent: (row id, the message id it got) pairs, in one statement for all."""
    if not sent:
        return
    # On the connection: an ORM-enabled UPDATE would also search the session for the rows to
    # synchronise, and these are copies taken at claim time that nobody reads again.
    session.connection().execute(
        _MARK_SENT, [{"row": row, "message": message, "at": now} for row, message in sent]
    )


# Built once: it runs for every message delivered.
_MARK_SENT = (
    update(OutboxMessage)
    .where(_row_id == bindparam("row"))
    .values(
        status=OutboxStatus.SENT,
        sent_at=bindparam("at"),
        sent_message_id=bindparam("message"),
        attempts=col(OutboxMessage.attempts) + 1,
        claimed_until=None,
    )
)


def postpone(*, session: Session, row: OutboxMessage, delay: timedelta, error: str, now: datetime) -> None:
    _finish(session, row, not_before=now + delay, last_error=error[:500])


def mark_dead(*, session: Session, row: OutboxMessage, error: str) -> None:
    _finish(session, row, status=OutboxStatus.DEAD, last_error=error[:500])


def _finish(session: Session, row: OutboxMessage, **values: Any) -> None:
    """Record one attempt and end our claim on the row."""
    values |= {"attempts": col(OutboxMessage.attempts) + 1, "claimed_until": None}
    session.exec(update(OutboxMessage).where(_row_id == row.id).values(**values))
