"""The staff card: one message per ticket in the staff chat, edited in place as the ticket moves."""

from __future__ import annotations

from handlers.actions import EditMessage, Media, SendMessage
from handlers.context import Ctx
from handlers.render import ticket_card
from storage.models import Ticket
from storage.people import get_building, get_user


def _render(ctx: Ctx, ticket: Ticket) -> tuple[str, object]:
    return ticket_card(
        ticket=ticket,
        building=get_building(session=ctx.session, building_id=ticket.building_id),
        reporter=get_user(session=ctx.session, user_id=ticket.reporter_id),
        resolver=get_user(session=ctx.session, user_id=ticket.resolved_by) if ticket.resolved_by else None,
        tz=ctx.config.tz,
    )


def _media(ticket: Ticket) -> Media | None:
    if ticket.photo_file_id:
        return Media(kind="photo", file_id=ticket.photo_file_id)
    if ticket.voice_file_id:
        return Media(kind="voice", file_id=ticket.voice_file_id)
    return None


def post_card(ctx: Ctx, ticket: Ticket) -> None:
    """Queue the card; the outbox records its message id on the ticket once sent."""
    if ctx.config.staff_chat_id is None:
        return
    text, keyboard = _render(ctx, ticket)
    card = SendMessage(chat_id=ctx.config.staff_chat_id, text=text, keyboard=keyboard, media=_media(ticket))
    ctx.later(card, card_for_ticket_id=ticket.id)


def card_edit(ctx: Ctx, ticket: Ticket) -> EditMessage | None:
    """The edit that brings the card up to date, or None while the card is not sent yet."""
    if ticket.card_chat_id is None or ticket.card_message_id is None:
        return None
    text, keyboard = _render(ctx, ticket)
    return EditMessage(
        chat_id=ticket.card_chat_id,
        message_id=ticket.card_message_id,
        text=text,
        keyboard=keyboard,
        caption=_media(ticket) is not None,
    )
