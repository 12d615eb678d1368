"""/start, help, the main menu and its two forms (eight buttons, or 长辈模式's four), and what the bot says
when it joins a group."""

from __future__ import annotations

from handlers import texts as common
from handlers.actions import (
    Action,
    AnswerButton,
    Button,
    EditMessage,
    InlineKeyboard,
    RemoveKeyboard,
    ReplyKeyboard,
    SendMessage,
)
from handlers.context import Ctx
from handlers.events import BotMembership, ButtonPress, IncomingMessage
from handlers.people import texts
from handlers.people.buttons import ElderMode, MainMenu, PrivateNotices
from handlers.views import answer_and_edit, display_name, main_menu


def start(ctx: Ctx, msg: IncomingMessage, args: str = "") -> list[Action]:
    if not msg.chat.is_private:
        return help_text(ctx, msg)
    name = display_name(ctx.user)
    if ctx.user.elder_mode:
        return [
            SendMessage(
                chat_id=msg.chat.id, text=texts.GREETING_ELDER.format(name=name), keyboard=main_menu(ctx.user)
            )
        ]
    offer = InlineKeyboard(rows=((Button(text=texts.BTN_ELDER_ON, data=ElderMode(1).encode()),),))
    return [
        SendMessage(chat_id=msg.chat.id, text=texts.GREETING.format(name=name), keyboard=main_menu(ctx.user)),
        SendMessage(chat_id=msg.chat.id, text=texts.ELDER_OFFER, keyboard=offer),
    ]


def help_text(ctx: Ctx, msg: IncomingMessage, args: str = "") -> list[Action]:
    """帮助 or /help: how to use the bot, with its switches (长辈模式, 私聊提醒) under it."""
    if not msg.chat.is_private:
        return [SendMessage(chat_id=msg.chat.id, text=texts.HELP_RESIDENT)]
    return [SendMessage(chat_id=msg.chat.id, text=_help(ctx), keyboard=settings(ctx))]


def fallback(ctx: Ctx, msg: IncomingMessage) -> list[Action]:
    """A private message nobody took: how to use the bot, with the main menu under the input field."""
    return [SendMessage(chat_id=msg.chat.id, text=_help(ctx), keyboard=main_menu(ctx.user))]


def _help(ctx: Ctx) -> str:
    if ctx.user.elder_mode and not ctx.is_staff:
        return texts.HELP_ELDER
    text = texts.HELP_RESIDENT
    if ctx.is_staff:
        text += texts.HELP_STAFF
    if ctx.is_admin:
        text += texts.HELP_ADMIN
    return text


def settings(ctx: Ctx) -> InlineKeyboard:
    """帮助's switches: 长辈模式 and 私聊提醒, each showing what a press will do."""
    elder = (
        Button(text=texts.BTN_ELDER_OFF, data=ElderMode(0).encode())
        if ctx.user.elder_mode
        else Button(text=texts.BTN_ELDER_ON, data=ElderMode(1).encode())
    )
    notices = (
        Button(text=texts.BTN_PRIVATE_NOTICES_OFF, data=PrivateNotices(0).encode())
        if ctx.user.private_notices
        else Button(text=texts.BTN_PRIVATE_NOTICES_ON, data=PrivateNotices(1).encode())
    )
    return InlineKeyboard(rows=((elder,), (notices,)))


def elder_mode(ctx: Ctx, msg: IncomingMessage) -> list[Action]:
    """👓 长辈模式 on the menu."""
    ctx.user.elder_mode = True
    return [SendMessage(chat_id=msg.chat.id, text=texts.ELDER_ON, keyboard=main_menu(ctx.user))]


def switch_elder_mode(ctx: Ctx, press: ButtonPress, data: ElderMode) -> list[Action]:
    ctx.user.elder_mode = bool(data.on)
    said = texts.ELDER_ON if ctx.user.elder_mode else texts.ELDER_OFF
    # The keyboard under the input field changes only with a new message.
    return [
        *answer_and_edit(press, _help(ctx), settings(ctx)),
        SendMessage(chat_id=press.chat.id, text=said, keyboard=main_menu(ctx.user)),
    ]


def toggle_private_notices(ctx: Ctx, msg: IncomingMessage) -> list[Action]:
    """私聊提醒 typed (or pressed on a keyboard from before it moved into 帮助): switch it."""
    ctx.user.private_notices = not ctx.user.private_notices
    return [SendMessage(chat_id=msg.chat.id, text=_private_notices_said(ctx), keyboard=main_menu(ctx.user))]


def switch_private_notices(ctx: Ctx, press: ButtonPress, data: PrivateNotices) -> list[Action]:
    ctx.user.private_notices = bool(data.on)
    return [
        AnswerButton(callback_id=press.callback_id, text=_private_notices_said(ctx)),
        EditMessage(
            chat_id=press.chat.id, message_id=press.message_id, text=_help(ctx), keyboard=settings(ctx)
        ),
    ]


def _private_notices_said(ctx: Ctx) -> str:
    return texts.PRIVATE_NOTICES_ON if ctx.user.private_notices else texts.PRIVATE_NOTICES_OFF


def back_to_menu(ctx: Ctx, msg: IncomingMessage) -> list[Action]:
    """返回主菜单 on the keyboard of a step."""
    return [SendMessage(chat_id=msg.chat.id, text=common.MAIN_MENU_SHOWN, keyboard=main_menu(ctx.user))]


def back_to_menu_button(ctx: Ctx, press: ButtonPress, data: MainMenu) -> list[Action]:
    """返回主菜单 under a screen."""
    return [
        AnswerButton(callback_id=press.callback_id),
        SendMessage(chat_id=press.chat.id, text=common.MAIN_MENU_SHOWN, keyboard=main_menu(ctx.user)),
    ]


def with_way_back(chat_id: int, actions: list[Action]) -> list[Action]:
    """Every screen a menu button opens ends with 返回主菜单, unless it already carries the main menu or a
    step's keyboard (which has 返回主菜单 itself)."""
    for index in range(len(actions) - 1, -1, -1):
        last = actions[index]
        if not isinstance(last, SendMessage) or last.chat_id != chat_id:
            continue
        if isinstance(last.keyboard, ReplyKeyboard | RemoveKeyboard):
            return actions
        rows = last.keyboard.rows if last.keyboard is not None else ()
        back = (Button(text=common.BTN_MAIN_MENU, data=MainMenu().encode()),)
        keyboard = InlineKeyboard(rows=(*rows, back))
        return [*actions[:index], last.model_copy(update={"keyboard": keyboard}), *actions[index + 1 :]]
    return actions


def joined(ctx: Ctx, event: BotMembership) -> list[Action]:
    text = texts.BOT_JOINED_STAFF if ctx.in_staff_chat else texts.BOT_JOINED_GROUP
    return [SendMessage(chat_id=event.chat.id, text=text)]
