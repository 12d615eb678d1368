"""python-telegram-bot adapter: translates updates to events and actions to Bot API calls."""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.warnings import PTBDeprecationWarning

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

# PTB 22 warns on every 429 that retry_after will become a timedelta; _translate accepts both forms.
warnings.filterwarnings("ignore", message=".*retry_after.*", category=PTBDeprecationWarning)


def _markup(
    keyboard: Keyboard | None,
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    match keyboard:
        case InlineKeyboard(rows=rows):
            return InlineKeyboardMarkup(
                [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in rows]
            )
        case ReplyKeyboard(rows=rows):
            return ReplyKeyboardMarkup([list(row) for row in rows], resize_keyboard=True, is_persistent=True)
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
        case BadRequest() | ChatMigrated():  # BadRequest subclasses NetworkError: match it first
            return Rejected(error.message)
        case NetworkError():
            return Transient(error.message)
    return Rejected(error.message)


class PtbApi:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, action: SendMessage) -> int:
        reply = (
            ReplyParameters(action.reply_to, allow_sending_without_reply=True) if action.reply_to else None
        )
        common = {"reply_markup": _markup(action.keyboard), "reply_parameters": reply}
        media = action.media
        try:
            if media is None:
                sent = await self.bot.send_message(action.chat_id, action.text, **common)
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
                sent = await send[media.kind](action.chat_id, file, caption=action.text, **common)
        except TelegramError as exc:
            raise _translate(exc) from exc
        return sent.message_id

    async def edit(self, action: EditMessage) -> None:
        markup = _markup(action.keyboard)
        try:
            if action.caption:
                await self.bot.edit_message_caption(
                    chat_id=action.chat_id,
                    message_id=action.message_id,
                    caption=action.text,
                    reply_markup=markup,
                )
            else:
                await self.bot.edit_message_text(
                    action.text, chat_id=action.chat_id, message_id=action.message_id, reply_markup=markup
                )
        except TelegramError as exc:
            raise _translate(exc) from exc

    async def answer(self, action: AnswerButton) -> None:
        try:
            await self.bot.answer_callback_query(
                action.callback_id, text=action.text, show_alert=action.alert
            )
        except TelegramError as exc:
            raise _translate(exc) from exc

    async def pin(self, chat_id: int, message_id: int) -> None:
        try:
            await self.bot.pin_chat_message(chat_id, message_id)
        except TelegramError as exc:
            raise _translate(exc) from exc


def _person(user: object) -> Person:
    return Person(user.id, user.first_name or "", user.username)  # type: ignore[attr-defined]


def _chat(chat: object) -> ChatRef:
    title = chat.title or chat.first_name or ""  # type: ignore[attr-defined]
    return ChatRef(chat.id, chat.type, title)  # type: ignore[attr-defined]


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
        present = bot_joined(change.old_chat_member.status, change.new_chat_member.status)
        if present is not None:
            return BotMembership(update.update_id, _chat(change.chat), _person(change.from_user), present)
    return None


class PtbAdapter:
    def __init__(self, *, token: str, api_url: str, poll_timeout: int = 10) -> None:
        self.app: Application = (  # type: ignore[type-arg]
            ApplicationBuilder()
            .token(token)
            .base_url(f"{api_url}/bot{{token}}")
            .base_file_url(f"{api_url}/file/bot{{token}}")
            .build()
        )
        self.api = PtbApi(self.app.bot)
        self.poll_timeout = poll_timeout

    async def connect(self) -> BotIdentity:
        await self.app.initialize()
        return BotIdentity(self.app.bot.id, self.app.bot.username)

    async def start_polling(self, on_event: EventSink) -> None:
        async def handle(update: object, _context: ContextTypes.DEFAULT_TYPE) -> None:
            event = to_event(update) if isinstance(update, Update) else None
            if event is not None:
                await on_event(event)

        self.app.add_handler(TypeHandler(Update, handle))
        await self.app.start()
        assert self.app.updater is not None
        await self.app.updater.start_polling(timeout=self.poll_timeout, allowed_updates=ALLOWED_UPDATES)

    async def stop(self) -> None:
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
