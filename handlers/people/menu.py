"""/start, help, the main menu's large buttons, and what the bot says when it joins a group."""

from __future__ import annotations

from handlers.actions import Action, SendMessage
from handlers.context import Ctx
from handlers.events import BotMembership, IncomingMessage
from handlers.people import texts
from handlers.views import display_name, main_menu


def start(ctx: Ctx, msg: IncomingMessage, args: str = "") -> list[Action]:
    if not msg.chat.is_private:
        return help_text(ctx, msg)
    greeting = texts.GREETING.format(name=display_name(ctx.user))
    return [SendMessage(chat_id=msg.chat.id, text=greeting, keyboard=main_menu())]


def help_text(ctx: Ctx, msg: IncomingMessage, args: str = "") -> list[Action]:
    text = texts.HELP_RESIDENT
    if ctx.is_staff:
        text += texts.HELP_STAFF
    if ctx.is_admin:
        text += texts.HELP_ADMIN
    keyboard = main_menu() if msg.chat.is_private else None
    return [SendMessage(chat_id=msg.chat.id, text=text, keyboard=keyboard)]


def toggle_private_notices(ctx: Ctx, msg: IncomingMessage) -> list[Action]:
    """私聊提醒: news of group reports also comes privately, or no longer does."""
    ctx.user.private_notices = not ctx.user.private_notices
    text = texts.PRIVATE_NOTICES_ON if ctx.user.private_notices else texts.PRIVATE_NOTICES_OFF
    return [SendMessage(chat_id=msg.chat.id, text=text, keyboard=main_menu())]


def joined(ctx: Ctx, event: BotMembership) -> list[Action]:
    text = texts.BOT_JOINED_STAFF if ctx.in_staff_chat else texts.BOT_JOINED_GROUP
    return [SendMessage(chat_id=event.chat.id, text=text)]
