"""What the runtime needs from an adapter; both frameworks provide exactly this."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bot.delivery import BotApi
from handlers.events import Event

EventSink = Callable[[Event], Awaitable[None]]
# The update types the core understands; asking for no others keeps traffic down.
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


@dataclass(frozen=True, slots=True)
class BotIdentity:
    id: int
    username: str


class Adapter(Protocol):
    api: BotApi

    async def connect(self) -> BotIdentity:
        """Open the session and ask Telegram who we are (getMe)."""
        ...

    async def start_polling(self, on_event: EventSink) -> None:
        """Start feeding updates, translated to events, to `on_event`, one at a time."""
        ...

    async def stop(self) -> None: ...


def bot_joined(old_status: str, new_status: str) -> bool | None:
    """True/False when a my_chat_member change adds/removes the bot, None when it is neither."""
    inside = {"member", "administrator", "creator", "restricted"}
    if old_status not in inside and new_status in inside:
        return True
    if old_status in inside and new_status not in inside:
        return False
    return None
