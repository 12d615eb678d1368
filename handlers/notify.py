"""Telling everyone who reported a ticket about it: the reporter and the neighbours who joined it."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.actions import InlineKeyboard, Media, SendMessage
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
    """The original reporter first, then everyone who joined."""
    first = Reporter(ticket.reporter_id, ticket.chat_id, ticket.message_id)
    joined = followers_of(session=scope.session, ticket_id=ticket.id or 0)
    return [first, *(Reporter(f.user_id, f.chat_id, f.message_id) for f in joined)]


def tell_reporters(
    scope: Scope,
    ticket: Ticket,
    *,
    public: str,
    private: str,
    media: Media | None = None,
    reporter_keyboard: InlineKeyboard | None = None,
) -> None:
    """A reply to each report where it was made, and a private message to those who started the bot.

    The public text never names a reporter: group chats see the ticket number and the news. The original
    reporter's buttons (e.g. the rating) go where only they read it: their private chat when they have one.
    """
    told_privately: set[int] = set()
    for index, reporter in enumerate(reporters(scope, ticket)):
        user = get_user(session=scope.session, user_id=reporter.user_id)
        reached_privately = user is not None and user.private_chat_open
        keyboard = reporter_keyboard if index == 0 else None
        in_private_chat = reporter.chat_id == reporter.user_id
        here = keyboard if in_private_chat or not reached_privately else None
        scope.later(
            SendMessage(
                chat_id=reporter.chat_id,
                text=private if in_private_chat else public,
                reply_to=reporter.message_id,
                media=media,
                keyboard=here,
            )
        )
        if in_private_chat:
            told_privately.add(reporter.user_id)
        elif reached_privately and reporter.user_id not in told_privately:
            told_privately.add(reporter.user_id)
            dm_keyboard = keyboard if here is None else None
            scope.later(
                SendMessage(chat_id=reporter.user_id, text=private, media=media, keyboard=dm_keyboard)
            )
