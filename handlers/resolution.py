"""Staff mark a ticket resolved; everyone who reported it hears back."""

from __future__ import annotations

from handlers import texts
from handlers.actions import Action, AnswerButton, SendMessage
from handlers.cards import card_edit
from handlers.context import Ctx
from handlers.events import ButtonPress, IncomingMessage
from handlers.notify import tell_reporters
from handlers.parsing import first_int
from handlers.render import snippet
from storage.models import Ticket, TicketStatus
from storage.tickets import get_ticket, resolve_ticket

NOTE_LIMIT = 500


def resolve_button(ctx: Ctx, press: ButtonPress, ticket_id: int) -> list[Action]:
    if not ctx.is_staff:
        return [AnswerButton(callback_id=press.callback_id, text=texts.DENY_STAFF_ONLY)]
    outcome, actions = _resolve(ctx, ticket_id, note=None)
    return [AnswerButton(callback_id=press.callback_id, text=outcome), *actions]


def resolve_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    if not ctx.is_staff:
        return [SendMessage(chat_id=msg.chat.id, text=texts.DENY_STAFF_ONLY, reply_to=msg.message_id)]
    parsed = first_int(args)
    if parsed is None:
        return [SendMessage(chat_id=msg.chat.id, text=texts.RESOLVE_USAGE, reply_to=msg.message_id)]
    ticket_id, note = parsed
    outcome, actions = _resolve(ctx, ticket_id, note=note[:NOTE_LIMIT] or None)
    return [SendMessage(chat_id=msg.chat.id, text=outcome, reply_to=msg.message_id), *actions]


def _resolve(ctx: Ctx, ticket_id: int, *, note: str | None) -> tuple[str, list[Action]]:
    """The one-line outcome for the staff member, and the card edit when something changed."""
    ticket = get_ticket(session=ctx.session, ticket_id=ticket_id, for_update=True)
    if ticket is None or ticket.status == TicketStatus.MERGED:
        return texts.TICKET_NOT_FOUND.format(number=ticket_id), []
    if not resolve_ticket(session=ctx.session, ticket=ticket, by=ctx.user.id, note=note, now=ctx.now):
        return texts.RESOLVE_ALREADY.format(number=ticket.id), []
    _notify_reporter(ctx, ticket)
    edit = card_edit(ctx, ticket)
    return texts.RESOLVE_DONE_TOAST.format(number=ticket.id), [edit] if edit else []


def _notify_reporter(ctx: Ctx, ticket: Ticket) -> None:
    note = ticket.resolution_note
    public = (texts.RESOLVED_NOTICE_NOTE if note else texts.RESOLVED_NOTICE).format(
        number=ticket.id, note=note
    )
    private = (texts.RESOLVED_PRIVATE_NOTE if note else texts.RESOLVED_PRIVATE).format(
        number=ticket.id, note=note, snippet=snippet(ticket.text)
    )
    tell_reporters(ctx, ticket, public=public, private=private)
