"""The ticket's life, and its one owner: every change of state, owner, rating or merge happens here.

已收到 → 已受理 → 处理中 → 已解决 → 已评价, plus 已驳回 (with a reason), 已合并 (a duplicate), and reopening
(已解决 → 已受理) when the reporter is not satisfied. Which moves are allowed is the one table in
tickets/states.py; storage only saves what is decided here. Also here: who hears about each move, and the
points a move pays or takes back (points/earning.py).
"""

from __future__ import annotations

from handlers import texts as common
from handlers.actions import Action, Media, SendMessage
from handlers.context import Scope
from handlers.points.earning import after_ticket_move
from handlers.tickets import texts
from handlers.tickets.cards import card_edits
from handlers.tickets.notify import tell_reporters
from handlers.tickets.states import ALLOWED, S
from handlers.tickets.views import rating_keyboard
from handlers.views import display_name, snippet
from storage.models import Rating, Ticket, TicketStatus, User
from storage.people import get_user
from storage.tickets import merge_into, record_transition


def refusal(ticket: Ticket, to: TicketStatus) -> str | None:
    """Why `ticket` cannot move to `to`, in one short line; None when it can."""
    if to in ALLOWED[TicketStatus(ticket.status)]:
        return None
    if ticket.status == to:
        return texts.ALREADY_IN_STATE.format(number=ticket.id, status=common.STATUS_NAMES[to])
    if to == S.RATED:
        return texts.RATE_ONLY_RESOLVED.format(number=ticket.id)
    return texts.CANNOT_MOVE.format(
        number=ticket.id, status=common.STATUS_NAMES[ticket.status], to=common.STATUS_NAMES[to]
    )


def move(
    scope: Scope,
    ticket: Ticket,
    to: TicketStatus,
    *,
    actor: User | None,
    note: str | None = None,
    photo_file_id: str | None = None,
) -> str | None:
    """Carry out an allowed move with its bookkeeping; returns the refusal instead when it is not allowed.

    `photo_file_id` is the after-photo a resolution may carry.
    """
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
    if (
        to in (S.ACCEPTED, S.IN_PROGRESS)
        and ticket.assignee_id is None
        and actor is not None
        and not reopening
    ):
        # Whoever takes it on owns it. A reopening keeps the owner it had (or none): the reporter who
        # tapped 不满意 never becomes its handler.
        ticket.assignee_id = actor.id
    if to == S.RESOLVED:
        ticket.resolved_at, ticket.resolved_by, ticket.resolution_note = (
            scope.now,
            actor.id if actor else None,
            note,
        )
        if photo_file_id is not None:
            ticket.after_photo_file_id = photo_file_id
    if to == S.REJECTED:
        ticket.rejection_reason = note
    if not reopening:
        after_ticket_move(scope, ticket, to, actor=actor)
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


def assign(scope: Scope, ticket: Ticket, *, assignee: User, actor: User) -> None:
    """Give the ticket an owner; an unaccepted ticket counts as accepted by being assigned."""
    ticket.assignee_id = assignee.id
    scope.session.add(ticket)
    if ticket.status == S.RECEIVED:
        move(scope, ticket, S.ACCEPTED, actor=actor, note=display_name(assignee))


def rate(scope: Scope, ticket: Ticket, rating: Rating, *, reporter: User) -> str | None:
    """满意 / 一般 closes the ticket as rated; returns the refusal when it cannot be rated."""
    refused = refusal(ticket, S.RATED)
    if refused is not None:
        return refused
    ticket.rating, ticket.rating_comment, ticket.rated_at = rating, None, scope.now
    return move(scope, ticket, S.RATED, actor=reporter, note=common.RATING_NAMES[rating])


def merge(scope: Scope, ticket: Ticket, *, into: Ticket, reporter: User) -> str | None:
    """The reporter says it is the same thing: this ticket folds into `into`, and they follow that one."""
    refused = move(scope, ticket, S.MERGED, actor=reporter, note=f"#{into.id}")
    if refused is not None:
        return refused
    merge_into(session=scope.session, ticket=ticket, target=into, now=scope.now)
    return None


def reopen(scope: Scope, ticket: Ticket, *, reporter: User, why: str) -> list[Action]:
    """不满意: the ticket goes back to staff with the reporter's words, to the owner it had."""
    refused = refusal(ticket, S.ACCEPTED)
    if refused is not None:
        return []
    ticket.rating, ticket.rating_comment, ticket.rated_at = Rating.UNSATISFIED, why, scope.now
    move(scope, ticket, S.ACCEPTED, actor=reporter, note=why)
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
