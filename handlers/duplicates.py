"""The reporter's answer to "邻居已经报过 #12": join that ticket, or file theirs as a new one."""

from __future__ import annotations

from handlers import texts
from handlers.actions import Action, AnswerButton, EditMessage
from handlers.cards import card_edit, post_card
from handlers.context import Ctx
from handlers.events import ButtonPress
from handlers.render import receipt
from storage.models import Hold, Ticket
from storage.tickets import get_ticket, merge_into, release_hold


def _waiting(ctx: Ctx, press: ButtonPress, ticket_id: int) -> Ticket | AnswerButton:
    ticket = get_ticket(session=ctx.session, ticket_id=ticket_id, for_update=True)
    if ticket is None:
        return AnswerButton(callback_id=press.callback_id, text=texts.BUTTON_INVALID)
    if ticket.reporter_id != ctx.user.id:
        return AnswerButton(callback_id=press.callback_id, text=texts.ONLY_THE_REPORTER)
    if ticket.hold_reason != Hold.DUPLICATE:
        return AnswerButton(callback_id=press.callback_id, text=texts.ALREADY_DECIDED)
    return ticket


def join(ctx: Ctx, press: ButtonPress, ticket_id: int, earlier_id: int) -> list[Action]:
    ticket = _waiting(ctx, press, ticket_id)
    if isinstance(ticket, AnswerButton):
        return [ticket]
    earlier = get_ticket(session=ctx.session, ticket_id=earlier_id)
    if earlier is None or ticket.duplicate_of != earlier_id:
        return [AnswerButton(callback_id=press.callback_id, text=texts.BUTTON_INVALID)]
    merge_into(session=ctx.session, ticket=ticket, target=earlier, now=ctx.now)
    card = card_edit(ctx, earlier)  # shows one more neighbour on the earlier card
    return [
        AnswerButton(callback_id=press.callback_id),
        EditMessage(
            chat_id=press.chat.id, message_id=press.message_id, text=texts.JOINED.format(number=earlier.id)
        ),
        *([card] if card else []),
    ]


def not_duplicate(ctx: Ctx, press: ButtonPress, ticket_id: int) -> list[Action]:
    ticket = _waiting(ctx, press, ticket_id)
    if isinstance(ticket, AnswerButton):
        return [ticket]
    ticket.duplicate_of = None
    release_hold(session=ctx.session, ticket=ticket)
    post_card(ctx, ticket)
    text, keyboard = receipt(ticket, ctx.config.classifier.taxonomy)
    return [
        AnswerButton(callback_id=press.callback_id),
        EditMessage(chat_id=press.chat.id, message_id=press.message_id, text=text, keyboard=keyboard),
    ]
