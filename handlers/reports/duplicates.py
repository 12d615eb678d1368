"""The reporter's answer to "邻居已经报过 #12": join that ticket, or file theirs as a new one."""

from __future__ import annotations

from handlers import texts as common
from handlers.actions import Action, AnswerButton, EditMessage
from handlers.context import Ctx
from handlers.events import ButtonPress
from handlers.reports import texts
from handlers.reports.buttons import JoinTicket, NotDuplicate
from handlers.reports.views import receipt
from handlers.tickets.cards import card_edits, release_to_staff
from handlers.tickets.workflow import merge
from storage.models import Hold, Ticket
from storage.tickets import get_ticket


def _waiting(ctx: Ctx, press: ButtonPress, ticket_id: int) -> Ticket | AnswerButton:
    ticket = get_ticket(session=ctx.session, ticket_id=ticket_id, for_update=True)
    if ticket is None:
        return AnswerButton(callback_id=press.callback_id, text=common.BUTTON_INVALID)
    if ticket.reporter_id != ctx.user.id:
        return AnswerButton(callback_id=press.callback_id, text=texts.ONLY_THE_REPORTER)
    if ticket.hold_reason != Hold.DUPLICATE:
        return AnswerButton(callback_id=press.callback_id, text=common.ALREADY_DECIDED)
    return ticket


def join(ctx: Ctx, press: ButtonPress, data: JoinTicket) -> list[Action]:
    earlier_id = data.earlier
    ticket = _waiting(ctx, press, data.ticket)
    if isinstance(ticket, AnswerButton):
        return [ticket]
    earlier = get_ticket(session=ctx.session, ticket_id=earlier_id)
    if earlier is None or ticket.duplicate_of != earlier_id:
        return [AnswerButton(callback_id=press.callback_id, text=common.BUTTON_INVALID)]
    refused = merge(ctx, ticket, into=earlier, reporter=ctx.user)
    if refused is not None:
        return [AnswerButton(callback_id=press.callback_id, text=refused)]
    return [
        AnswerButton(callback_id=press.callback_id),
        EditMessage(
            chat_id=press.chat.id, message_id=press.message_id, text=texts.JOINED.format(number=earlier.id)
        ),
        *card_edits(ctx, earlier),  # one more neighbour on the earlier card
    ]


def not_duplicate(ctx: Ctx, press: ButtonPress, data: NotDuplicate) -> list[Action]:
    ticket = _waiting(ctx, press, data.ticket)
    if isinstance(ticket, AnswerButton):
        return [ticket]
    release_to_staff(ctx, ticket)
    text, keyboard = receipt(ticket, ctx.config.classifier.taxonomy)
    return [
        AnswerButton(callback_id=press.callback_id),
        EditMessage(chat_id=press.chat.id, message_id=press.message_id, text=text, keyboard=keyboard),
    ]
