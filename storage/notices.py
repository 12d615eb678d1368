"""Notices (通知): the notice, one delivery row per target chat tied to its outbox row, and 收到 acks.

A delivery's state follows its outbox row (read by the progress job, which copies the message id once the
row is sent, so withdrawing never depends on outbox rows being kept). An ack is one row per person per
notice: the primary key refuses a second, and the insert does nothing when a second press races the first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from storage.db import conflict_insert, dialect_of
from storage.models import (
    Chat,
    Notice,
    NoticeAck,
    NoticeAudience,
    NoticeDelivery,
    NoticeDeliveryState,
    NoticeStatus,
    OutboxMessage,
    OutboxStatus,
    Role,
    User,
)

WITHDRAWN_ERROR = "notice withdrawn"


def create_notice(
    *,
    session: Session,
    creator_id: int,
    text: str,
    audience: str,
    building_ids: Collection[int],
    pin: bool,
    ask_ack: bool,
    progress_chat_id: int | None,
    progress_message_id: int | None,
    now: datetime,
    media_kind: str | None = None,
    media_file_id: str | None = None,
    send_at: datetime | None = None,
) -> Notice:
    """A notice to send now (SENDING, its copies queued by the caller) or at `send_at` (SCHEDULED)."""
    notice = Notice(
        creator_id=creator_id,
        text=text,
        audience=audience,
        building_ids=sorted(building_ids),
        pin=pin,
        ask_ack=ask_ack,
        created_at=now,
        progress_chat_id=progress_chat_id,
        progress_message_id=progress_message_id,
        media_kind=media_kind,
        media_file_id=media_file_id,
        send_at=send_at,
        status=NoticeStatus.SCHEDULED if send_at is not None else NoticeStatus.SENDING,
    )
    session.add(notice)
    session.flush()
    return notice


def add_delivery(
    *,
    session: Session,
    notice_id: int,
    chat_id: int,
    chat_title: str,
    building_id: int | None,
    outbox_id: int,
) -> None:
    session.add(
        NoticeDelivery(
            notice_id=notice_id,
            chat_id=chat_id,
            chat_title=chat_title,
            building_id=building_id,
            outbox_id=outbox_id,
        )
    )


def get_notice(*, session: Session, notice_id: int, for_update: bool = False) -> Notice | None:
    statement = select(Notice).where(Notice.id == notice_id)
    if for_update:
        statement = statement.with_for_update()
    return session.exec(statement).first()


def latest_notice(*, session: Session, building_id: int | None = None) -> Notice | None:
    """The newest notice sent and not withdrawn; with `building_id`, the newest that reached that building."""
    statement = select(Notice).where(col(Notice.status).in_([NoticeStatus.SENDING, NoticeStatus.DONE]))
    if building_id is not None:
        reached = select(NoticeDelivery.notice_id).where(NoticeDelivery.building_id == building_id)
        statement = statement.where(col(Notice.id).in_(reached))
    return session.exec(statement.order_by(col(Notice.id).desc()).limit(1)).first()


def recent_notices(*, session: Session, limit: int = 10, creator_id: int | None = None) -> list[Notice]:
    """The newest notices, scheduled ones included; with `creator_id`, only that person's."""
    statement = select(Notice)
    if creator_id is not None:
        statement = statement.where(Notice.creator_id == creator_id)
    return list(session.exec(statement.order_by(col(Notice.id).desc()).limit(limit)))


def notices_for_buildings(*, session: Session, building_ids: Collection[int], limit: int = 5) -> list[Notice]:
    """What a resident of those buildings was sent, newest first: notices to everybody and those that
    reached one of the buildings (not the leaders' own, not withdrawn, not still waiting for their time)."""
    reached = select(NoticeDelivery.notice_id).where(col(NoticeDelivery.building_id).in_(list(building_ids)))
    statement = (
        select(Notice)
        .where(
            col(Notice.status).in_([NoticeStatus.SENDING, NoticeStatus.DONE]),
            or_(Notice.audience == NoticeAudience.ALL, col(Notice.id).in_(reached)),
            Notice.audience != NoticeAudience.LEADERS,
        )
        .order_by(col(Notice.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement))


def claim_due(*, session: Session, now: datetime, limit: int = 20) -> list[Notice]:
    """Scheduled notices whose time has come, each claimed by moving it to SENDING with a conditional
    UPDATE: of two processes (or a 撤回 at the same moment) exactly one sees its row change."""
    due = session.exec(
        select(Notice.id)
        .where(Notice.status == NoticeStatus.SCHEDULED, col(Notice.send_at) <= now)
        .order_by(col(Notice.id))
        .limit(limit)
    ).all()
    claimed: list[int] = []
    for notice_id in due:
        result = session.execute(
            update(Notice)
            .where(col(Notice.id) == notice_id, col(Notice.status) == NoticeStatus.SCHEDULED)
            .values(status=NoticeStatus.SENDING)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(notice_id)  # type: ignore[arg-type]
    if not claimed:
        return []
    statement = select(Notice).where(col(Notice.id).in_(claimed)).order_by(col(Notice.id))
    return list(session.exec(statement.execution_options(populate_existing=True)))


def cancel_scheduled(*, session: Session, notice_id: int, now: datetime) -> bool:
    """撤回 before its time: True when the notice was still waiting (so nothing will be sent); False when
    the clock job had claimed it first (it is being sent: withdraw it like any other)."""
    result = session.execute(
        update(Notice)
        .where(col(Notice.id) == notice_id, col(Notice.status) == NoticeStatus.SCHEDULED)
        .values(status=NoticeStatus.WITHDRAWN, withdrawn_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def notices_in(*, session: Session, status: str, limit: int = 20) -> list[Notice]:
    """Notices in that state, claimed for this transaction (a second process skips them)."""
    statement = (
        select(Notice)
        .where(Notice.status == status)
        .order_by(col(Notice.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(statement))


def withdrawn_since(*, session: Session, since: datetime, limit: int = 20) -> list[Notice]:
    statement = (
        select(Notice)
        .where(Notice.status == NoticeStatus.WITHDRAWN, col(Notice.withdrawn_at) >= since)
        .order_by(col(Notice.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(statement))


def deliveries(*, session: Session, notice_id: int, state: str | None = None) -> list[NoticeDelivery]:
    statement = select(NoticeDelivery).where(NoticeDelivery.notice_id == notice_id)
    if state is not None:
        statement = statement.where(NoticeDelivery.state == state)
    return list(session.exec(statement.order_by(col(NoticeDelivery.id))))


def delivery_counts(*, session: Session, notice_id: int) -> Counter[str]:
    statement = (
        select(NoticeDelivery.state, func.count())
        .where(NoticeDelivery.notice_id == notice_id)
        .group_by(col(NoticeDelivery.state))
    )
    return Counter(dict(session.exec(statement).all()))


def outbox_rows(*, session: Session, ids: Collection[int]) -> dict[int, OutboxMessage]:
    found: dict[int, OutboxMessage] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        for row in session.exec(select(OutboxMessage).where(col(OutboxMessage.id).in_(chunk))):
            found[row.id or 0] = row
    return found


def follow_outbox(
    *, session: Session, notice_id: int, state: str = NoticeDeliveryState.PENDING
) -> list[NoticeDelivery]:
    """Bring the notice's deliveries in `state` up to date with their outbox rows; returns those that changed.

    A row sent becomes SENT with its message id; a row the outbox gave up on becomes FAILED (a pending
    delivery) — a CANCELLED one whose row went out after all (it was in flight when withdrawn) becomes SENT,
    for the caller to delete.
    """
    waiting = deliveries(session=session, notice_id=notice_id, state=state)
    rows = outbox_rows(session=session, ids={d.outbox_id for d in waiting})
    changed: list[NoticeDelivery] = []
    for delivery in waiting:
        row = rows.get(delivery.outbox_id)
        if row is None or row.status == OutboxStatus.PENDING:
            continue
        if row.status == OutboxStatus.SENT:
            delivery.state, delivery.message_id = NoticeDeliveryState.SENT, row.sent_message_id
        elif state == NoticeDeliveryState.PENDING:
            delivery.state = NoticeDeliveryState.FAILED
        else:
            continue
        session.add(delivery)
        changed.append(delivery)
    session.flush()
    return changed


def queue_ahead(*, session: Session, notice_id: int) -> tuple[int, dict[int, int], datetime | None]:
    """What the notice's pending copies wait behind: pending outbox rows up to its last one, pending rows
    per target chat, and the latest not_before among them (a 429's retry_after)."""
    pending = deliveries(session=session, notice_id=notice_id, state=NoticeDeliveryState.PENDING)
    if not pending:
        return 0, {}, None
    last = max(d.outbox_id for d in pending)
    is_pending = col(OutboxMessage.status) == OutboxStatus.PENDING
    overall = session.exec(
        select(func.count()).select_from(OutboxMessage).where(is_pending, col(OutboxMessage.id) <= last)
    ).one()
    chats = sorted({d.chat_id for d in pending})
    per_chat: dict[int, int] = {}
    for start in range(0, len(chats), 500):
        chunk = chats[start : start + 500]
        per_chat |= dict(
            session.exec(
                select(OutboxMessage.chat_id, func.count())
                .where(is_pending, col(OutboxMessage.chat_id).in_(chunk), col(OutboxMessage.id) <= last)
                .group_by(col(OutboxMessage.chat_id))
            ).all()
        )
    rows = outbox_rows(session=session, ids={d.outbox_id for d in pending}).values()
    latest = max((row.not_before for row in rows if row.status == OutboxStatus.PENDING), default=None)
    return int(overall), per_chat, latest


def cancel_pending(*, session: Session, notice_id: int) -> list[NoticeDelivery]:
    """Withdraw: the notice's outbox rows not yet sent are marked dead, so no sender takes them; returns the
    deliveries already sent (their messages are to be deleted). One delivery in flight at this moment may
    still be marked sent by its sender; the caller follows CANCELLED ones for a while."""
    sent: list[NoticeDelivery] = []
    follow_outbox(session=session, notice_id=notice_id)
    for delivery in deliveries(session=session, notice_id=notice_id):
        if delivery.state == NoticeDeliveryState.PENDING:
            session.exec(
                update(OutboxMessage)
                .where(
                    col(OutboxMessage.id) == delivery.outbox_id,
                    col(OutboxMessage.status) == OutboxStatus.PENDING,
                )
                .values(status=OutboxStatus.DEAD, last_error=WITHDRAWN_ERROR)
            )
            delivery.state = NoticeDeliveryState.CANCELLED
            session.add(delivery)
        elif delivery.state == NoticeDeliveryState.SENT:
            sent.append(delivery)
    return sent


def mark_deleted(*, session: Session, delivery: NoticeDelivery) -> None:
    delivery.state = NoticeDeliveryState.DELETED
    session.add(delivery)


# --- acks


def record_ack(
    *, session: Session, notice_id: int, user_id: int, building_id: int | None, now: datetime
) -> bool:
    """Record the person's 收到 once; False when they had already acknowledged this notice."""
    table = NoticeAck.__table__  # type: ignore[attr-defined]
    result = session.execute(
        conflict_insert(dialect_of(session), table)
        .values(notice_id=notice_id, user_id=user_id, building_id=building_id, acked_at=now)
        .on_conflict_do_nothing(index_elements=["notice_id", "user_id"])
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def ack_counts(*, session: Session, notice_id: int) -> Counter[int | None]:
    statement = (
        select(NoticeAck.building_id, func.count())
        .where(NoticeAck.notice_id == notice_id)
        .group_by(col(NoticeAck.building_id))
    )
    return Counter(dict(session.exec(statement).all()))


def acked_users(*, session: Session, notice_id: int) -> set[int]:
    return set(session.exec(select(NoticeAck.user_id).where(NoticeAck.notice_id == notice_id)))


def acked_notices(*, session: Session, user_id: int, notice_ids: Collection[int]) -> set[int]:
    """Which of those notices the person has acknowledged."""
    if not notice_ids:
        return set()
    statement = select(NoticeAck.notice_id).where(
        NoticeAck.user_id == user_id, col(NoticeAck.notice_id).in_(list(notice_ids))
    )
    return set(session.exec(statement))


def ack_total(*, session: Session, notice_id: int) -> int:
    statement = select(func.count()).select_from(NoticeAck).where(NoticeAck.notice_id == notice_id)
    return int(session.exec(statement).one())


def leaders(*, session: Session, building_ids: Collection[int] | None = None) -> list[User]:
    """Building leaders the bot may write to privately (of those buildings, when given)."""
    statement = select(User).where(
        User.role == Role.LEADER, col(User.private_chat_open).is_(True), col(User.building_id).is_not(None)
    )
    if building_ids is not None:
        statement = statement.where(col(User.building_id).in_(list(building_ids)))
    return list(session.exec(statement.order_by(col(User.id))))


def group_chats(*, session: Session, building_ids: Collection[int] | None = None) -> list[Chat]:
    """Active groups bound to a building (those buildings, when given), in id order."""
    statement = select(Chat).where(
        col(Chat.building_id).is_not(None),
        col(Chat.active).is_(True),
        col(Chat.type).in_(["group", "supergroup"]),
    )
    if building_ids is not None:
        statement = statement.where(col(Chat.building_id).in_(list(building_ids)))
    return list(session.exec(statement.order_by(col(Chat.id))))
