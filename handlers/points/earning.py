"""Paying points by the book: once per rule and reference, within each rule's caps, never to oneself.

A report pays its reporter when staff first take it on (受理 or 处理中) or resolve it; a rejection or a merge
takes back what it paid. Nothing is paid on submission, so typing reports earns nothing by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers.context import Scope
from handlers.points.book import Rule, book_of
from storage import points as ledger
from storage.models import PointsEntry, Ticket, TicketStatus, User
from storage.people import member_buildings

PAYING_MOVES = (TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED)
TAKING_BACK_MOVES = (TicketStatus.REJECTED, TicketStatus.MERGED)


def day_start(scope: Scope) -> datetime:
    local = scope.now.astimezone(scope.config.tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def month_start(scope: Scope, moment: datetime | None = None) -> datetime:
    local = (moment or scope.now).astimezone(scope.config.tz)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def month_key(scope: Scope) -> str:
    """The community's current month as the ledger counts it ("2026-11")."""
    return scope.now.astimezone(scope.config.tz).strftime("%Y-%m")


def room_under_caps(scope: Scope, rule: Rule, user_id: int) -> int | None:
    """How many more points `rule` may pay this resident today and this month; None for no cap."""
    if rule.daily_cap is None and rule.monthly_cap is None:
        return None
    paid = ledger.earned_by_rule(
        session=scope.session, user_id=user_id, rule=rule.code, day=day_start(scope), month=month_start(scope)
    )
    caps = (rule.daily_cap, rule.monthly_cap)
    return min(max(cap - so_far, 0) for cap, so_far in zip(caps, paid, strict=True) if cap)


def home_building_id(scope: Scope, user: User, known: int | None = None) -> int | None:
    """Where the resident lives, for the rank: as they told the bot, else where the caller knows them from
    (the building of the poll they voted in, of the report they filed), else their building's group."""
    if user.building_id is not None or known is not None:
        return user.building_id or known
    groups = member_buildings(session=scope.session, user_id=user.id)
    return groups[0].id if groups else None


@dataclass(frozen=True, slots=True)
class Paid:
    entry: PointsEntry | None  # None: paid before under this key, or no room under the caps
    capped: bool = False


def pay(
    scope: Scope,
    rule: Rule,
    user: User,
    *,
    key: str,
    ref: str | None = None,
    amount: int | None = None,
    granted_by: int | None = None,
    approved_by: int | None = None,
    note: str = "",
    building_id: int | None = None,
) -> Paid:
    """Pay `rule` to the resident once for `key`; a cap pays what room is left (nothing when none)."""
    ledger.lock_ledger(session=scope.session)  # the cap read and the payment are one step
    want = rule.amount if amount is None else amount
    room = room_under_caps(scope, rule, user.id)
    give = want if room is None else min(want, room)
    if give <= 0:
        # Nothing to pay; `post` would have said whether it was paid before, so ask here.
        return Paid(None, capped=ledger.entry_by_key(session=scope.session, key=key) is None)
    entry = ledger.post(
        session=scope.session,
        from_account=ledger.POOL,
        to_account=ledger.resident(user.id),
        amount=give,
        rule=rule.code,
        key=key,
        user_id=user.id,
        building_id=home_building_id(scope, user, building_id),
        ref=ref,
        granted_by=granted_by,
        approved_by=approved_by,
        note=note,
        now=scope.now,
        month=month_key(scope),
    )
    return Paid(entry, capped=give < want)


def report_key(ticket: Ticket) -> str:
    return f"report:{ticket.id}"


def after_ticket_move(scope: Scope, ticket: Ticket, to: TicketStatus, *, actor: User | None) -> None:
    """The points side of a ticket's move (called by the ticket workflow)."""
    if to in PAYING_MOVES:
        if actor is not None and actor.id == ticket.reporter_id:
            return  # staff taking on their own report earn nothing by it
        reporter = scope.session.get(User, ticket.reporter_id)
        if reporter is not None:
            pay(
                scope,
                book_of(scope).rule("report"),
                reporter,
                key=report_key(ticket),
                ref=f"ticket:{ticket.id}",
                note=str(to),
                building_id=ticket.building_id,
            )
    elif to in TAKING_BACK_MOVES:
        paid = ledger.entry_by_key(session=scope.session, key=report_key(ticket))
        if paid is not None:
            ledger.reverse(
                session=scope.session,
                entry=paid,
                now=scope.now,
                granted_by=actor.id if actor else None,
                note=str(to),
                month=month_key(scope),
            )
