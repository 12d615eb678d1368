"""Telegram's flood limits, kept on our side so the outbox does not meet a 429.

Every send is stamped with the moment its call *returned*, not the moment it was made. Telegram counts a
message at some instant between our request and its answer, so that instant is never later than our stamp;
and the next request only leaves once the stamp is a full window old. Telegram's gap between the two is then
strictly longer than the window, whatever the latency and its jitter, so no safety margin is needed and none
is added (a margin would only cost throughput: 5 ms per second is 0.5%). Several workers send at once, so a
call still out counts against the overall limit from the moment it leaves (`begin`) until it is recorded;
within one chat calls go one at a time (the outbox and the workers never have two out for one chat).

The limits themselves are the well-known ones: about one message a second to a person, 20 a minute to a
group, 30 a second overall. A 429 still wins over all of this: `hold` keeps a chat quiet as long as told.
Paid broadcasts (`allow_paid_broadcast`, 0.1 Star a message) may go up to 1,000 a second overall; they count
in the same history, so free messages after a burst of paid ones wait until fewer than 30 went in the last
second. Each chat's own limit holds for them as for any message.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

OVERALL_WINDOW = 1.0  # seconds; `Limits.overall` counts messages in any window this long
IN_FLIGHT_POLL = 0.005  # seconds between looks while the limit is full of calls not yet returned
UNLIMITED = 1 << 30  # room in a chat when a limit is switched off (tests use huge limits for "none")


@dataclass(frozen=True, slots=True)
class Limits:
    per_private_chat: float = 1.0  # seconds between messages to one person
    per_group: int = 20  # messages to one group ...
    group_window: float = 60.0  # ... in this many seconds
    overall: int = 30  # messages per second across all chats
    paid_overall: int = 1000  # the same for paid broadcasts


@dataclass(frozen=True, slots=True)
class Slots:
    """Which chats may get how much right now, frozen so a worker thread can plan a claim with it."""

    blocked: dict[int, float]  # chats that may get nothing now -> seconds until they may
    group_room: dict[int, int]  # groups with recent sends -> how many more fit in their window now
    private_room: int  # messages a person may get back to back (1, or UNLIMITED without spacing)
    per_group: int

    def room(self, chat_id: int) -> int:
        """How many messages this chat may get now, one after the other (the overall limit aside)."""
        if chat_id in self.blocked:
            return 0
        if chat_id > 0:
            return self.private_room
        return self.group_room.get(chat_id, self.per_group)


class FloodControl:
    """Answers "how long until I may send to this chat" from the history of our own sends."""

    def __init__(self, limits: Limits = Limits()) -> None:
        self.limits = limits
        self._overall: deque[float] = deque()
        self._private: dict[int, float] = {}  # person -> when our last message to them returned
        self._groups: dict[int, deque[float]] = {}
        self._held_until: dict[int, float] = {}
        self._in_flight = 0

    def wait_time(self, chat_id: int, now: float, *, paid: bool = False) -> float:
        """Seconds until a message to this chat would be within every limit (0: send now)."""
        return max(self.overall_wait(now, paid=paid), self.chat_wait(chat_id, now))

    def overall_wait(self, now: float, *, paid: bool = False) -> float:
        """Seconds until one more message (a paid broadcast: `paid`) may go to anyone (calls still out
        count as sent)."""
        _trim(self._overall, now - OVERALL_WINDOW)
        room = (self.limits.paid_overall if paid else self.limits.overall) - self._in_flight
        if len(self._overall) < room:
            return 0.0
        if room <= 0:
            return IN_FLIGHT_POLL  # only a call coming back can make room
        return max(_window_wait(self._overall, room, OVERALL_WINDOW, now), 0.0)

    def begin(self) -> None:
        """A call is about to go out. From now until it is recorded it holds a place in the overall
        limit: several workers send at once, and each must see the others' calls. Take it in the same
        step as the check that there is room, with no await between."""
        self._in_flight += 1

    def end(self) -> None:
        self._in_flight -= 1

    def chat_wait(self, chat_id: int, now: float) -> float:
        """Seconds until this chat's own limit (or a 429 hold) lets one more message through."""
        wait = self._held_until.get(chat_id, now) - now
        if chat_id > 0:
            last = self._private.get(chat_id)
            if last is not None:
                wait = max(wait, last + self.limits.per_private_chat - now)
        elif (sent := self._groups.get(chat_id)) is not None:
            _trim(sent, now - self.limits.group_window)
            wait = max(wait, _window_wait(sent, self.limits.per_group, self.limits.group_window, now))
        return max(wait, 0.0)

    def record(self, chat_id: int, now: float) -> None:
        """Count a message to this chat; `now` is when its call returned (see the module docstring)."""
        self._overall.append(now)
        if chat_id > 0:
            self._private[chat_id] = max(now, self._private.get(chat_id, now))
        else:
            self._groups.setdefault(chat_id, deque()).append(now)

    def hold(self, chat_id: int, until: float) -> None:
        """After a 429, send nothing to the chat until the time Telegram named."""
        self._held_until[chat_id] = max(until, self._held_until.get(chat_id, until))

    def slots(self, now: float) -> Slots:
        """A snapshot of what each chat's limits allow at `now`, for planning one batch."""
        self._forget(now)
        lim = self.limits
        blocked = {
            chat: wait
            for chat in self._private.keys() | self._groups.keys() | self._held_until.keys()
            if (wait := self.chat_wait(chat, now)) > 0
        }
        return Slots(
            blocked=blocked,
            group_room={group: max(lim.per_group - len(sent), 0) for group, sent in self._groups.items()},
            private_room=1 if lim.per_private_chat > 0 else UNLIMITED,
            per_group=lim.per_group,
        )

    def _forget(self, now: float) -> None:
        """Drop what no longer limits anything, so the history stays as small as the windows."""
        _trim(self._overall, now - OVERALL_WINDOW)
        horizon = now - self.limits.group_window
        for group in [g for g, sent in self._groups.items() if not _trim(sent, horizon)]:
            del self._groups[group]
        spacing = self.limits.per_private_chat
        for person in [p for p, last in self._private.items() if last + spacing <= now]:
            del self._private[person]
        for chat in [c for c, until in self._held_until.items() if until <= now]:
            del self._held_until[chat]


def _window_wait(sent: deque[float], limit: int, window: float, now: float) -> float:
    """Until a window (already trimmed to `now`) holds fewer than `limit` sends."""
    if len(sent) < limit:
        return 0.0
    # The send that has to leave the window before one more fits. More than `limit` may have been
    # recorded (sends made outside the outbox), so it is not always the oldest.
    return sent[len(sent) - limit] + window - now


def _trim(sent: deque[float], horizon: float) -> deque[float]:
    # A send exactly one window old no longer counts; Telegram's stand-in draws the line the same way.
    while sent and sent[0] <= horizon:
        sent.popleft()
    return sent
