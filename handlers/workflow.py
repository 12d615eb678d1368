"""The ticket's life: which moves are allowed (in one table), and who hears about each move.

已收到 → 已受理 → 处理中 → 已解决 → 已评价, plus 已驳回 (with a reason), 已合并 (a duplicate), and reopening
(已解决 → 已受理) when the reporter is not satisfied.
"""

from __future__ import annotations

from handlers import texts
from handlers.actions import Action, Media, SendMessage
from handlers.cards import card_edits
from handlers.context import Scope
from handlers.notify import tell_reporters
from handlers.render import display_name, rating_keyboard, snippet
from handlers.states import ALLOWED, S
from storage.models import Rating, Ticket, TicketStatus, User
from storage.people import get_user
from storage.tickets import record_transition


def refusal(ticket: Ticket, to: TicketStatus) -> str | None:
    """Why `ticket` cannot move to `to`, in one short line; None when it can."""
    if to in ALLOWED[TicketStatus(ticket.status)]:
        return None
    if ticket.status == to:
        return texts.ALREADY_IN_STATE.format(number=ticket.id, status=texts.STATUS_NAMES[to])
    if to == S.RATED:
        return texts.RATE_ONLY_RESOLVED.format(number=ticket.id)
    return texts.CANNOT_MOVE.format(
        number=ticket.id, status=texts.STATUS_NAMES[ticket.status], to=texts.STATUS_NAMES[to]
    )


def move(
    scope: Scope, ticket: Ticket, to: TicketStatus, *, actor: User | None, note: str | None = None
) -> str | None:
    """Carry out an allowed move with its bookkeeping; returns the refusal instead when it is not allowed."""
    reason = refusal(ticket, to)
    if reason is not None:
        return reason
    reopening = ticket.status == S.RESOLVED and to == S.ACCEPTED
    record_transition(
        session=scope.session,
        ticket=ticket,
        to=to,
        actor_id=actor.id if actor else None,
        note=note,
        now=scope.now,
    )
    if to == S.ACCEPTED and ticket.accepted_at is None:
        ticket.accepted_at = scope.now
    if to in (S.ACCEPTED, S.IN_PROGRESS) and ticket.assignee_id is None and actor is not None:
        ticket.assignee_id = actor.id
    if to == S.RESOLVED:
        ticket.resolved_at, ticket.resolved_by, ticket.resolution_note = (
            scope.now,
            actor.id if actor else None,
            note,
        )
    if to == S.REJECTED:
        ticket.rejection_reason = note
    if reopening:
        # The clock to resolve starts again, and so do its alerts.
        _, resolve_within = scope.config.classifier.taxonomy.sla_for(ticket.category, ticket.urgent)
        ticket.resolved_at = ticket.resolved_by = ticket.resolution_note = None
        ticket.resolve_due_at, ticket.resolve_alerts = scope.now + resolve_within, 0
    return None


# --- what each move tells whom


def announce(scope: Scope, ticket: Ticket, *, actor: User | None) -> list[Action]:
    """After a move: tell the reporters what matters to them, and bring the staff card up to date."""
    number = ticket.id
    match ticket.status:
        case S.ACCEPTED:
            handler = (
                get_user(session=scope.session, user_id=ticket.assignee_id) if ticket.assignee_id else actor
            )
            text = texts.NOTICE_ACCEPTED.format(number=number, name=display_name(handler))
            tell_reporters(scope, ticket, public=text, private=text)
        case S.RESOLVED:
            note = (
                f"\n{texts.CARD_NOTE.format(note=ticket.resolution_note)}" if ticket.resolution_note else ""
            )
            public = texts.RESOLVED_NOTICE.format(number=number) + note
            private = texts.RESOLVED_PRIVATE.format(number=number, snippet=snippet(ticket.text)) + note
            photo = (
                Media(kind="photo", file_id=ticket.after_photo_file_id)
                if ticket.after_photo_file_id
                else None
            )
            tell_reporters(
                scope,
                ticket,
                public=public,
                private=private,
                media=photo,
                reporter_keyboard=rating_keyboard(ticket),
            )
        case S.REJECTED:
            text = texts.NOTICE_REJECTED.format(number=number, reason=ticket.rejection_reason or "")
            tell_reporters(scope, ticket, public=text, private=text)
    return card_edits(scope, ticket)


def reopen(scope: Scope, ticket: Ticket, *, reporter: User, why: str) -> list[Action]:
    """不满意: the ticket goes back to staff with the reporter's words."""
    ticket.rating, ticket.rating_comment, ticket.rated_at = Rating.UNSATISFIED, why, scope.now
    refused = move(scope, ticket, S.ACCEPTED, actor=reporter, note=why)
    if refused is not None:
        return []
    if scope.config.staff_chat_id is not None:
        scope.later(
            SendMessage(
                chat_id=scope.config.staff_chat_id,
                text=texts.STAFF_REOPENED.format(number=ticket.id, why=why),
            )
        )
    tell_reporters(
        scope,
        ticket,
        public=texts.NOTICE_REOPENED.format(number=ticket.id),
        private=texts.NOTICE_REOPENED.format(number=ticket.id),
    )
    return card_edits(scope, ticket)
