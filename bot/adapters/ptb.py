"""python-telegram-bot adapter: Bot API calls made with python-telegram-bot, its errors mapped to ours.

Updates do not come through here: the intake fetches them raw and translates them once for both adapters.
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.adapters.base import BotIdentity
from bot.adapters.ptb_request import AiohttpRequest
from bot.delivery import ChatGone, ChatMoved, DeliveryError, Rejected, RetryLater, Transient
from handlers import actions
from handlers.actions import AnswerButton, DeleteMessage, EditMessage, SendMessage

# PTB 22 warns on every 429 that retry_after will become a timedelta; _translate accepts both forms.
warnings.filterwarnings("ignore", message=".*retry_after.*", category=PTBDeprecationWarning)


def _markup(
    keyboard: actions.Keyboard | None,
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    match keyboard:
        case actions.InlineKeyboard(rows=rows):
            return InlineKeyboardMarkup(
                [[InlineKeyboardButton(b.text, callback_data=b.data, url=b.url) for b in row] for row in rows]
            )
        case actions.ReplyKeyboard(rows=rows, large=large, contact_button=contact):
            return ReplyKeyboardMarkup(
                [
                    [KeyboardButton(label, request_contact=label == contact or None) for label in row]
                    for row in rows
                ],
                resize_keyboard=not large,
                is_persistent=True,
            )
        case None:
            return None
    return ReplyKeyboardRemove()


def _translate(error: TelegramError) -> DeliveryError:
    match error:
        case RetryAfter(retry_after=delay):
            seconds = delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
            return RetryLater(seconds)
        case Forbidden():
            return ChatGone(error.message)
        case ChatMigrated(new_chat_id=new_chat_id):
            return ChatMoved(int(new_chat_id))
        case BadRequest():  # BadRequest subclasses NetworkError: match it first
            return Rejected(error.message)
        case NetworkError():
            return Transient(error.message)
    return Rejected(error.message)


async def _call(request: Awaitable[Any]) -> Any:
    try:
        return await request
    except TelegramError as exc:
        raise _translate(exc) from exc


class PtbApi:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, action: SendMessage) -> int:
        reply = (
            ReplyParameters(action.reply_to, allow_sending_without_reply=True) if action.reply_to else None
        )
        common: dict[str, Any] = {"reply_markup": _markup(action.keyboard), "reply_parameters": reply}
        if action.paid_broadcast:  # only when asked: the parameter is what makes Telegram charge Stars
            common["allow_paid_broadcast"] = True
        media = action.media
        if media is None:
            request = self.bot.send_message(action.chat_id, action.text, **common)
        else:
            file = (
                InputFile(media.upload.data, filename=media.upload.filename)
                if media.upload
                else media.file_id
            )
            send = {
                "photo": self.bot.send_photo,
                "voice": self.bot.send_voice,
                "document": self.bot.send_document,
            }
            request = send[media.kind](action.chat_id, file, caption=action.text, **common)
        sent = await _call(request)
        return int(sent.message_id)

    async def edit(self, action: EditMessage) -> None:
        markup = _markup(action.keyboard)
        if action.caption:
            request = self.bot.edit_message_caption(
                chat_id=action.chat_id, message_id=action.message_id, caption=action.text, reply_markup=markup
            )
        else:
            request = self.bot.edit_message_text(
                action.text, chat_id=action.chat_id, message_id=action.message_id, reply_markup=markup
            )
        await _call(request)

    async def answer(self, action: AnswerButton) -> None:
        await _call(
            self.bot.answer_callback_query(action.callback_id, text=action.text, show_alert=action.alert)
        )

    async def pin(self, chat_id: int, message_id: int) -> None:
        await _call(self.bot.pin_chat_message(chat_id, message_id))

    async def delete(self, action: DeleteMessage) -> None:
        await _call(self.bot.delete_message(action.chat_id, action.message_id))

    async def set_webhook(self, *, url: str, secret: str, allowed_updates: list[str]) -> None:
        await _call(
            self.bot.set_webhook(
                url, secret_token=secret, allowed_updates=allowed_updates, drop_pending_updates=False
            )
        )

    async def delete_webhook(self) -> None:
        await _call(self.bot.delete_webhook(drop_pending_updates=False))

    async def set_commands(self, commands: list[tuple[str, str]], *, chat_id: int | None = None) -> None:
        scope = BotCommandScopeDefault() if chat_id is None else BotCommandScopeChat(chat_id)
        await _call(self.bot.set_my_commands([BotCommand(c, d) for c, d in commands], scope=scope))

    async def download(self, file_id: str) -> bytes:
        file = await _call(self.bot.get_file(file_id))
        return bytes(await _call(file.download_as_bytearray()))


class PtbAdapter:
    def __init__(self, *, token: str, api_url: str) -> None:
        self.bot = Bot(
            token,
            base_url=f"{api_url}/bot",
            base_file_url=f"{api_url}/file/bot",
            request=AiohttpRequest(),
            # Never used (the intake fetches updates itself), but otherwise python-telegram-bot makes an
            # httpx client for it.
            get_updates_request=AiohttpRequest(connections=1),
        )
        self.api = PtbApi(self.bot)

    async def connect(self) -> BotIdentity:
        await _call(self.bot.initialize())
        return BotIdentity(self.bot.id, self.bot.username)

    async def close(self) -> None:
        await self.bot.shutdown()
