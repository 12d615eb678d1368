"""aiogram adapter: Bot API calls made with aiogram, its errors mapped to ours.

Updates do not come through here: the intake fetches them raw and translates them once for both adapters.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)

from bot.adapters.base import BotIdentity
from bot.delivery import ChatGone, ChatMoved, DeliveryError, Rejected, RetryLater, Transient
from handlers import actions
from handlers.actions import AnswerButton, DeleteMessage, EditMessage, SendMessage


def _markup(
    keyboard: actions.Keyboard | None,
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    match keyboard:
        case actions.InlineKeyboard(rows=rows):
            return InlineKeyboardMarkup(
                inline_keyboard=[
                    [InlineKeyboardButton(text=b.text, callback_data=b.data, url=b.url) for b in row]
                    for row in rows
                ]
            )
        case actions.ReplyKeyboard(rows=rows, large=large, contact_button=contact):
            return ReplyKeyboardMarkup(
                keyboard=[
                    [KeyboardButton(text=label, request_contact=label == contact or None) for label in row]
                    for row in rows
                ],
                resize_keyboard=not large,
                is_persistent=True,
            )
        case None:
            return None
    return ReplyKeyboardRemove()


def _translate(error: TelegramAPIError) -> DeliveryError:
    match error:
        case TelegramRetryAfter(retry_after=seconds):
            return RetryLater(float(seconds))
        case TelegramForbiddenError():
            return ChatGone(error.message)
        case TelegramMigrateToChat(migrate_to_chat_id=new_chat_id):
            return ChatMoved(int(new_chat_id))
        case TelegramBadRequest() | TelegramNotFound():
            return Rejected(error.message)
        case TelegramServerError() | TelegramNetworkError():
            return Transient(error.message)
    return Rejected(error.message)


async def _call(request: Awaitable[Any]) -> Any:
    try:
        return await request
    except TelegramAPIError as exc:
        raise _translate(exc) from exc


class AiogramApi:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, action: SendMessage) -> int:
        reply = (
            ReplyParameters(message_id=action.reply_to, allow_sending_without_reply=True)
            if action.reply_to
            else None
        )
        common: dict[str, Any] = {"reply_markup": _markup(action.keyboard), "reply_parameters": reply}
        if action.paid_broadcast:  # only when asked: the parameter is what makes Telegram charge Stars
            common["allow_paid_broadcast"] = True
        media = action.media
        if media is None:
            request = self.bot.send_message(action.chat_id, action.text, **common)
        else:
            file = (
                BufferedInputFile(media.upload.data, media.upload.filename) if media.upload else media.file_id
            )
            send = {
                "photo": self.bot.send_photo,
                "voice": self.bot.send_voice,
                "document": self.bot.send_document,
            }
            request = send[media.kind](action.chat_id, file, caption=action.text, **common)
        sent: Message = await _call(request)
        return sent.message_id

    async def edit(self, action: EditMessage) -> None:
        markup = _markup(action.keyboard)
        if action.caption:
            request = self.bot.edit_message_caption(
                chat_id=action.chat_id, message_id=action.message_id, caption=action.text, reply_markup=markup
            )
        else:
            request = self.bot.edit_message_text(
                text=action.text, chat_id=action.chat_id, message_id=action.message_id, reply_markup=markup
            )
        await _call(request)

    async def answer(self, action: AnswerButton) -> None:
        await _call(
            self.bot.answer_callback_query(action.callback_id, text=action.text, show_alert=action.alert)
        )

    async def pin(self, chat_id: int, message_id: int) -> None:
        await _call(self.bot.pin_chat_message(chat_id=chat_id, message_id=message_id))

    async def delete(self, action: DeleteMessage) -> None:
        await _call(self.bot.delete_message(chat_id=action.chat_id, message_id=action.message_id))

    async def set_webhook(self, *, url: str, secret: str, allowed_updates: list[str]) -> None:
        await _call(
            self.bot.set_webhook(
                url, secret_token=secret, allowed_updates=allowed_updates, drop_pending_updates=False
            )
        )

    async def delete_webhook(self) -> None:
        await _call(self.bot.delete_webhook(drop_pending_updates=False))

    async def set_commands(self, commands: list[tuple[str, str]], *, chat_id: int | None = None) -> None:
        scope = BotCommandScopeDefault() if chat_id is None else BotCommandScopeChat(chat_id=chat_id)
        await _call(
            self.bot.set_my_commands([BotCommand(command=c, description=d) for c, d in commands], scope=scope)
        )

    async def download(self, file_id: str) -> bytes:
        try:
            content = await _call(self.bot.download(file_id))
        except (aiohttp.ClientError, TimeoutError) as exc:  # the file itself comes outside the API call
            raise Transient(type(exc).__name__) from exc
        if content is None:
            raise Transient("no file content")
        return bytes(content.getvalue())


class AiogramAdapter:
    def __init__(self, *, token: str, api_url: str) -> None:
        self.bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url), limit=32))
        self.api = AiogramApi(self.bot)

    async def connect(self) -> BotIdentity:
        me = await _call(self.bot.me())
        return BotIdentity(me.id, me.username or "")

    async def close(self) -> None:
        await self.bot.session.close()
