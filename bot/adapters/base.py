"""What the runtime needs from an adapter; both frameworks provide exactly this."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.delivery import BotApi


@dataclass(frozen=True, slots=True)
class BotIdentity:
    id: int
    username: str


class Adapter(Protocol):
    api: BotApi

    async def connect(self) -> BotIdentity:
        """Open the session and ask Telegram who we are (getMe)."""
        ...

    async def close(self) -> None: ...
