"""/start, help, and the main menu's large buttons."""

from __future__ import annotations

from handlers import texts
from handlers.actions import Action, SendMessage
from handlers.context import Ctx
from handlers.events import IncomingMessage
from handlers.render import display_name, main_menu


def start(ctx: Ctx, msg: IncomingMessage) -> list[Action]:
    if not msg.chat.is_private:
        return help_text(ctx, msg)
    greeting = texts.GREETING.format(name=display_name(ctx.user))
    return [SendMessage(chat_id=msg.chat.id, text=greeting, keyboard=main_menu())]


def help_text(ctx: Ctx, msg: IncomingMessage) -> list[Action]:
    text = texts.HELP_RESIDENT
    if ctx.is_staff:
        text += texts.HELP_STAFF
    if ctx.is_admin:
        text += texts.HELP_ADMIN
    keyboard = main_menu() if msg.chat.is_private else None
    return [SendMessage(chat_id=msg.chat.id, text=text, keyboard=keyboard)]


def coming_soon(ctx: Ctx, msg: IncomingMessage, feature: str) -> list[Action]:
    return [SendMessage(chat_id=msg.chat.id, text=texts.COMING_SOON.format(feature=feature))]


RESIDENT_COMMANDS = ("start", "report", "mine", "help")
STAFF_COMMANDS = (
    *RESIDENT_COMMANDS,
    "tickets",
    "ticket",
    "accept",
    "resolve",
    "reject",
    "assign",
    "reclassify",
    "stats",
    "export",
    "bind",
    "leader",
)
ADMIN_COMMANDS = (*STAFF_COMMANDS, "staff")


def command_menu(names: tuple[str, ...]) -> list[tuple[str, str]]:
    """(command, description) pairs for Telegram's command menu."""
    return [(name, texts.COMMAND_DESCRIPTIONS[name]) for name in names]
