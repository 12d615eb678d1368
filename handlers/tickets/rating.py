"""After 已解决 the reporter rates it: 满意 / 一般 / 不满意. 不满意 asks why and reopens the ticket.

No answer within RATING_WINDOW counts as no rating, not as satisfied: the ticket simply stays 已解决.
"""

from __future__ import annotations

from datetime import timedelta

from handlers import texts as common
from handlers.actions import Action, AnswerButton, EditMessage, SendMessage
from handlers.context import Ctx
from handlers.events import ButtonPress, IncomingMessage
from handlers.tickets import texts
from handlers.tickets.buttons import Rate
from handlers.tickets.cards import card_edits
from handlers.tickets.workflow import rate as rate_ticket
from handlers.tickets.workflow import reopen
from storage.models import ConversationState, Rating, Ticket, TicketStatus
from storage.tickets import get_ticket

FLOW = "rating_why"
RATING_WINDOW = timedelta(days=3)
WHY_LIMIT = 300


def _rateable(ctx: Ctx, press: ButtonPress, ticket_id: int) -> Ticket | AnswerButton:
    ticket = get_ticket(session=ctx.session, ticket_id=ticket_id, for_update=True)
    if ticket is None:
        return AnswerButton(callback_id=press.callback_id, text=common.BUTTON_INVALID)
    if ticket.reporter_id != ctx.user.id:
        return AnswerButton(callback_id=press.callback_id, text=texts.RATE_ONLY_REPORTER)
    if ticket.status != TicketStatus.RESOLVED:
        return AnswerButton(callback_id=press.callback_id, text=common.ALREADY_DECIDED)
    if ticket.resolved_at is not None and ctx.now - ticket.resolved_at > RATING_WINDOW:
        return AnswerButton(callback_id=press.callback_id, text=texts.RATE_EXPIRED)
    return ticket


def _rated(press: ButtonPress, ticket: Ticket, text: str) -> EditMessage:
    """The message that carried the rating buttons, without them (a photo's caption when it had one)."""
    return EditMessage(
        chat_id=press.chat.id,
        message_id=press.message_id,
        text=text,
        caption=ticket.after_photo_file_id is not None,
    )


def rate(ctx: Ctx, press: ButtonPress, data: Rate) -> list[Action]:
    ticket_id = data.ticket
    try:
        rating = Rating(data.rating)
    except ValueError:
        return [AnswerButton(callback_id=press.callback_id, text=common.BUTTON_INVALID)]
    ticket = _rateable(ctx, press, ticket_id)
    if isinstance(ticket, AnswerButton):
        return [ticket]
    if rating == Rating.UNSATISFIED:
        ctx.enter(FLOW, "why", {"ticket": ticket.id})
        # The buttons go as soon as a rating is given; the question takes their place in the same message.
        asked = f"{common.RATING_NAMES[rating]}\n{texts.RATE_WHY.format(number=ticket.id)}"
        return [AnswerButton(callback_id=press.callback_id), _rated(press, ticket, asked)]
    refused = rate_ticket(ctx, ticket, rating, reporter=ctx.user)
    if refused is not None:
        return [AnswerButton(callback_id=press.callback_id, text=refused)]
    thanked = _rated(press, ticket, f"{common.RATING_NAMES[rating]} {texts.RATE_THANKS}")
    return [
        AnswerButton(callback_id=press.callback_id, text=texts.RATE_THANKS),
        thanked,
        *card_edits(ctx, ticket),
    ]


def answer_why(ctx: Ctx, msg: IncomingMessage, state: ConversationState) -> list[Action]:
    """The one line after 不满意: it reopens the ticket and goes to staff."""
    why = msg.text.strip()[:WHY_LIMIT]
    if not why:
        return [SendMessage(chat_id=msg.chat.id, text=texts.STEP_NEEDS_TEXT, reply_to=msg.message_id)]
    ctx.forget_state()
    ticket = get_ticket(session=ctx.session, ticket_id=int(state.data["ticket"]), for_update=True)
    if ticket is None or ticket.status != TicketStatus.RESOLVED:
        return [SendMessage(chat_id=msg.chat.id, text=common.ALREADY_DECIDED, reply_to=msg.message_id)]
    return reopen(ctx, ticket, reporter=ctx.user, why=why)
