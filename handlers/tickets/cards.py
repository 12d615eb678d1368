"""The staff card: one message per ticket in the staff chat, edited in place as the ticket moves."""

from __future__ import annotations

from handlers import texts as common
from handlers.actions import EditMessage, InlineKeyboard, Media, SendMessage
from handlers.context import Scope
from handlers.tickets.views import CardPeople, ticket_card
from handlers.views import display_name
from storage.models import Ticket, TicketStatus
from storage.people import get_building, get_user
from storage.tickets import events_of, followers_of, release_hold


def reporter_names(scope: Scope, ticket: Ticket, *, reveal: bool = False) -> list[str]:
    """Everyone who reported it; an anonymous reporter is 匿名 unless `reveal` (admins in private)."""
    session = scope.session
    first = (
        common.ANONYMOUS
        if ticket.anonymous and not reveal
        else display_name(get_user(session=session, user_id=ticket.reporter_id))
    )
    joined = [
        display_name(get_user(session=session, user_id=f.user_id))
        for f in followers_of(session=session, ticket_id=ticket.id or 0)
    ]
    return [first, *joined]


def _name(scope: Scope, user_id: int | None) -> str | None:
    return display_name(get_user(session=scope.session, user_id=user_id)) if user_id else None


def render_card(scope: Scope, ticket: Ticket) -> tuple[str, InlineKeyboard | None]:
    closer = ticket.resolved_by
    if ticket.status == TicketStatus.REJECTED:
        closer = next(
            (e.actor_id for e in reversed(events_of(session=scope.session, ticket_id=ticket.id or 0))), None
        )
    people = CardPeople(
        reporters=reporter_names(scope, ticket),
        assignee=_name(scope, ticket.assignee_id),
        closer=_name(scope, closer),
    )
    return ticket_card(
        ticket=ticket,
        building=get_building(session=scope.session, building_id=ticket.building_id),
        people=people,
        taxonomy=scope.config.classifier.taxonomy,
        tz=scope.config.tz,
    )


def _media(ticket: Ticket) -> Media | None:
    if ticket.photo_file_id:
        return Media(kind="photo", file_id=ticket.photo_file_id)
    if ticket.voice_file_id:
        return Media(kind="voice", file_id=ticket.voice_file_id)
    return None


def post_card(scope: Scope, ticket: Ticket) -> None:
    """Queue the card (pinned when urgent); the outbox records its message id on the ticket once sent."""
    if scope.config.staff_chat_id is None:
        return
    text, keyboard = render_card(scope, ticket)
    card = SendMessage(
        chat_id=scope.config.staff_chat_id,
        text=text,
        keyboard=keyboard,
        media=_media(ticket),
        pin=ticket.urgent,
    )
    scope.later(card, card_for_ticket_id=ticket.id)


def card_edits(scope: Scope, ticket: Ticket, keyboard: InlineKeyboard | None = None) -> list[EditMessage]:
    """The edit that brings the card up to date (or shows other buttons); none while the card is unsent."""
    if ticket.card_chat_id is None or ticket.card_message_id is None:
        return []
    text, own_keyboard = render_card(scope, ticket)
    edit = EditMessage(
        chat_id=ticket.card_chat_id,
        message_id=ticket.card_message_id,
        text=text,
        keyboard=keyboard or own_keyboard,
        caption=_media(ticket) is not None,
    )
    return [edit]


def release_to_staff(scope: Scope, ticket: Ticket) -> None:
    """A held report stops waiting for its reporter and reaches staff."""
    release_hold(session=scope.session, ticket=ticket)
    post_card(scope, ticket)
