"""吹哨: tickets past their time are raised again — first in the staff chat, one period later to the admins.

Deadlines come from the taxonomy (per category; urgent reports have their own). Each alert is raised once:
the ticket's alert counter moves in the same transaction as the queued message, and the rows are claimed
with SKIP LOCKED, so two bot processes never alert twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.actions import SendMessage
from handlers.context import Scope
from handlers.numbers.summaries import duration
from handlers.tickets import texts
from handlers.tickets.views import card_buttons
from handlers.views import building_name, display_name, snippet
from storage.models import Ticket, TicketStatus, User
from storage.people import get_building, get_user, users_by_ids
from storage.tickets import overdue_tickets


def deadlines(scope: Scope, *, category: str, urgent: bool, since: datetime) -> tuple[datetime, datetime]:
    accept_within, resolve_within = scope.config.classifier.taxonomy.sla_for(category, urgent)
    return since + accept_within, since + resolve_within


def _assignee_mention(user: User | None) -> str:
    if user is None:
        return texts.CARD_UNASSIGNED
    return f"@{user.username}" if user.username else display_name(user)


def raise_alerts(scope: Scope) -> int:
    raised = 0
    for ticket in overdue_tickets(session=scope.session, now=scope.now):
        accept_within, resolve_within = scope.config.classifier.taxonomy.sla_for(
            ticket.category, ticket.urgent
        )
        # A bot that was down may find a ticket two periods late: it still raises each level once, in order.
        if ticket.status == TicketStatus.RECEIVED and ticket.accept_due_at is not None:
            level = _level(scope.now, ticket.accept_due_at, accept_within)
            for step in range(ticket.accept_alerts + 1, level + 1):
                _alert(scope, ticket, step, texts.ESC_NOT_ACCEPTED, accept_within)
                raised += 1
            ticket.accept_alerts = max(level, ticket.accept_alerts)
        elif ticket.resolve_due_at is not None:
            level = _level(scope.now, ticket.resolve_due_at, resolve_within)
            for step in range(ticket.resolve_alerts + 1, level + 1):
                _alert(scope, ticket, step, texts.ESC_NOT_RESOLVED, resolve_within)
                raised += 1
            ticket.resolve_alerts = max(level, ticket.resolve_alerts)
        scope.session.add(ticket)
    return raised


def _level(now: datetime, due: datetime, period: timedelta) -> int:
    """1 once the deadline passed, 2 once a second period passed too."""
    return 2 if now >= due + period else 1 if now >= due else 0


def _alert(scope: Scope, ticket: Ticket, level: int, what: str, limit: timedelta) -> None:
    elapsed = duration(scope.now - ticket.created_at)
    building = building_name(get_building(session=scope.session, building_id=ticket.building_id))
    if level == 1 and scope.config.staff_chat_id is not None:
        assignee = get_user(session=scope.session, user_id=ticket.assignee_id) if ticket.assignee_id else None
        text = texts.ESCALATION_STAFF.format(
            number=ticket.id,
            building=building,
            category=scope.config.classifier.taxonomy.name_of(ticket.category),
            what=what,
            elapsed=elapsed,
            limit=duration(limit),
            assignee=_assignee_mention(assignee),
            snippet=snippet(ticket.text, 60),
        )
        scope.later(SendMessage(chat_id=scope.config.staff_chat_id, text=text, keyboard=card_buttons(ticket)))
        return
    text = texts.ESCALATION_ADMIN.format(
        number=ticket.id, building=building, what=what, elapsed=elapsed, limit=duration(limit)
    )
    for admin in users_by_ids(session=scope.session, ids=scope.config.admin_ids):
        if admin.private_chat_open:  # the bot may only write to people who started it
            scope.later(SendMessage(chat_id=admin.id, text=text))
