"""Telegram's flood limits, kept on our side so the outbox rarely meets a 429."""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    per_private_chat: float = 1.0  # seconds between messages to one person
    per_group: int = 20  # messages to one group ...
    group_window: float = 60.0  # ... in this many seconds
    overall: int = 30  # messages per second across all chats


class FloodControl:
    """Answers "how long until I may send to this chat" from the history of our own sends."""

    def __init__(self, limits: Limits = Limits()) -> None:
        self.limits = limits
        self._sent: defaultdict[int, deque[float]] = defaultdict(deque)
        self._overall: deque[float] = deque()
        self._held_until: dict[int, float] = {}

    def wait_time(self, chat_id: int, now: float) -> float:
        lim = self.limits
        self._trim(self._overall, now - 1.0)
        wait = 0.0
        held = self._held_until.get(chat_id)
        if held is not None:
            if held > now:
                wait = held - now
            else:
                del self._held_until[chat_id]
        if len(self._overall) >= lim.overall:
            wait = self._overall[0] + 1.0 - now
        history = self._sent.get(chat_id)
        if history:
            if chat_id > 0:
                wait = max(wait, history[-1] + lim.per_private_chat - now)
            else:
                self._trim(history, now - lim.group_window)
                if len(history) >= lim.per_group:
                    wait = max(wait, history[0] + lim.group_window - now)
        return max(wait, 0.0)

    def record(self, chat_id: int, now: float) -> None:
        self._overall.append(now)
        history = self._sent[chat_id]
        history.append(now)
        if chat_id > 0:
            while len(history) > 1:
                history.popleft()

    def hold(self, chat_id: int, until: float) -> None:
        """After a 429, send nothing to the chat until the time Telegram named."""
        self._held_until[chat_id] = max(until, self._held_until.get(chat_id, until))

    @staticmethod
    def _trim(history: deque[float], horizon: float) -> None:
        while history and history[0] <= horizon:
            history.popleft()
