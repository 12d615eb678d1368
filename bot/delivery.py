"""Carrying out actions through whichever adapter is running, with Telegram's error rules."""

from __future__ import annotations

import logging
from typing import Protocol

from handlers.actions import Action, AnswerButton, DeleteMessage, EditMessage, SendMessage

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """Base of the errors both adapters translate their framework's errors into."""


class RetryLater(DeliveryError):
    """429 Too Many Requests: wait `seconds`, then the same call will be accepted."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class ChatGone(DeliveryError):
    """403: the bot was blocked or removed; writing to this chat again is pointless."""


class Rejected(DeliveryError):
    """400: Telegram will never accept this call as it is."""


class ChatMoved(DeliveryError):
    """400 "group chat was upgraded to a supergroup chat": the same call goes to `new_chat_id` instead."""

    def __init__(self, new_chat_id: int) -> None:
        super().__init__(f"group chat was upgraded to a supergroup chat {new_chat_id}")
        self.new_chat_id = new_chat_id


class Transient(DeliveryError):
    """Network trouble or a 5xx: the same call may well work a little later."""


class BotApi(Protocol):
    """The calls the bot makes; each adapter implements them on its framework."""

    async def send(self, action: SendMessage) -> int: ...

    async def edit(self, action: EditMessage) -> None: ...

    async def answer(self, action: AnswerButton) -> None: ...

    async def pin(self, chat_id: int, message_id: int) -> None: ...

    async def delete(self, action: DeleteMessage) -> None: ...

    async def set_webhook(self, *, url: str, secret: str, allowed_updates: list[str]) -> None: ...

    async def delete_webhook(self) -> None:
        """Switch to getUpdates; pending updates are kept."""
        ...

    async def set_commands(self, commands: list[tuple[str, str]], *, chat_id: int | None = None) -> None:
        """The command menu for everyone (chat_id None) or for one chat or person."""
        ...

    async def download(self, file_id: str) -> bytes:
        """The content of a file someone sent (getFile, then the file itself); DeliveryError if it fails."""
        ...


async def perform(api: BotApi, action: Action) -> int | None:
    """One attempt; returns the new message id for sends."""
    match action:
        case SendMessage():
            message_id = await api.send(action)
            if action.pin:
                try:
                    await api.pin(action.chat_id, message_id)
                except DeliveryError as exc:
                    # The message is out; raising here would have it sent again. A missing pin is only logged.
                    log.warning("could not pin message %s in %s: %s", message_id, action.chat_id, exc)
            return message_id
        case EditMessage():
            try:
                await api.edit(action)
            except Rejected as exc:
                # An edit that changes nothing is a success from our point of view.
                if "not modified" not in str(exc):
                    raise
            return None
        case AnswerButton():
            await api.answer(action)
            return None
        case DeleteMessage():
            await api.delete(action)
            return None
