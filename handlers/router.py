"""Which handler answers an event. Reads top to bottom like the bot's rules of conversation."""

from __future__ import annotations

from collections.abc import Callable

from handlers import duplicates, menu, numbers, rating, reports, roles, sorting, staff, texts, ticket_views
from handlers.actions import Action, AnswerButton, SendMessage
from handlers.callbacks import Op, decode
from handlers.context import Ctx, Scope
from handlers.events import BotMembership, ButtonPress, GroupMigrated, IncomingMessage
from handlers.parsing import parse_command, strip_mention, strip_report_prefix
from storage.chat_moves import move_chat
from storage.conversations import clear_state
from storage.models import TicketStatus
from storage.people import set_chat_active

CommandHandler = Callable[[Ctx, IncomingMessage, str], list[Action]]


def _report_command(ctx: Ctx, msg: IncomingMessage, args: str) -> list[Action]:
    if msg.chat.is_group:
        return reports.from_group(ctx, msg, args)
    if args or msg.photo_file_id or msg.voice_file_id:
        return reports.file_private(ctx, msg, args)
    return reports.start_private(ctx, msg)


COMMANDS: dict[str, CommandHandler] = {
    "start": lambda ctx, msg, _: menu.start(ctx, msg),
    "help": lambda ctx, msg, _: menu.help_text(ctx, msg),
    "menu": lambda ctx, msg, _: menu.start(ctx, msg),
    "mine": lambda ctx, msg, _: ticket_views.mine(ctx, msg),
    "report": _report_command,
    "accept": staff.move_command(TicketStatus.ACCEPTED, "accept"),
    "resolve": staff.move_command(TicketStatus.RESOLVED, "resolve"),
    "reject": staff.move_command(TicketStatus.REJECTED, "reject"),
    "assign": staff.assign_command,
    "tickets": ticket_views.tickets_command,
    "ticket": ticket_views.ticket_command,
    "reclassify": sorting.reclassify_command,
    "stats": numbers.stats_command,
    "export": numbers.export_command,
    "staff": roles.grant_staff,
    "leader": roles.grant_leader,
    "bind": roles.bind,
}

MENU_BUTTONS: dict[str, Callable[[Ctx, IncomingMessage], list[Action]]] = {
    texts.BTN_REPORT: reports.start_private,
    texts.BTN_MY_TICKETS: ticket_views.mine,
    texts.BTN_POINTS: lambda ctx, msg: menu.coming_soon(ctx, msg, texts.BTN_POINTS),
    texts.BTN_POLLS: lambda ctx, msg: menu.coming_soon(ctx, msg, texts.BTN_POLLS),
    texts.BTN_HELP: menu.help_text,
}


def on_message(ctx: Ctx, msg: IncomingMessage) -> list[Action]:
    if msg.chat.is_private:
        ctx.user.private_chat_open = True
    command = parse_command(msg.text, ctx.config.bot_username)
    if command is not None:
        handler = COMMANDS.get(command.name)
        if handler is not None:
            return handler(ctx, msg, command.args)
        return menu.help_text(ctx, msg) if msg.chat.is_private else []
    if msg.chat.is_private and (button := MENU_BUTTONS.get(msg.text.strip())) is not None:
        # A menu button always works, even in the middle of a flow: elderly users press what they see.
        clear_state(session=ctx.session, user_id=ctx.user.id, chat_id=msg.chat.id)
        return button(ctx, msg)
    if (photo_closed := staff.after_photo(ctx, msg)) is not None:
        return photo_closed
    if staff.in_step(ctx, msg):
        return staff.answer_step(ctx, msg)
    if rating.in_step(ctx, msg):
        return rating.answer_why(ctx, msg)
    if msg.chat.is_private:
        return _private(ctx, msg)
    if msg.chat.is_group:
        return _group(ctx, msg)
    return []


def _private(ctx: Ctx, msg: IncomingMessage) -> list[Action]:
    if reports.in_private_flow(ctx, msg):
        return reports.continue_private(ctx, msg)
    return menu.help_text(ctx, msg)


def _group(ctx: Ctx, msg: IncomingMessage) -> list[Action]:
    body = strip_report_prefix(msg.text)
    if body is None:
        body = strip_mention(msg.text, ctx.config.bot_username)
    if body is not None:
        return reports.from_group(ctx, msg, body)
    if ctx.chat.building_id is not None and ctx.user.building_id is None:
        ctx.user.building_id = ctx.chat.building_id  # lets later private reports skip the building question
    return []


def on_button(ctx: Ctx, press: ButtonPress) -> list[Action]:
    callback = decode(press.data)
    if callback is None:
        return [AnswerButton(callback_id=press.callback_id, text=texts.BUTTON_INVALID)]
    match callback.op:
        case Op.ACCEPT:
            return staff.press_move(ctx, press, callback.int(0), TicketStatus.ACCEPTED)
        case Op.PROGRESS:
            return staff.press_move(ctx, press, callback.int(0), TicketStatus.IN_PROGRESS)
        case Op.RESOLVE:
            return staff.press_needing_words(ctx, press, callback.int(0), TicketStatus.RESOLVED)
        case Op.REJECT:
            return staff.press_needing_words(ctx, press, callback.int(0), TicketStatus.REJECTED)
        case Op.SKIP_NOTE:
            return staff.skip_note(ctx, press, callback.int(0))
        case Op.CANCEL_STEP:
            return staff.cancel_step(ctx, press, callback.int(0))
        case Op.ASSIGN:
            return staff.show_staff(ctx, press, callback.int(0))
        case Op.ASSIGN_TO:
            return staff.assign_to(ctx, press, callback.int(0), callback.int(1))
        case Op.RATE:
            return rating.rate(ctx, press, callback.int(0), callback.code(1))
        case Op.ANONYMOUS:
            return reports.make_anonymous(ctx, press, callback.int(0))
        case Op.HISTORY:
            return ticket_views.history_button(ctx, press, callback.int(0))
        case Op.TICKETS_PAGE:
            page, status, building, category, flags = callback.args
            return ticket_views.turn_page(
                ctx, press, int(page), str(status), int(building), str(category), int(flags)
            )
        case Op.REPORT_BUILDING:
            return reports.choose_building(ctx, press, callback.int(0))
        case Op.REPORT_CANCEL:
            return reports.cancel(ctx, press)
        case Op.SET_CATEGORY:
            return sorting.choose(ctx, press, callback.int(0), callback.code(1))
        case Op.CHANGE_CATEGORY:
            return sorting.show_choices(ctx, press, callback.int(0))
        case Op.CATEGORY_BACK:
            return sorting.back(ctx, press, callback.int(0))
        case Op.JOIN_TICKET:
            return duplicates.join(ctx, press, callback.int(0), callback.int(1))
        case Op.NOT_DUPLICATE:
            return duplicates.not_duplicate(ctx, press, callback.int(0))


def on_membership(ctx: Ctx, event: BotMembership) -> list[Action]:
    set_chat_active(session=ctx.session, chat_id=event.chat.id, active=event.present)
    if not event.present:
        return []
    text = texts.BOT_JOINED_STAFF if ctx.in_staff_chat else texts.BOT_JOINED_GROUP
    return [SendMessage(chat_id=event.chat.id, text=text)]


def on_migration(scope: Scope, event: GroupMigrated) -> list[Action]:
    """The group's binding, tickets and queued messages follow it to its new id; nothing is said."""
    move_chat(session=scope.session, old_id=event.chat.id, new_id=event.new_chat_id, now=scope.now)
    return []
