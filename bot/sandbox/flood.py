"""Telegram's sending limits, as the sandbox enforces them: 429 "Too Many Requests: retry after N"."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's (unofficial but well-known) sending limits; tests shrink them or switch them off."""

    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_window: int = 20
    group_window: float = 60.0
    global_per_second: int = 30
    # Paid broadcasts (allow_paid_broadcast, 0.1 Star each) may go this fast overall; each chat's limit stays.
    paid_per_second: int = 1000
    enabled: bool = True


class FloodLimiter:
    """Per chat (a token bucket for private chats, a window for groups) and overall, like Telegram."""

    def __init__(self, limits: FloodLimits, clock: Callable[[], float]) -> None:
        self.limits, self.clock = limits, clock
        self._overall: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}
        self._buckets: dict[int, tuple[float, float]] = {}  # private chat -> (tokens, at)

    def _tokens(self, chat_id: int, now: float) -> float:
        tokens, at = self._buckets.get(chat_id, (float(self.limits.private_burst), now))
        return min(float(self.limits.private_burst), tokens + (now - at) * self.limits.private_per_second)

    @staticmethod
    def _prune(window: deque[float], since: float) -> deque[float]:
        while window and window[0] <= since:
            window.popleft()
        return window

    def retry_after(self, chat_id: int, *, paid: bool = False) -> int | None:
        """Whole seconds until a message to chat_id would be allowed, or None if it is allowed now.
        A paid broadcast counts against the higher overall limit; every message sent counts in both."""
        if not self.limits.enabled:
            return None
        now, waits = self.clock(), [0.0]
        overall = self._prune(self._overall, now - 1.0)
        limit = self.limits.paid_per_second if paid else self.limits.global_per_second
        if len(overall) >= limit:
            waits.append(overall[len(overall) - limit] + 1.0 - now)
        if chat_id < 0:
            group = self._prune(self._groups.setdefault(chat_id, deque()), now - self.limits.group_window)
            if len(group) >= self.limits.group_per_window:
                waits.append(group[0] + self.limits.group_window - now)
        elif (tokens := self._tokens(chat_id, now)) < 1.0:
            waits.append((1.0 - tokens) / self.limits.private_per_second)
        wait = max(waits)
        return max(1, math.ceil(wait)) if wait > 0 else None

    def record(self, chat_id: int) -> None:
        now = self.clock()
        self._overall.append(now)
        if chat_id < 0:
            self._groups.setdefault(chat_id, deque()).append(now)
        else:
            self._buckets[chat_id] = (self._tokens(chat_id, now) - 1.0, now)
