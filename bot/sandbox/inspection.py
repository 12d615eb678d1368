"""Looking at what happened, and waiting for it: the calls the bot made, the chats' messages, settle().

Tests read the sandbox through these instead of its internals, and wait with them instead of sleeping."""

from __future__ import annotations

import asyncio
import copy
import inspect
import time
from collections.abc import Callable
from typing import Any

from bot.sandbox.protocol import BOT_ID, JSON
from bot.sandbox.state import Call, commands_key
from bot.sandbox.updates import UpdateQueue

_MISSING = object()


class Inspection(UpdateQueue):
    """Views of the state for tests (messages as copies, so a test cannot change them), and waits on it."""

    def calls_of(
        self, method: str | None = None, *, since: int = 0, ok: bool | None = None, **match: Any
    ) -> list[Call]:
        """Recorded calls of `method` (any case; None = all) whose params equal `match`.

        A match value may also be a predicate, e.g. text=lambda t: "电梯" in t. `since` is an index into
        `calls` (take `len(sb.calls)` as a mark)."""
        wanted = method.lower() if method else None
        return [
            c
            for c in self.calls[since:]
            if (wanted is None or c.method.lower() == wanted)
            and (ok is None or c.ok == ok)
            and all(_matches(c.params.get(key, _MISSING), value) for key, value in match.items())
        ]

    def messages(self, chat_id: int, *, include_deleted: bool = False) -> list[JSON]:
        """The chat log (user and bot messages, edits applied), oldest first."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        return [
            copy.deepcopy(m)
            for mid, m in sorted(chat.log.items())
            if include_deleted or mid not in chat.deleted
        ]

    def get_message(self, chat_id: int, message_id: int) -> JSON:
        """Current version of a message; KeyError if unknown or deleted."""
        return copy.deepcopy(self._message(chat_id, message_id))

    def message_history(self, chat_id: int, message_id: int) -> list[JSON]:
        """Every version of a message, oldest first, the current one last."""
        chat = self._chats[chat_id]
        return copy.deepcopy([*chat.history.get(message_id, []), chat.log[message_id]])

    def find_messages(
        self, contains: str = "", *, chat_id: int | None = None, from_bot: bool | None = True
    ) -> list[JSON]:
        """Live messages whose text or caption contains `contains`, oldest first (from the bot by default)."""
        found = []
        for cid, mid in self._order:
            chat = self._chats[cid]
            message = chat.live(mid)
            if message is None or (chat_id is not None and cid != chat_id):
                continue
            if from_bot is not None and (message["from"]["id"] == BOT_ID) != from_bot:
                continue
            if contains in (message.get("text") or message.get("caption") or ""):
                found.append(copy.deepcopy(message))
        return found

    def file_bytes(self, file_id: str) -> bytes:
        return self._files[file_id].data

    def bot_commands(self, *, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        return copy.deepcopy(self._commands.get(commands_key(scope, language_code), []))

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 10.0, *, interval: float = 0.02, what: str = ""
    ) -> Any:
        """Poll `predicate` (sync or async) until it returns something truthy, and return that."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{what or 'condition'} not met within {timeout}s\n{self._recent_calls()}")
            await asyncio.sleep(interval)

    async def wait_calls(
        self,
        method: str,
        n: int = 1,
        timeout: float = 10.0,
        *,
        since: int = 0,
        ok: bool | None = None,
        **match: Any,
    ) -> list[Call]:
        """Wait until at least `n` calls match (see calls_of) and return all matching calls."""
        shown = ", ".join(f"{k}={v!r}" for k, v in match.items())
        return await self.wait_for(
            lambda: (
                (found := self.calls_of(method, since=since, ok=ok, **match)) and len(found) >= n and found
            ),
            timeout,
            what=f"{n} x {method}({shown})",
        )

    async def wait_message(self, contains: str, *, chat_id: int | None = None, timeout: float = 10.0) -> JSON:
        """Wait for a bot message containing `contains`; returns the newest such message."""
        found = await self.wait_for(
            lambda: self.find_messages(contains, chat_id=chat_id),
            timeout,
            what=f"bot message containing {contains!r}",
        )
        return found[-1]

    async def settle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until every queued update reached the bot and nothing happened for `quiet` seconds.

        Reached: fetched by getUpdates, or answered 2xx by the webhook. Nothing: no bot call in flight or
        arriving, no webhook POST in flight or sent."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            busy = self._inflight or self._webhook_busy
            if not self.pending_updates and not busy and now - self._last_activity >= quiet:
                return
            if now >= deadline:
                if self._webhook:
                    error = self._webhook_error[1] if self._webhook_error else "none"
                    stuck = f"not delivered to the webhook {self._webhook} (last error: {error})"
                else:
                    stuck = "not fetched (is the bot polling?)"
                raise TimeoutError(
                    f"sandbox did not settle within {timeout}s: {self.pending_updates} update(s) {stuck}, "
                    f"{self._inflight} call(s) in flight\n{self._recent_calls()}"
                )
            await asyncio.sleep(0.02)

    def _recent_calls(self, n: int = 12) -> str:
        recent = [c for c in self.calls if c.method != "getUpdates" or c.result or not c.ok][-n:]
        return "last calls:\n" + ("\n".join(f"  {c.summary()}" for c in recent) or "  (none)")


def _matches(actual: Any, expected: Any) -> bool:
    if callable(expected):
        return actual is not _MISSING and bool(expected(actual))
    return actual == expected
