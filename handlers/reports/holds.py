"""Work the clock starts, not a person: run by the runtime every few seconds, safe with two processes."""

from __future__ import annotations

from handlers.actions import SendMessage
from handlers.context import Scope
from handlers.reports.views import receipt
from handlers.tickets.cards import release_to_staff
from storage.models import Hold, SortState
from storage.tickets import due_holds


def release_held_reports(scope: Scope) -> int:
    """Reports whose reporter did not answer in time reach staff anyway: nothing waits on a question."""
    released = due_holds(session=scope.session, now=scope.now)
    for ticket in released:
        if ticket.hold_reason == Hold.CATEGORY:
            ticket.sort_state = SortState.UNSORTED
        elif ticket.hold_reason == Hold.DUPLICATE:
            # They were shown the earlier ticket's number, never their own: tell them now.
            text, keyboard = receipt(ticket, scope.config.classifier.taxonomy)
            scope.later(
                SendMessage(chat_id=ticket.chat_id, text=text, reply_to=ticket.message_id, keyboard=keyboard)
            )
        release_to_staff(scope, ticket)
    return len(released)
