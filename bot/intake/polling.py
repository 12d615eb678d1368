"""Long polling with raw JSON: one update the framework could not parse can never fail a whole batch.

Each batch is committed to the inbox before the next getUpdates call, and only that next call's offset
tells Telegram the batch arrived, so a process killed at any instant loses nothing. Only the process that
holds the poller lease polls; the others work the inbox and take over when the lease runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import aiohttp
from sqlalchemy import Engine

from bot.intake.store import ClaimFor, store_arrivals
from bot.intake.updates import ALLOWED_UPDATES, arrival
from storage.models import InboxUpdate

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0
QUIET_LOG = 60.0  # seconds between two warnings about the same trouble


class Poller:
    def __init__(
        self,
        *,
        engine: Engine,
        api_url: str,
        token: str,
        timeout: int,
        clock: Callable[[], datetime],
        on_stored: Callable[[int, list[InboxUpdate]], None],
        claim_for: ClaimFor,
        may_poll: Callable[[], bool],
    ) -> None:
        self.engine = engine
        self.url = f"{api_url}/bot{token}/getUpdates"
        self.timeout = timeout
        self.clock = clock
        self.on_stored = on_stored
        self.claim_for = claim_for
        self.may_poll = may_poll
        self.received = 0
        self._offset: int | None = None
        self._backoff = 0.0
        self._warned: dict[str, float] = {}

    async def run(self, stop: asyncio.Event) -> None:
        timeout = aiohttp.ClientTimeout(total=self.timeout + 15)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            while not stop.is_set():
                if not self.may_poll():
                    self._offset = None  # another process polls; its offset is the one that counts
                    await _sleep(stop, 1.0)
                    continue
                poll = asyncio.ensure_future(self._poll(http))
                stopping = asyncio.ensure_future(stop.wait())
                await asyncio.wait([poll, stopping], return_when=asyncio.FIRST_COMPLETED)
                stopping.cancel()
                if not poll.done():
                    # Nothing of this call is stored yet, and its offset confirms only what already is.
                    poll.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await poll
                    return
                if (pause := poll.result()) > 0:
                    await _sleep(stop, pause)

    async def _poll(self, http: aiohttp.ClientSession) -> float:
        """One getUpdates round; returns how long to wait before the next."""
        params: dict[str, Any] = {"timeout": self.timeout, "allowed_updates": ALLOWED_UPDATES, "limit": 100}
        if self._offset is not None:
            params["offset"] = self._offset
        try:
            async with http.post(self.url, json=params) as response:
                status, body = response.status, await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            return self._trouble("network", f"cannot reach the Bot API: {type(exc).__name__}")
        try:
            answer = json.loads(body.decode("utf-8", "replace"))
        except ValueError:
            return self._trouble("json", f"getUpdates answered {status} with a body that is not JSON")
        if status != 200 or not isinstance(answer, dict) or not isinstance(answer.get("result"), list):
            description = answer.get("description") if isinstance(answer, dict) else None
            retry_after = (
                (answer.get("parameters") or {}).get("retry_after") if isinstance(answer, dict) else None
            )
            pause = self._trouble(str(status), f"getUpdates answered {status}: {description}")
            if status == 409:  # another getUpdates or a webhook: let the lease sort it out, calmly
                pause = max(pause, 5.0)
            return max(pause, float(retry_after)) if isinstance(retry_after, int | float) else pause
        self._backoff = 0.0
        arrivals = [arrival(update) for update in answer["result"]]
        if not arrivals:
            return 0.0
        # Committed before the next call's offset confirms these to Telegram.
        new, claimed = await asyncio.to_thread(
            store_arrivals, self.engine, arrivals, self.clock, self.claim_for
        )
        self.received += len(arrivals)
        ids = [a.update_id for a in arrivals if a.update_id is not None]
        if ids:
            self._offset = max(ids) + 1
        self.on_stored(new, claimed)
        return 0.0

    def _trouble(self, key: str, message: str) -> float:
        self._backoff = min(max(self._backoff * 2, 0.5), MAX_BACKOFF)
        now = time.monotonic()
        if now - self._warned.get(key, -QUIET_LOG) >= QUIET_LOG:
            self._warned[key] = now
            log.warning("%s; retrying in %.1f s", message, self._backoff)
        return self._backoff


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
