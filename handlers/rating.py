"""After 已解决 the reporter rates it: 满意 / 一般 / 不满意. 不满意 asks why and reopens the ticket.

No answer within RATING_WINDOW counts as no rating, not as satisfied: the ticket simply stays 已解决.
"""

from __future__ import annotations

from datetime import timedelta

from handlers import texts
from handlers.actions import Action, AnswerButton, EditMessage, SendMessage
from handlers.cards import card_edits
from handlers.context import Ctx
from handlers.events import ButtonPress, IncomingMessage
from handlers.workflow import move, reopen
from storage.conversations import clear_state, get_state, set_state
from storage.models import Rating, Ticket, TicketStatus
from storage.tickets import get_ticket

FLOW = "rating_why"
RATING_WINDOW = timedelta(days=3)
WHY_LIMIT = 300


def _rateable(ctx: Ctx, press: ButtonPress, ticket_id: int) -> Ticket | AnswerButton:
    ticket = get_ticket(session=ctx.session, ticket_id=ticket_id, for_update=True)
    if ticket is None:
        return AnswerButton(callback_id=press.callback_id, text=texts.BUTTON_INVALID)
    if ticket.reporter_id != ctx.user.id:
        return AnswerButton(callback_id=press.callback_id, text=texts.RATE_ONLY_REPORTER)
    if ticket.status != TicketStatus.RESOLVED:
        return AnswerButton(callback_id=press.callback_id, text=texts.ALREADY_DECIDED)
    if ticket.resolved_at is not None and ctx.now - ticket.resolved_at > RATING_WINDOW:
        return AnswerButton(callback_id=press.callback_id, text=texts.RATE_EXPIRED)
    return ticket


def rate(ctx: Ctx, press: ButtonPress, ticket_id: int, code: str) -> list[Action]:
    try:
        rating = Rating(code)
    except ValueError:
        return [AnswerButton(callback_id=press.callback_id, text=texts.BUTTON_INVALID)]
    ticket = _rateable(ctx, press, ticket_id)
    if isinstance(ticket, AnswerButton):
        return [ticket]
    if rating == Rating.UNSATISFIED:
        set_state(
            session=ctx.session,
            user_id=ctx.user.id,
            chat_id=press.chat.id,
            flow=FLOW,
            step="why",
            data={"ticket": ticket.id},
            now=ctx.now,
        )
        return [
            AnswerButton(callback_id=press.callback_id),
            SendMessage(
                chat_id=press.chat.id, text=texts.RATE_WHY.format(number=ticket.id), reply_to=press.message_id
            ),
        ]
    ticket.rating, ticket.rated_at = rating, ctx.now
    move(ctx, ticket, TicketStatus.RATED, actor=ctx.user, note=texts.RATING_NAMES[rating])
    thanked = EditMessage(
        chat_id=press.chat.id,
        message_id=press.message_id,
        text=f"{texts.RATING_NAMES[rating]} {texts.RATE_THANKS}",
    )
    return [
        AnswerButton(callback_id=press.callback_id, text=texts.RATE_THANKS),
        thanked,
        *card_edits(ctx, ticket),
    ]


def in_step(ctx: Ctx, msg: IncomingMessage) -> bool:
    return get_state(session=ctx.session, user_id=ctx.user.id, chat_id=msg.chat.id, flow=FLOW) is not None


def answer_why(ctx: Ctx, msg: IncomingMessage) -> list[Action]:
    """The one line after 不满意: it reopens the ticket and goes to staff."""
    state = get_state(session=ctx.session, user_id=ctx.user.id, chat_id=msg.chat.id, flow=FLOW)
    assert state is not None
    why = msg.text.strip()[:WHY_LIMIT]
    if not why:
        return [SendMessage(chat_id=msg.chat.id, text=texts.STEP_NEEDS_TEXT, reply_to=msg.message_id)]
    clear_state(session=ctx.session, user_id=ctx.user.id, chat_id=msg.chat.id)
    ticket = get_ticket(session=ctx.session, ticket_id=int(state.data["ticket"]), for_update=True)
    if ticket is None or ticket.status != TicketStatus.RESOLVED:
        return [SendMessage(chat_id=msg.chat.id, text=texts.ALREADY_DECIDED, reply_to=msg.message_id)]
    return reopen(ctx, ticket, reporter=ctx.user, why=why)
