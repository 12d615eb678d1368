"""aiogram adapter: translates updates to events and actions to Bot API calls."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher
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
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
    Update,
)

from bot.adapters.base import ALLOWED_UPDATES, BotIdentity, EventSink, bot_joined
from bot.delivery import ChatGone, DeliveryError, Rejected, RetryLater, Transient
from handlers.actions import AnswerButton, EditMessage, InlineKeyboard, Keyboard, ReplyKeyboard, SendMessage
from handlers.events import (
    BotMembership,
    ButtonPress,
    ChatRef,
    Event,
    IncomingMessage,
    Person,
    RepliedMessage,
)


def _markup(
    keyboard: Keyboard | None,
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    match keyboard:
        case InlineKeyboard(rows=rows):
            return InlineKeyboardMarkup(
                inline_keyboard=[
                    [InlineKeyboardButton(text=b.text, callback_data=b.data) for b in row] for row in rows
                ]
            )
        case ReplyKeyboard(rows=rows):
            return ReplyKeyboardMarkup(
                keyboard=[[KeyboardButton(text=label) for label in row] for row in rows],
                resize_keyboard=True,
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
        case TelegramBadRequest() | TelegramNotFound() | TelegramMigrateToChat():
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
        await _call(self.bot.pin_chat_message(chat_id, message_id))


def _person(user: Any) -> Person:
    return Person(user.id, user.first_name or "", user.username)


def _chat(chat: Any) -> ChatRef:
    return ChatRef(chat.id, chat.type, chat.title or chat.first_name or "")


def _message_event(update_id: int, message: Message) -> IncomingMessage | None:
    if message.from_user is None or message.from_user.is_bot:
        return None
    replied = message.reply_to_message
    return IncomingMessage(
        update_id=update_id,
        chat=_chat(message.chat),
        sender=_person(message.from_user),
        message_id=message.message_id,
        text=message.text or message.caption or "",
        photo_file_id=message.photo[-1].file_id if message.photo else None,
        voice_file_id=message.voice.file_id if message.voice else None,
        reply_to=RepliedMessage(
            replied.message_id,
            replied.from_user.id if replied.from_user else None,
            bool(replied.from_user and replied.from_user.is_bot),
        )
        if replied
        else None,
    )


def to_event(update: Update) -> Event | None:
    if update.message is not None:
        return _message_event(update.update_id, update.message)
    query = update.callback_query
    if query is not None and query.message is not None:
        return ButtonPress(
            update_id=update.update_id,
            callback_id=query.id,
            chat=_chat(query.message.chat),
            sender=_person(query.from_user),
            message_id=query.message.message_id,
            data=query.data or "",
        )
    change = update.my_chat_member
    if change is not None and change.chat.type in ("group", "supergroup"):
        present = bot_joined(str(change.old_chat_member.status), str(change.new_chat_member.status))
        if present is not None:
            return BotMembership(update.update_id, _chat(change.chat), _person(change.from_user), present)
    return None


class AiogramAdapter:
    def __init__(self, *, token: str, api_url: str, poll_timeout: int = 10) -> None:
        self.bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
        self.api = AiogramApi(self.bot)
        self.dispatcher = Dispatcher()
        self.poll_timeout = poll_timeout
        self._polling: asyncio.Task[None] | None = None

    async def connect(self) -> BotIdentity:
        me = await self.bot.me()
        return BotIdentity(me.id, me.username or "")

    async def start_polling(self, on_event: EventSink) -> None:
        async def every_update(
            _handler: Callable[..., Awaitable[Any]], update: Any, _data: dict[str, Any]
        ) -> None:
            # An outer middleware sees every raw update; the core does the routing, not aiogram.
            event = to_event(update) if isinstance(update, Update) else None
            if event is not None:
                await on_event(event)

        self.dispatcher.update.outer_middleware(every_update)
        self._polling = asyncio.create_task(
            self.dispatcher.start_polling(
                self.bot,
                polling_timeout=self.poll_timeout,
                handle_as_tasks=False,  # one update at a time, in order, as with python-telegram-bot
                handle_signals=False,
                allowed_updates=ALLOWED_UPDATES,
                close_bot_session=False,
            )
        )

    async def stop(self) -> None:
        if self._polling is not None:
            with contextlib.suppress(RuntimeError):  # polling had not got going yet
                await self.dispatcher.stop_polling()
            self._polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling
        await self.bot.session.close()
