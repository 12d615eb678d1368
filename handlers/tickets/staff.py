"""Staff run a ticket from its card or by command: 受理, 处理中, 已解决 (note), 驳回 (reason), 指派.

Buttons that need words (the reason, the note) ask for them in a follow-up step kept in the database, so a
restart between the press and the answer loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from handlers import texts as common
from handlers.actions import Action, AnswerButton, EditMessage, SendMessage
from handlers.context import Ctx
from handlers.events import ButtonPress, IncomingMessage
from handlers.parsing import first_int
from handlers.tickets import texts
from handlers.tickets.buttons import Accept, Assign, AssignTo, CancelStep, Progress, Reject, Resolve, SkipNote
from handlers.tickets.cards import card_edits
from handlers.tickets.views import staff_choice, step_keyboard
from handlers.tickets.workflow import announce, assign, move, refusal
from handlers.views import building_name, display_name, snippet
from storage.models import ConversationState, Role, Ticket, TicketStatus, User
from storage.people import get_building, get_user, staff_members
from storage.tickets import get_ticket, ticket_by_card

FLOW = "staff_step"
NOTE_LIMIT = 500


def _toast(press: ButtonPress, text: str | None = None) -> AnswerButton:
    return AnswerButton(callback_id=press.callback_id, text=text)


def _reply(msg: IncomingMessage, text: str) -> list[Action]:
    return [SendMessage(chat_id=msg.chat.id, text=text, reply_to=msg.message_id)]


def _staff_ticket(ctx: Ctx, ticket_id: int) -> Ticket | str:
    """The ticket, locked for this transaction, or why it cannot be had (callers are staff-only)."""
    ticket = get_ticket(session=ctx.session, ticket_id=ticket_id, for_update=True)
    if ticket is None:
        return common.TICKET_NOT_FOUND.format(number=ticket_id)
    return ticket


def _carry_out(
    ctx: Ctx, ticket: Ticket, to: TicketStatus, note: str | None = None, photo_file_id: str | None = None
) -> tuple[str, list[Action]]:
    refused = move(ctx, ticket, to, actor=ctx.user, note=note, photo_file_id=photo_file_id)
    if refused is not None:
        return refused, []
    return texts.MOVED_TOAST.format(number=ticket.id, status=common.STATUS_NAMES[to]), announce(
        ctx, ticket, actor=ctx.user
    )


# --- buttons on the card


def press_move(ctx: Ctx, press: ButtonPress, data: Accept | Progress) -> list[Action]:
    """受理 and 处理中: done at once."""
    to = TicketStatus.ACCEPTED if isinstance(data, Accept) else TicketStatus.IN_PROGRESS
    ticket = _staff_ticket(ctx, data.ticket)
    if isinstance(ticket, str):
        return [_toast(press, ticket)]
    outcome, actions = _carry_out(ctx, ticket, to)
    return [_toast(press, outcome), *actions]


def press_needing_words(ctx: Ctx, press: ButtonPress, data: Resolve | Reject) -> list[Action]:
    """已解决 and 驳回: check the move is possible, then ask for the note or reason."""
    to = TicketStatus.RESOLVED if isinstance(data, Resolve) else TicketStatus.REJECTED
    ticket = _staff_ticket(ctx, data.ticket)
    if isinstance(ticket, str):
        return [_toast(press, ticket)]
    refused = refusal(ticket, to)
    if refused is not None:
        return [_toast(press, refused)]
    ctx.enter(FLOW, to, {"ticket": ticket.id})
    resolving = to == TicketStatus.RESOLVED
    question = (texts.ASK_RESOLVE_NOTE if resolving else texts.ASK_REJECT_REASON).format(number=ticket.id)
    ask = SendMessage(
        chat_id=press.chat.id, text=question, keyboard=step_keyboard(ticket, skippable=resolving)
    )
    return [_toast(press), ask]


def skip_note(ctx: Ctx, press: ButtonPress, data: SkipNote) -> list[Action]:
    ticket_id = data.ticket
    state = ctx.flow(FLOW)
    if state is None or state.step != TicketStatus.RESOLVED or state.data.get("ticket") != ticket_id:
        return [_toast(press, common.BUTTON_INVALID)]
    ctx.forget_state()
    ticket = _staff_ticket(ctx, ticket_id)
    if isinstance(ticket, str):
        return [_toast(press, ticket)]
    outcome, actions = _carry_out(ctx, ticket, TicketStatus.RESOLVED)
    done = EditMessage(chat_id=press.chat.id, message_id=press.message_id, text=outcome)
    return [_toast(press, outcome), done, *actions]


def cancel_step(ctx: Ctx, press: ButtonPress, data: CancelStep) -> list[Action]:
    state = ctx.flow(FLOW)
    if state is None or state.data.get("ticket") != data.ticket:
        return [_toast(press, common.BUTTON_INVALID)]
    ctx.forget_state()
    return [
        _toast(press),
        EditMessage(chat_id=press.chat.id, message_id=press.message_id, text=texts.STEP_CANCELLED),
    ]


def answer_step(ctx: Ctx, msg: IncomingMessage, state: ConversationState) -> list[Action]:
    """The words the last 已解决 / 驳回 press asked for (a photo with a caption counts for 已解决)."""
    to = TicketStatus(state.step)
    words = msg.text.strip()[:NOTE_LIMIT]
    if not words and not (to == TicketStatus.RESOLVED and msg.photo_file_id):
        return _reply(msg, texts.STEP_NEEDS_TEXT)
    ctx.forget_state()
    ticket = _staff_ticket(ctx, int(state.data["ticket"]))
    if isinstance(ticket, str):
        return _reply(msg, ticket)
    photo = msg.photo_file_id if to == TicketStatus.RESOLVED else None
    outcome, actions = _carry_out(ctx, ticket, to, note=words or None, photo_file_id=photo)
    return [*_reply(msg, outcome), *actions]


def after_photo(ctx: Ctx, msg: IncomingMessage) -> list[Action] | None:
    """A photo sent in reply to a card with the caption 已解决…: resolve with a before/after picture."""
    if (
        msg.photo_file_id is None
        or msg.reply_to is None
        or not msg.text.strip().startswith(texts.RESOLVED_WORD)
    ):
        return None
    ticket = ticket_by_card(session=ctx.session, chat_id=msg.chat.id, message_id=msg.reply_to.message_id)
    if ticket is None:
        return None
    if not ctx.is_staff:
        return _reply(msg, common.DENY_STAFF_ONLY)
    locked = _staff_ticket(ctx, ticket.id or 0)
    if isinstance(locked, str):
        return _reply(msg, locked)
    refused = refusal(locked, TicketStatus.RESOLVED)
    if refused is not None:
        return _reply(msg, refused)
    note = msg.text.strip()[len(texts.RESOLVED_WORD) :].lstrip(" ：:，,").strip()[:NOTE_LIMIT]
    outcome, actions = _carry_out(
        ctx, locked, TicketStatus.RESOLVED, note=note or None, photo_file_id=msg.photo_file_id
    )
    return [*_reply(msg, outcome), *actions]


# --- assigning


def show_staff(ctx: Ctx, press: ButtonPress, data: Assign) -> list[Action]:
    ticket = _staff_ticket(ctx, data.ticket)
    if isinstance(ticket, str):
        return [_toast(press, ticket)]
    staff = staff_members(session=ctx.session, admin_ids=ctx.config.admin_ids)
    if not staff:
        return [_toast(press, texts.NO_STAFF)]
    edits = card_edits(ctx, ticket, staff_choice(ticket, staff))
    if [(e.chat_id, e.message_id) for e in edits] != [(press.chat.id, press.message_id)]:
        question = SendMessage(
            chat_id=press.chat.id,
            text=texts.ASSIGN_CHOOSE.format(number=ticket.id),
            keyboard=staff_choice(ticket, staff),
        )
        return [_toast(press), question]
    return [_toast(press), *edits]


def assign_to(ctx: Ctx, press: ButtonPress, data: AssignTo) -> list[Action]:
    ticket = _staff_ticket(ctx, data.ticket)
    if isinstance(ticket, str):
        return [_toast(press, ticket)]
    assignee = get_user(session=ctx.session, user_id=data.user)
    if not _is_staff(ctx, assignee):
        return [_toast(press, common.BUTTON_INVALID)]
    assert assignee is not None
    return [
        _toast(press, texts.ASSIGNED.format(number=ticket.id, name=display_name(assignee))),
        *_assign(ctx, ticket, assignee),
    ]


def _is_staff(ctx: Ctx, user: User | None) -> bool:
    return user is not None and (user.role == Role.STAFF or user.id in ctx.config.admin_ids)


def _assign(ctx: Ctx, ticket: Ticket, assignee: User) -> list[Action]:
    """Give the ticket an owner, tell the reporters when that accepted it, and the assignee privately."""
    was = ticket.status
    assign(ctx, ticket, assignee=assignee, actor=ctx.user)
    actions = announce(ctx, ticket, actor=ctx.user) if ticket.status != was else card_edits(ctx, ticket)
    if assignee.private_chat_open and assignee.id != ctx.user.id:
        building = building_name(get_building(session=ctx.session, building_id=ticket.building_id))
        ctx.later(
            SendMessage(
                chat_id=assignee.id,
                text=texts.ASSIGNED_PRIVATE.format(
                    number=ticket.id, building=building, snippet=snippet(ticket.text, 60)
                ),
            )
        )
    return actions


# --- commands


def _command_ticket(
    ctx: Ctx, msg: IncomingMessage, args: str, command: str
) -> tuple[Ticket, str] | list[Action]:
    parsed = first_int(args)
    if parsed is None:
        return _reply(msg, texts.TICKET_USAGE.format(command=command))
    ticket = _staff_ticket(ctx, parsed[0])
    if isinstance(ticket, str):
        return _reply(msg, ticket)
    return ticket, parsed[1][:NOTE_LIMIT]


def move_command(to: TicketStatus, command: str) -> Callable[[Ctx, IncomingMessage, str], list[Action]]:
    """/accept 12, /resolve 12 说明, /reject 12 理由 — one shape, three moves."""

    def handle(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
        found = _command_ticket(ctx, msg, args, command)
        if isinstance(found, list):
            return found
        ticket, words = found
        if to == TicketStatus.REJECTED and not words:
            return _reply(msg, texts.REJECT_USAGE)
        outcome, actions = _carry_out(ctx, ticket, to, note=words or None)
        return [*_reply(msg, outcome), *actions]

    return handle


def assign_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    """/assign 12 shows the staff as buttons; /assign 12 in reply to someone assigns them."""
    found = _command_ticket(ctx, msg, args, "assign")
    if isinstance(found, list):
        return found
    ticket, _ = found
    if msg.reply_to is not None and msg.reply_to.sender_id is not None:
        assignee = get_user(session=ctx.session, user_id=msg.reply_to.sender_id)
        if not _is_staff(ctx, assignee):
            return _reply(msg, texts.NOT_STAFF_MEMBER.format(name=display_name(assignee)))
        assert assignee is not None
        return [
            *_reply(msg, texts.ASSIGNED.format(number=ticket.id, name=display_name(assignee))),
            *_assign(ctx, ticket, assignee),
        ]
    staff = staff_members(session=ctx.session, admin_ids=ctx.config.admin_ids)
    if not staff:
        return _reply(msg, texts.NO_STAFF)
    return [
        SendMessage(
            chat_id=msg.chat.id,
            text=texts.ASSIGN_CHOOSE.format(number=ticket.id),
            reply_to=msg.message_id,
            keyboard=staff_choice(ticket, staff),
        )
    ]
