"""Numbers for staff: ticket counts, response times and satisfaction over a window, and rows for export.

Counts are aggregated in SQL; medians are taken in Python so the same code gives the same answer on SQLite
and PostgreSQL (SQLite has no percentile function). A window is half-open: `since <= t < until`.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select

from storage.models import Building, Rating, Ticket, TicketEvent, TicketStatus, User

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


@dataclass(frozen=True)
class ExportEvent:
    event: TicketEvent
    # Who took the step; None when event.actor_id is None (the bot itself), when they are not on record, or
    # when `by_anonymous_reporter`.
    actor: User | None
    # The reporter's own step (creating it, rating it) on an anonymous ticket: not to be named.
    by_anonymous_reporter: bool = False


@dataclass(frozen=True)
class ExportRow:
    ticket: Ticket
    building: str | None  # None: the ticket has no building
    reporter: User | None  # None when ticket.anonymous, or when not on record (then ticket.reporter_id)
    assignee: User | None  # ticket.assignee_id's user, None when it has none
    resolver: User | None  # ticket.resolved_by's user: who resolved it, None while it is not resolved
    events: tuple[ExportEvent, ...]  # oldest first


def ticket_stats(*, session: Session, since: datetime, until: datetime) -> TicketStats:
    since, until = _utc(since), _utc(until)
    created = _created_in(since, until) & (col(Ticket.status) != TicketStatus.MERGED)

    by_status = _workflow_order(
        _counts(session, select(Ticket.status, func.count()).where(created).group_by(Ticket.status))
    )
    by_category = _largest_first(
        _counts(session, select(Ticket.category, func.count()).where(created).group_by(Ticket.category))
    )
    building_query = (
        select(Building.name, func.count())
        .select_from(Ticket)
        .outerjoin(Building, col(Ticket.building_id) == col(Building.id))
        .where(created)
        .group_by(Building.name)
    )
    by_building = _largest_first({name: n for name, n in session.exec(building_query)})

    accepted = session.exec(
        select(Ticket.created_at, Ticket.accepted_at).where(
            col(Ticket.accepted_at).is_not(None),
            col(Ticket.accepted_at) >= since,
            col(Ticket.accepted_at) < until,
            col(Ticket.status) != TicketStatus.MERGED,
        )
    )
    accept_seconds = [_seconds(start, end) for start, end in accepted]
    resolved = session.exec(
        select(Ticket.created_at, Ticket.resolved_at).where(
            col(Ticket.resolved_at).is_not(None),
            col(Ticket.resolved_at) >= since,
            col(Ticket.resolved_at) < until,
            col(Ticket.status).in_(_RESOLVED),
        )
    )
    resolve_seconds = [_seconds(start, end) for start, end in resolved]

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
        resolve_hours=sorted(s / 3600 for s in resolve_seconds),
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
    since, until = _utc(since), _utc(until)
    window = _created_in(since, until)
    tickets = list(session.exec(select(Ticket).where(window).order_by(col(Ticket.id))))
    if not tickets:
        return []
    # Three queries in all, whatever the number of tickets; the subquery avoids a huge IN (...) list.
    ids_in_window = select(Ticket.id).where(window)
    events = session.exec(
        select(TicketEvent)
        .where(col(TicketEvent.ticket_id).in_(ids_in_window))
        .order_by(col(TicketEvent.ticket_id), col(TicketEvent.at), col(TicketEvent.id))
    )
    events_of: dict[int, list[TicketEvent]] = {}
    for event in events:
        events_of.setdefault(event.ticket_id, []).append(event)

    building_ids = {t.building_id for t in tickets if t.building_id is not None}
    buildings = (
        {b.id: b.name for b in session.exec(select(Building).where(col(Building.id).in_(building_ids)))}
        if building_ids
        else {}
    )
    user_ids = {t.reporter_id for t in tickets}
    user_ids |= {t.assignee_id for t in tickets if t.assignee_id}
    user_ids |= {t.resolved_by for t in tickets if t.resolved_by}
    user_ids |= {e.actor_id for es in events_of.values() for e in es if e.actor_id is not None}
    users = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(user_ids)))}

    rows = []
    for ticket in tickets:
        own_events = events_of.get(ticket.id or 0, [])
        rows.append(
            ExportRow(
                ticket=ticket,
                building=buildings.get(ticket.building_id or 0),
                reporter=None if ticket.anonymous else users.get(ticket.reporter_id),
                assignee=users.get(ticket.assignee_id) if ticket.assignee_id else None,
                resolver=users.get(ticket.resolved_by) if ticket.resolved_by else None,
                events=tuple(_export_event(e, ticket, users) for e in own_events),
            )
        )
    return rows


def _export_event(event: TicketEvent, ticket: Ticket, users: dict[int, User]) -> ExportEvent:
    if event.actor_id is None:
        return ExportEvent(event=event, actor=None)
    # The reporter's own steps (creating it, rating it) would name them on an anonymous ticket.
    if ticket.anonymous and event.actor_id == ticket.reporter_id:
        return ExportEvent(event=event, actor=None, by_anonymous_reporter=True)
    return ExportEvent(event=event, actor=users.get(event.actor_id))


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


def _seconds(start: datetime, end: datetime | None) -> float:
    assert end is not None  # the query asked for rows where it is set
    return max((end - start).total_seconds(), 0.0)


def _median(seconds: Sequence[float]) -> timedelta | None:
    return timedelta(seconds=statistics.median(seconds)) if seconds else None
