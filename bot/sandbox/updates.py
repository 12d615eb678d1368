"""The update queue, and getUpdates: the way out of it while the bot polls (webhook.py has the other)."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import time

from bot.sandbox.markup import clean
from bot.sandbox.protocol import CONFLICT, JSON, ApiError
from bot.sandbox.state import Poll, Queued, SandboxState

# Telegram leaves these out of getUpdates unless allowed_updates asks for them explicitly.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class UpdateQueue(SandboxState):
    """Every update the bot is to get waits here, in order, until getUpdates or the webhook takes it."""

    def raw_update(self, update: JSON) -> JSON:
        """Queue any update; it is returned by getUpdates, or pushed to the webhook if one is set."""
        update = clean(copy.deepcopy(update))
        if "update_id" in update:
            self._last_update_id = max(self._last_update_id, int(update["update_id"]))
        else:
            self._last_update_id += 1
            update = {"update_id": self._last_update_id, **update}
        self._delivered[update["update_id"]] = update
        self._queue.append(Queued(update))
        self._notify()
        return copy.deepcopy(update)

    def redeliver(self, update_id: int) -> JSON:
        """Queue an already delivered update again, as Telegram does after a lost confirmation.

        With a webhook set it is pushed again, behind whatever is queued."""
        update = self._delivered[update_id]
        self._queue.append(Queued(update, forced=True))
        self._notify()
        return copy.deepcopy(update)

    @property
    def pending_updates(self) -> int:
        """Queued updates the bot has not got yet.

        Polling: those getUpdates has not returned. Webhook: those not yet answered with a 2xx."""
        if self._webhook:
            return len(self._queue)
        return sum(not q.fetched for q in self._queue)

    def _notify(self) -> None:
        """Wake whoever waits for news: long polls, the webhook pusher and its backoff."""
        wake, self._wake = self._wake, asyncio.Event()
        wake.set()

    def _drop_unwanted(self) -> None:
        """Forget queued updates that allowed_updates excludes, as Telegram does (polling and webhook)."""
        allowed = set(self._allowed_updates)
        self._queue = [
            q for q in self._queue if _update_kind(q.update) in allowed or _allowed_by_default(q, allowed)
        ]

    def _take_updates(self, offset: int | None, limit: int) -> list[JSON]:
        if offset is not None and offset < 0:
            self._queue = self._queue[offset:]  # "-N": keep the last N, forget the rest
        elif offset:
            self._queue = [q for q in self._queue if q.forced or q.update["update_id"] >= offset]
        self._drop_unwanted()
        batch: list[Queued] = []
        for queued in self._queue:
            # Redelivered updates go out on their own, so the client's next offset can't skip newer ones.
            if len(batch) >= limit or (batch and queued.forced != batch[0].forced):
                break
            batch.append(queued)
        for queued in batch:
            queued.fetched = True
        self._queue = [q for q in self._queue if not (q.forced and q.fetched)]
        return copy.deepcopy([q.update for q in batch])

    async def _get_updates(self, params: JSON, token: str) -> list[JSON]:
        if self._webhook:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
                "the webhook first",
            )
        if isinstance(params.get("allowed_updates"), list):
            self._allowed_updates = [str(u) for u in params["allowed_updates"]]
        offset = params.get("offset")
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if (previous := self._polls.get(token)) is not None:
            previous.superseded = True  # like Telegram: the newer request wins, the older gets 409
            self._notify()
        poll = self._polls[token] = Poll()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            while True:
                if poll.superseded:
                    raise ApiError(409, CONFLICT)
                batch = self._take_updates(offset if isinstance(offset, int) else None, limit)
                offset = None  # confirmed once; later rounds only look for new updates
                if batch:
                    self._last_activity = time.monotonic()
                    return batch
                remaining = deadline - loop.time()
                if self._stopping or remaining <= 0:
                    return []
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), remaining)
        finally:
            if self._polls.get(token) is poll:
                del self._polls[token]


def _update_kind(update: JSON) -> str:
    return next((key for key in update if key != "update_id"), "")


def _allowed_by_default(queued: Queued, allowed: set[str]) -> bool:
    return not allowed and _update_kind(queued.update) not in _OPT_IN_UPDATES
