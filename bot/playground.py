"""The bot and a local Telegram stand-in in one process, with a small cast of neighbours.

Used by `linli demo`, `linli shell` and the end-to-end tests: everything here is the real bot,
the real framework and a real database; only Telegram is replaced by the sandbox.
"""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from pydantic import SecretStr

from bot.config import Settings
from bot.flood import Limits
from bot.runtime import Runtime
from bot.sandbox import FloodLimits, Sandbox
from storage.db import utcnow

TOKEN = "123456:SANDBOX-TOKEN"
PRIVATE = "私聊"


@dataclass(frozen=True, slots=True)
class Actor:
    id: int
    name: str
    role: str  # for people reading the cast list; the bot learns roles only through commands


@dataclass(frozen=True, slots=True)
class Group:
    id: int
    title: str


CAST = (
    Actor(1001, "李主任", "管理员"),
    Actor(1002, "王师傅", "物业维修"),
    Actor(1003, "张阿姨", "3号楼居民"),
    Actor(1004, "刘大爷", "5号楼居民"),
    Actor(1005, "陈姐", "3号楼居民"),
)
STAFF_GROUP = Group(-1001000000001, "物业工作群")
GROUPS = (STAFF_GROUP, Group(-1001000000003, "3号楼业主群"), Group(-1001000000005, "5号楼业主群"))
ADMIN = CAST[0]


class Playground:
    def __init__(
        self,
        *,
        framework: str = "ptb",
        database_url: str | None = None,
        sandbox_limits: FloodLimits | None = None,
        bot_limits: Limits | None = None,
        clock: Callable[[], datetime] = utcnow,
        weekly_report: str = "off",  # a playground run on a Monday morning would otherwise post one at start
        webhook: bool = False,  # the sandbox posts updates to the bot's webhook instead of being polled
    ) -> None:
        self.framework = framework
        self.clock = clock
        self.weekly_report = weekly_report
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if database_url is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="linli-")
            database_url = f"sqlite:///{Path(self._tmp.name) / 'linli.db'}"
        self.database_url = database_url
        self.sandbox = Sandbox(limits=sandbox_limits)
        self._bot_limits = bot_limits
        self._webhook_port = free_port() if webhook else None
        self.runtime: Runtime | None = None

    async def __aenter__(self) -> Playground:
        await self.sandbox.start()
        for actor in CAST:
            self.sandbox.add_user(actor.id, actor.name)
        for group in GROUPS:
            self.sandbox.add_group(group.id, group.title)
        self.runtime = self.new_runtime()
        await self.runtime.start()
        return self

    def new_runtime(self) -> Runtime:
        """A bot process on this playground's database (tests start a second one to play a restart)."""
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            bot_token=SecretStr(TOKEN),
            framework=self.framework,  # type: ignore[arg-type]
            api_url=self.sandbox.url,
            database_url=self.database_url,
            staff_chat_id=STAFF_GROUP.id,
            admin_ids=frozenset({ADMIN.id}),
            weekly_report=self.weekly_report,
            **self._webhook_settings(),
        )
        # Quick retries after a 5xx, so fault tests take seconds; the schedule's shape is the real one.
        return Runtime(settings, limits=self._bot_limits, poll_timeout=1, clock=self.clock, retry_base=0.02)

    def _webhook_settings(self) -> dict[str, Any]:
        if self._webhook_port is None:
            return {}
        return {
            "webhook_url": f"http://127.0.0.1:{self._webhook_port}/telegram/webhook",
            "webhook_secret": SecretStr("playground-secret"),
            "webhook_listen": f"127.0.0.1:{self._webhook_port}",
        }

    async def __aexit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self.runtime is not None:
            await self.runtime.stop()
        await self.sandbox.stop()
        if self.runtime is not None:
            self.runtime.engine.dispose()
        if self._tmp is not None:
            self._tmp.cleanup()

    # --- who and where

    def actor(self, name: str) -> Actor:
        for actor in CAST:
            if actor.name == name:
                return actor
        raise KeyError(f"no one called {name!r}; the cast is {', '.join(a.name for a in CAST)}")

    def chat_id(self, where: str, who: str) -> int:
        if where == PRIVATE:
            return self.actor(who).id
        for group in GROUPS:
            if group.title == where or group.title.startswith(where):
                return group.id
        raise KeyError(f"no chat {where!r}; chats: {', '.join(g.title for g in GROUPS)}, {PRIVATE}")

    # --- doing things as people

    def say(self, who: str, where: str, text: str, *, reply_to: int | None = None) -> dict[str, Any]:
        return self.sandbox.send_text(
            chat_id=self.chat_id(where, who), user_id=self.actor(who).id, text=text, reply_to=reply_to
        )

    def photo(self, who: str, where: str, caption: str | None = None) -> dict[str, Any]:
        return self.sandbox.send_photo(
            chat_id=self.chat_id(where, who), user_id=self.actor(who).id, caption=caption
        )

    def voice(self, who: str, where: str, caption: str | None = None) -> dict[str, Any]:
        return self.sandbox.send_voice(
            chat_id=self.chat_id(where, who), user_id=self.actor(who).id, caption=caption
        )

    def share_contact(self, who: str, phone: str | None = None) -> dict[str, Any]:
        """`who` presses the bot's 发送我的电话 button in their private chat: their own contact card."""
        user_id = self.actor(who).id
        return self.sandbox.share_contact(chat_id=user_id, user_id=user_id, phone_number=phone)

    def press(
        self, who: str, where: str, message_id: int, *, label: str | None = None, data: str | None = None
    ) -> str:
        return self.sandbox.press(
            chat_id=self.chat_id(where, who),
            user_id=self.actor(who).id,
            message_id=message_id,
            button=label,
            data=data,
        )

    async def settle(self) -> None:
        await self.sandbox.settle()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
