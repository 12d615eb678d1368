"""Telling everyone who reported a ticket about it: the reporter and the neighbours who joined it."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.actions import SendMessage
from handlers.context import Scope
from storage.models import Ticket
from storage.people import get_user
from storage.tickets import followers_of


@dataclass(frozen=True, slots=True)
class Reporter:
    user_id: int
    chat_id: int
    message_id: int


def reporters(scope: Scope, ticket: Ticket) -> list[Reporter]:
    first = Reporter(ticket.reporter_id, ticket.chat_id, ticket.message_id)
    joined = [
        Reporter(f.user_id, f.chat_id, f.message_id)
        for f in followers_of(session=scope.session, ticket_id=ticket.id or 0)
    ]
    return [first, *joined]


def tell_reporters(scope: Scope, ticket: Ticket, *, public: str, private: str) -> None:
    """A reply to each report where it was made, and a private message to those who started the bot.

    The public text never names anyone: group chats see only the ticket number and the news.
    """
    told_privately: set[int] = set()
    for reporter in reporters(scope, ticket):
        is_private_chat = reporter.chat_id == reporter.user_id
        scope.later(
            SendMessage(
                chat_id=reporter.chat_id,
                text=private if is_private_chat else public,
                reply_to=reporter.message_id,
            )
        )
        if is_private_chat:
            told_privately.add(reporter.user_id)
            continue
        user = get_user(session=scope.session, user_id=reporter.user_id)
        if user is not None and user.private_chat_open and user.id not in told_privately:
            told_privately.add(user.id)
            scope.later(SendMessage(chat_id=user.id, text=private))
