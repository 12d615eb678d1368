"""Choosing and correcting a ticket's category: the reporter on their receipt, staff on the card."""

from __future__ import annotations

from handlers import texts as common
from handlers.actions import Action, AnswerButton, EditMessage, SendMessage
from handlers.context import Ctx
from handlers.events import ButtonPress, IncomingMessage
from handlers.parsing import first_int
from handlers.reports import texts
from handlers.reports.buttons import LeaveToStaff
from handlers.reports.views import all_categories, media_receipt, receipt
from handlers.tickets.buttons import CategoryBack, ChangeCategory, SetCategory
from handlers.tickets.cards import card_edits, release_to_staff
from handlers.views import answer_and_edit
from storage.models import Hold, SortState, Ticket, TicketStatus
from storage.tickets import get_ticket, set_category


def _on_card(ctx: Ctx, press: ButtonPress, ticket: Ticket) -> bool:
    return press.chat.id == ticket.card_chat_id and press.message_id == ticket.card_message_id


def _pressed_ticket(ctx: Ctx, press: ButtonPress, ticket_id: int) -> Ticket | AnswerButton:
    ticket = get_ticket(session=ctx.session, ticket_id=ticket_id, for_update=True)
    if ticket is None or ticket.status == TicketStatus.MERGED:
        return AnswerButton(callback_id=press.callback_id, text=common.BUTTON_INVALID)
    if ctx.is_staff:
        return ticket
    if ctx.user.id != ticket.reporter_id:
        return AnswerButton(callback_id=press.callback_id, text=texts.ONLY_REPORTER)
    if ticket.status != TicketStatus.RECEIVED:
        # The receipt's 改分类 outlives the moment it was meant for: say truthfully why it does nothing now.
        return AnswerButton(callback_id=press.callback_id, text=texts.CATEGORY_LOCKED)
    return ticket


def show_choices(ctx: Ctx, press: ButtonPress, data: ChangeCategory) -> list[Action]:
    """改分类: turn the pressed message's buttons into the full list of categories."""
    ticket = _pressed_ticket(ctx, press, data.ticket)
    if isinstance(ticket, AnswerButton):
        return [ticket]
    keyboard = all_categories(ticket, ctx.config.classifier.taxonomy)
    if _on_card(ctx, press, ticket):
        return [AnswerButton(callback_id=press.callback_id), *card_edits(ctx, ticket, keyboard)]
    text = f"{receipt(ticket, ctx.config.classifier.taxonomy)[0]}\n\n{texts.CHOOSE_CATEGORY}"
    return [
        AnswerButton(callback_id=press.callback_id),
        EditMessage(chat_id=press.chat.id, message_id=press.message_id, text=text, keyboard=keyboard),
    ]


def back(ctx: Ctx, press: ButtonPress, data: CategoryBack) -> list[Action]:
    ticket = _pressed_ticket(ctx, press, data.ticket)
    if isinstance(ticket, AnswerButton):
        return [ticket]
    return [AnswerButton(callback_id=press.callback_id), *_refreshed(ctx, press, ticket)]


def choose(ctx: Ctx, press: ButtonPress, data: SetCategory) -> list[Action]:
    category = data.category
    ticket = _pressed_ticket(ctx, press, data.ticket)
    if isinstance(ticket, AnswerButton):
        return [ticket]
    taxonomy = ctx.config.classifier.taxonomy
    if category not in taxonomy.ids:  # a button from before the taxonomy changed
        return [AnswerButton(callback_id=press.callback_id, text=common.BUTTON_INVALID)]
    on_card = _on_card(ctx, press, ticket)
    by_staff = ctx.is_staff and (on_card or ctx.user.id != ticket.reporter_id)
    actions = _apply(ctx, ticket, category, SortState.STAFF if by_staff else SortState.REPORTER)
    if on_card:
        actions = []  # the pressed message is the card: refreshing it below is the one edit needed
    toast = AnswerButton(
        callback_id=press.callback_id,
        text=texts.CATEGORY_SET_TOAST.format(category=taxonomy.name_of(category)),
    )
    return [toast, *_refreshed(ctx, press, ticket), *actions]


def _apply(ctx: Ctx, ticket: Ticket, category: str, state: SortState) -> list[Action]:
    """Store the category; a ticket waiting for it now reaches staff, a posted card is brought up to date."""
    set_category(
        session=ctx.session,
        ticket=ticket,
        category=category,
        by_user_id=ctx.user.id,
        state=state,
        now=ctx.now,
    )
    if ticket.hold_reason == Hold.CATEGORY:
        release_to_staff(ctx, ticket)
        return []
    return card_edits(ctx, ticket)


def _refreshed(ctx: Ctx, press: ButtonPress, ticket: Ticket) -> list[Action]:
    """The pressed message shown as it now stands: the card, or the reporter's receipt."""
    if _on_card(ctx, press, ticket):
        return card_edits(ctx, ticket)
    text, keyboard = receipt(ticket, ctx.config.classifier.taxonomy)
    return [EditMessage(chat_id=press.chat.id, message_id=press.message_id, text=text, keyboard=keyboard)]


def leave_to_staff(ctx: Ctx, press: ButtonPress, data: LeaveToStaff) -> list[Action]:
    """不清楚 under a voice note or photo filed alone: it stays with staff unsorted, the question goes."""
    ticket = _pressed_ticket(ctx, press, data.ticket)
    if isinstance(ticket, AnswerButton):
        return [ticket]
    text, keyboard = media_receipt(ticket, ctx.config.classifier.taxonomy, left=True)
    return answer_and_edit(press, text, keyboard if keyboard.rows else None)


def reclassify_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    """/reclassify 12 noise (the id or the Chinese name)."""

    def reply(text: str) -> list[Action]:
        return [SendMessage(chat_id=msg.chat.id, text=text, reply_to=msg.message_id)]

    taxonomy = ctx.config.classifier.taxonomy
    choices = "、".join(f"{c.id}={c.name}" for c in taxonomy.categories)
    parsed = first_int(args)
    if parsed is None or not parsed[1]:
        return reply(texts.RECLASSIFY_USAGE.format(choices=choices))
    ticket_id, given = parsed
    by_name = {c.name: c.id for c in taxonomy.categories}
    category = given.lower() if given.lower() in taxonomy.ids else by_name.get(given)
    if category is None:
        return reply(texts.UNKNOWN_CATEGORY.format(given=given[:20], choices=choices))
    ticket = get_ticket(session=ctx.session, ticket_id=ticket_id, for_update=True)
    if ticket is None or ticket.status == TicketStatus.MERGED:
        return reply(common.TICKET_NOT_FOUND.format(number=ticket_id))
    actions = _apply(ctx, ticket, category, SortState.STAFF)
    return [
        *reply(texts.RECLASSIFY_DONE.format(number=ticket.id, category=taxonomy.name_of(category))),
        *actions,
    ]
