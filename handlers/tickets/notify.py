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
    """One message per reporter where they reported: a reply in the group, or in the private chat.

    A private copy of group news goes only to those who asked for it (私聊提醒) and to an anonymous reporter,
    whose group message was never pointed at. The public text never names a reporter. The original
    reporter's buttons (e.g. the rating) go with their private copy when there is one, else with the reply;
    an anonymous reporter's never go to the group, where pressing them would give the reporter away.
    """
    told_privately: set[int] = set()
    for index, reporter in enumerate(reporters(scope, ticket)):
        user = get_user(session=scope.session, user_id=reporter.user_id)
        reachable = user is not None and user.private_chat_open
        keyboard = reporter_keyboard if index == 0 else None
        anonymous = index == 0 and ticket.anonymous
        if reporter.chat_id == reporter.user_id:  # reported in the private chat
            told_privately.add(reporter.user_id)
            scope.later(
                SendMessage(
                    chat_id=reporter.chat_id,
                    text=private,
                    reply_to=reporter.message_id,
                    media=media,
                    keyboard=keyboard,
                )
            )
            continue
        copy = reachable and (anonymous or (user is not None and user.private_notices))
        copy = copy and reporter.user_id not in told_privately
        scope.later(
            SendMessage(
                chat_id=reporter.chat_id,
                text=public,
                reply_to=None if anonymous else reporter.message_id,
                media=media,
                keyboard=None if copy or anonymous else keyboard,
            )
        )
        if copy:
            told_privately.add(reporter.user_id)
            scope.later(SendMessage(chat_id=reporter.user_id, text=private, media=media, keyboard=keyboard))
