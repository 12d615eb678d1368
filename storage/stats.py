"""Numbers for staff: ticket counts, response times and satisfaction over a window, and rows for export.

Counts are aggregated in SQL over covering indexes (migration 0006); durations are computed in SQL and only
their medians are taken in Python, so the same code gives the same answer on SQLite and PostgreSQL (SQLite
has no percentile function). A window is half-open: `since <= t < until`. Exports stream from two ordered,
narrow queries (iter_export), read from a snapshot that takes no write lock (read_snapshot).
"""

from __future__ import annotations

import weakref
from bisect import bisect_left
from collections import Counter
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Connection, Engine, Float, cast, event, update
from sqlalchemy.pool import NullPool
from sqlmodel import Session, col, create_engine, func, select

from storage.models import (
    Building,
    OutboxMessage,
    OutboxStatus,
    PendingExport,
    Rating,
    Ticket,
    TicketEvent,
    TicketStatus,
    User,
)

_RESOLVED = (TicketStatus.RESOLVED, TicketStatus.RATED)  # a rated ticket was resolved first
_STATUS_ORDER = tuple(TicketStatus)


@dataclass(frozen=True)
class TicketStats:
    since: datetime
    until: datetime
    total: int  # created in the window, merged tickets left out (they are counted in the ticket they joined)
    by_status: dict[str, int]  # current state of those tickets, in workflow order
    by_category: dict[str, int]  # category id → count, largest first
    by_building: dict[str | None, int]  # building name (None: no building) → count, largest first
    median_accept: timedelta | None  # created → accepted, over tickets accepted in the window
    median_resolve: timedelta | None  # created → resolved, over tickets resolved in the window
    rated: int  # ratings given in the window
    satisfied: int
    neutral: int
    unsatisfied: int
    satisfaction: float | None  # satisfied / rated
    overdue_now: int  # open and past its deadline at `until`
    resolve_hours: list[float]  # hours to resolve, one per ticket resolved in the window

    @property
    def resolved(self) -> int:
        return len(self.resolve_hours)


# Raw values only: the numbers feature puts them into words (storage holds no user-facing text). An anonymous
# reporter is never handed out, so no caller can name them by mistake.


class ExportTicket(NamedTuple):
    """The columns of a ticket the export writes, read in one narrow query."""

    id: int
    created_at: datetime
    location: str | None
    category: str
    urgent: bool
    status: str
    anonymous: bool
    reporter_id: int | None  # None on an anonymous ticket
    text: str
    accepted_at: datetime | None
    resolved_at: datetime | None
    resolution_note: str | None
    rejection_reason: str | None
    rating: str | None
    rating_comment: str | None


class ExportStep(NamedTuple):
    """One step of a ticket's history, as the export writes it."""

    at: datetime
    actor_id: int | None  # None: the bot itself, or the reporter of an anonymous ticket
    from_status: str
    to_status: str
    note: str | None


class ExportEvent(NamedTuple):
    event: ExportStep
    # Who took the step; None when event.actor_id is None (the bot itself), when they are not on record, or
    # when `by_anonymous_reporter`.
    actor: User | None
    # The reporter's own step (creating it, rating it) on an anonymous ticket: not to be named.
    by_anonymous_reporter: bool = False


class ExportRow(NamedTuple):
    ticket: ExportTicket
    building: str | None  # None: the ticket has no building
    reporter: User | None  # None when ticket.anonymous, or when not on record (then ticket.reporter_id)
    assignee: User | None  # the assignee's user, None when it has none
    resolver: User | None  # who resolved it, None while it is not resolved
    events: tuple[ExportEvent, ...]  # oldest first


def ticket_stats(*, session: Session, since: datetime, until: datetime) -> TicketStats:
    since, until = _utc(since), _utc(until)
    created = _created_in(since, until) & (col(Ticket.status) != TicketStatus.MERGED)

    # One pass over the window's covering index (ix_tickets_created_counts) counts each (status, category,
    # building) once: a few hundred rows, added up three ways here. Buildings are counted by id and named
    # afterwards, a handful of rows instead of a join over the window.
    statuses: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    per_building: Counter[int | None] = Counter()
    groups = select(Ticket.status, Ticket.category, Ticket.building_id, func.count()).where(created)
    for status, category, building_id, n in session.exec(
        # Grouped in this order, SQLite's planner keeps to the covering index (by status first, it takes
        # ix_tickets_status_created and reads every row).
        groups.group_by(Ticket.category, Ticket.building_id, Ticket.status)
    ):
        statuses[status] += n
        categories[category] += n
        per_building[building_id] += n
    by_status = _workflow_order(statuses)
    by_category = _largest_first(categories)
    known = [b for b in per_building if b is not None]
    names = (
        dict(session.exec(select(Building.id, Building.name).where(col(Building.id).in_(known))).all())
        if known
        else {}
    )
    buildings: Counter[str | None] = Counter()
    for building_id, n in per_building.items():
        buildings[names.get(building_id)] += n  # no building, or one not on record: None, as the join had it
    by_building = _largest_first(dict(buildings))

    # Durations are taken in SQL: only one float per ticket comes back, no datetimes to convert.
    accept_seconds = _durations(
        session,
        Ticket.created_at,
        Ticket.accepted_at,
        col(Ticket.accepted_at) >= since,
        col(Ticket.accepted_at) < until,
        col(Ticket.status) != TicketStatus.MERGED,
    )
    resolve_seconds = _durations(
        session,
        Ticket.created_at,
        Ticket.resolved_at,
        col(Ticket.resolved_at) >= since,
        col(Ticket.resolved_at) < until,
        col(Ticket.status).in_(_RESOLVED),
    )

    ratings = _counts(
        session,
        select(Ticket.rating, func.count())
        .where(col(Ticket.rating).is_not(None), col(Ticket.rated_at) >= since, col(Ticket.rated_at) < until)
        .group_by(Ticket.rating),
    )
    satisfied, neutral, unsatisfied = (
        ratings.get(Rating.SATISFIED, 0),
        ratings.get(Rating.NEUTRAL, 0),
        ratings.get(Rating.UNSATISFIED, 0),
    )
    rated = satisfied + neutral + unsatisfied

    return TicketStats(
        since=since,
        until=until,
        total=sum(by_status.values()),
        by_status=by_status,
        by_category=by_category,
        by_building=by_building,
        median_accept=_median(accept_seconds),
        median_resolve=_median(resolve_seconds),
        rated=rated,
        satisfied=satisfied,
        neutral=neutral,
        unsatisfied=unsatisfied,
        satisfaction=satisfied / rated if rated else None,
        overdue_now=overdue_count(session=session, now=until),
        resolve_hours=[s / 3600 for s in resolve_seconds],
    )


def overdue_count(*, session: Session, now: datetime) -> int:
    """Open tickets past their deadline: the same rule as the /tickets overdue filter."""
    now = _utc(now)
    not_accepted = (col(Ticket.status) == TicketStatus.RECEIVED) & (col(Ticket.accept_due_at) < now)
    not_resolved = col(Ticket.status).in_([TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS]) & (
        col(Ticket.resolve_due_at) < now
    )
    query = select(func.count()).select_from(Ticket).where(not_accepted | not_resolved)
    return int(session.exec(query).one())


def tickets_for_export(*, session: Session, since: datetime, until: datetime) -> list[ExportRow]:
    """Every ticket created in the window (merged ones too: their state says so), oldest first."""
    return list(iter_export(session=session, since=since, until=until))


_EXPORT_TICKET_COLUMNS = (
    Ticket.id,
    Ticket.created_at,
    Ticket.location,
    Ticket.category,
    Ticket.urgent,
    Ticket.status,
    Ticket.anonymous,
    Ticket.reporter_id,
    Ticket.text,
    Ticket.accepted_at,
    Ticket.resolved_at,
    Ticket.resolution_note,
    Ticket.rejection_reason,
    Ticket.rating,
    Ticket.rating_comment,
)
_BATCH = 2000  # rows taken from the driver at a time
# ``_new(ExportStep, (…))`` builds a named tuple at C speed: its own ``__new__`` is a Python function, and a
# 50,000-ticket export builds some 300,000 of them.
_new: Any = tuple.__new__


def iter_export(*, session: Session, since: datetime, until: datetime) -> Iterator[ExportRow]:
    """tickets_for_export as a stream: two ordered queries walked side by side, no ORM object per row.

    The people and the buildings are read once up front (a few thousand rows at most); tickets and their
    steps come in id order, so memory stays flat however long the window is."""
    since, until = _utc(since), _utc(until)
    window = _created_in(since, until)
    ids_in_window = select(Ticket.id).where(window)
    buildings = dict(session.exec(select(Building.id, Building.name)).all())
    people = (
        col(User.id).in_(select(Ticket.reporter_id).where(window, col(Ticket.anonymous).is_(False)))
        | col(User.id).in_(select(Ticket.assignee_id).where(window, col(Ticket.assignee_id).is_not(None)))
        | col(User.id).in_(select(Ticket.resolved_by).where(window, col(Ticket.resolved_by).is_not(None)))
        | col(User.id).in_(
            select(TicketEvent.actor_id).where(
                col(TicketEvent.ticket_id).in_(ids_in_window), col(TicketEvent.actor_id).is_not(None)
            )
        )
    )
    users = {u.id: u for u in session.exec(select(User).where(people))}

    connection = session.connection()
    tickets = _raw_rows(
        connection,
        select(*_EXPORT_TICKET_COLUMNS, Ticket.building_id, Ticket.assignee_id, Ticket.resolved_by)
        .where(window)
        .order_by(col(Ticket.id)),
    )
    steps = _raw_rows(
        connection,
        select(
            TicketEvent.ticket_id,
            TicketEvent.at,
            TicketEvent.actor_id,
            TicketEvent.from_status,
            TicketEvent.to_status,
            TicketEvent.note,
        )
        .where(col(TicketEvent.ticket_id).in_(ids_in_window))
        .order_by(col(TicketEvent.ticket_id), col(TicketEvent.at), col(TicketEvent.id)),
    )
    try:
        pending = next(steps, None)
        for (
            number,
            created_at,
            location,
            category,
            urgent,
            status,
            anonymous,
            reporter_id,
            text,
            accepted_at,
            resolved_at,
            resolution_note,
            rejection_reason,
            rating,
            rating_comment,
            building_id,
            assignee_id,
            resolved_by,
        ) in tickets:
            anonymous = bool(anonymous)
            ticket = _new(
                ExportTicket,
                (
                    number,
                    _aware(created_at),
                    location,
                    category,
                    bool(urgent),
                    status,
                    anonymous,
                    None if anonymous else reporter_id,
                    text,
                    _aware(accepted_at),
                    _aware(resolved_at),
                    resolution_note,
                    rejection_reason,
                    rating,
                    rating_comment,
                ),
            )
            own: list[ExportEvent] = []
            while pending is not None and pending[0] < number:  # a step of a ticket outside the window
                pending = next(steps, None)
            while pending is not None and pending[0] == number:
                _, at, actor_id, from_status, to_status, note = pending
                # The reporter's own steps (creating it, rating it) would name them on an anonymous ticket.
                by_reporter = anonymous and actor_id is not None and actor_id == reporter_id
                if by_reporter:
                    actor_id = None
                step = _new(ExportStep, (_aware(at), actor_id, from_status, to_status, note))
                actor = users.get(actor_id) if actor_id is not None else None
                own.append(_new(ExportEvent, (step, actor, by_reporter)))
                pending = next(steps, None)
            yield _new(
                ExportRow,
                (
                    ticket,
                    buildings.get(building_id) if building_id is not None else None,
                    None if anonymous else users.get(reporter_id),
                    users.get(assignee_id) if assignee_id else None,
                    users.get(resolved_by) if resolved_by else None,
                    tuple(own),
                ),
            )
    finally:
        tickets.close()
        steps.close()


def _raw_rows(connection: Connection, query: Any) -> Generator[tuple[Any, ...], None, None]:
    """The driver's own rows, a batch at a time: no Row object or type conversion per value (for the export's
    hundreds of thousands of values; _aware does the one conversion they need)."""
    result = connection.execute(query)
    try:
        while batch := result.cursor.fetchmany(_BATCH):
            yield from batch
    finally:
        result.close()


def _aware(moment: datetime | str | None) -> datetime | None:
    """A time as the driver hands it over: SQLite's UTC text, or PostgreSQL's aware datetime."""
    if moment is None:
        return None
    if isinstance(moment, str):
        return datetime.fromisoformat(moment + "+00:00")  # stored as UTC without an offset
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _created_in(since: datetime, until: datetime) -> ColumnElement[bool]:
    return (col(Ticket.created_at) >= since) & (col(Ticket.created_at) < until)


def _utc(moment: datetime) -> datetime:
    # A naive time has no single meaning here (the bot's zone? UTC?): refuse it rather than guess.
    if moment.tzinfo is None:
        raise ValueError("stats windows need aware datetimes")
    return moment.astimezone(UTC)


def _counts(session: Session, query: Any) -> dict[Any, int]:
    return {key: int(n) for key, n in session.exec(query)}


def _workflow_order(counts: dict[str, int]) -> dict[str, int]:
    # A state this module does not know yet still counts, after the known ones.
    known = {s.value: counts[s] for s in _STATUS_ORDER if s in counts}
    return known | {k: n for k, n in sorted(counts.items()) if k not in known}


def _largest_first(counts: dict[Any, int]) -> dict[Any, int]:
    # Ties by name; a None key (no building) after the named ones.
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or "")))


def _durations(session: Session, start: Any, end: Any, *where: ColumnElement[bool]) -> list[float]:
    """Seconds from `start` to `end` (never negative) for the rows matching `where`, smallest first."""
    if session.get_bind().dialect.name == "sqlite":
        seconds: Any = (func.julianday(end) - func.julianday(start)) * 86400.0
    else:
        # As a double: PostgreSQL's extract gives numeric, which the driver makes a Decimal per row.
        seconds = cast(func.extract("epoch", end - start), Float)
    # Tens of thousands of plain numbers: straight from the driver's cursor, without a Row object for each
    # (nothing to convert); sorted here once for the median and the chart's buckets.
    result = session.connection().execute(select(seconds).where(*where, end.is_not(None)))
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    # Sorted at C speed; a negative duration (clocks set back) counts as none, and those come first.
    ordered = sorted(chain.from_iterable(rows))
    negative = bisect_left(ordered, 0.0)
    ordered[:negative] = [0.0] * negative
    return ordered


def _median(ordered: Sequence[float]) -> timedelta | None:
    """The median of sorted seconds, to the millisecond (julianday's floating point is finer than true)."""
    if not ordered:
        return None
    middle = len(ordered) // 2
    value = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return timedelta(seconds=round(value, 3))


# --- exports built outside the update's transaction


def queue_export(
    *,
    session: Session,
    chat_id: int,
    reply_to: int | None,
    user_id: int,
    days: int,
    csv: bool,
    since: datetime,
    until: datetime,
    notice_outbox_id: int | None,
    now: datetime,
) -> PendingExport:
    export = PendingExport(
        chat_id=chat_id,
        reply_to=reply_to,
        user_id=user_id,
        days=days,
        csv=csv,
        since=_utc(since),
        until=_utc(until),
        notice_outbox_id=notice_outbox_id,
        requested_at=now,
    )
    session.add(export)
    return export


def claim_exports(
    *, session: Session, now: datetime, lease: timedelta, notice_wait: timedelta, limit: int = 1
) -> list[PendingExport]:
    """Exports nobody is building, claimed until `now + lease` (a process that dies lets them go again).

    One whose notice has not reached the chat yet waits up to `notice_wait` for it, so the notice can be
    edited to the result rather than left saying it is still being built."""
    notice_pending = (
        select(OutboxMessage.id)
        .where(
            col(OutboxMessage.id) == col(PendingExport.notice_outbox_id),
            col(OutboxMessage.status) == OutboxStatus.PENDING,
        )
        .exists()
    )
    query = (
        select(PendingExport)
        .where(
            col(PendingExport.done_at).is_(None),
            col(PendingExport.claimed_until).is_(None) | (col(PendingExport.claimed_until) < now),
            ~notice_pending | (col(PendingExport.requested_at) < now - notice_wait),
        )
        .order_by(col(PendingExport.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    exports = list(session.exec(query))
    for export in exports:
        export.claimed_until = now + lease
        session.add(export)
    return exports


def exports_waiting(*, session: Session) -> bool:
    query = select(PendingExport.id).where(col(PendingExport.done_at).is_(None)).limit(1)
    return session.exec(query).first() is not None


def finish_export(*, session: Session, export: PendingExport, now: datetime) -> None:
    # By id: the export may have been claimed in another transaction.
    session.exec(
        update(PendingExport)
        .where(col(PendingExport.id) == export.id)
        .values(done_at=now, claimed_until=None)
    )


def notice_message_id(*, session: Session, export: PendingExport) -> int | None:
    """The chat's id for the export's notice, once the outbox has sent it."""
    if export.notice_outbox_id is None:
        return None
    row = session.get(OutboxMessage, export.notice_outbox_id)
    return row.sent_message_id if row is not None and row.status == OutboxStatus.SENT else None


_SNAPSHOT_ENGINES: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


@contextmanager
def read_snapshot(engine: Engine) -> Iterator[Session]:
    """A read-only session on one consistent snapshot, which takes no write lock.

    Every transaction of `engine` starts with BEGIN IMMEDIATE on SQLite (storage.db), the write lock; this
    one goes through a second engine on the same file that starts a plain deferred transaction: in WAL mode
    it reads the snapshot of its first read while writers carry on. On PostgreSQL it is a READ ONLY,
    REPEATABLE READ transaction."""
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        connection = engine.connect()  # one in-memory database: no second engine can see it
    elif engine.dialect.name == "sqlite":
        reader = _SNAPSHOT_ENGINES.get(engine)
        if reader is None:
            reader = create_engine(
                engine.url,
                connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None},
                poolclass=NullPool,
            )
            event.listen(reader, "begin", lambda conn: conn.exec_driver_sql("BEGIN DEFERRED"))
            _SNAPSHOT_ENGINES[engine] = reader
        connection = reader.connect()
    else:
        connection = engine.connect().execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
    try:
        with Session(bind=connection) as session:
            yield session
            session.rollback()  # nothing to keep: it only read
    finally:
        connection.close()
