"""Delivers the outbox: in order, within Telegram's limits, surviving restarts.

Each row is marked in its own transaction right after its call succeeds, so a crash can at worst
resend the one message that was in flight; nothing queued is ever dropped.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine

from bot.delivery import BotApi, ChatGone, Rejected, RetryLater, Transient, perform
from bot.flood import FloodControl
from handlers.actions import load_action
from storage.db import session_scope, utcnow
from storage.models import OutboxMessage
from storage.outbox import due_messages, mark_dead, mark_sent, postpone
from storage.people import set_chat_active
from storage.tickets import set_card

log = logging.getLogger(__name__)

BATCH = 100
IDLE_POLL = 1.0  # seconds between looks at the table when nobody wakes the sender
MAX_BACKOFF = 300.0


class OutboxSender:
    def __init__(
        self,
        *,
        engine: Engine,
        api: BotApi,
        flood: FloodControl | None = None,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.api = api
        self.flood = flood or FloodControl()
        self.clock = clock
        self.monotonic = monotonic
        self.wake = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                pause = await self.flush()
            except Exception:  # a database hiccup must not kill the sender for good
                log.exception("outbox flush failed")
                pause = IDLE_POLL
            self.wake.clear()
            waiters = [asyncio.ensure_future(self.wake.wait()), asyncio.ensure_future(stop.wait())]
            await asyncio.wait(waiters, timeout=pause, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    async def flush(self) -> float:
        """Send everything due that the limits allow; return how long until more could go."""
        pause = IDLE_POLL
        while True:
            rows = await asyncio.to_thread(self._due)
            sent_any = False
            held: set[int] = set()  # a chat we skipped stays skipped this round, to keep its order
            for row in rows:
                wait = self.flood.wait_time(row.chat_id, self.monotonic())
                if wait > 0 or row.chat_id in held:
                    held.add(row.chat_id)
                    pause = min(pause, max(wait, 0.05))
                    continue
                if await self._deliver(row):
                    sent_any = True
                else:
                    held.add(row.chat_id)
            if not sent_any or len(rows) < BATCH:
                return pause

    def _due(self) -> list[OutboxMessage]:
        with session_scope(self.engine) as session:
            return due_messages(session=session, now=self.clock(), limit=BATCH)

    async def _deliver(self, row: OutboxMessage) -> bool:
        action = load_action(row.payload)
        self.flood.record(row.chat_id, self.monotonic())
        try:
            message_id = await perform(self.api, action)
        except RetryLater as exc:
            self.flood.hold(row.chat_id, self.monotonic() + exc.seconds)
            await asyncio.to_thread(self._postpone, row, exc.seconds, str(exc))
            return False
        except ChatGone as exc:
            await asyncio.to_thread(self._give_up, row, str(exc), chat_gone=True)
            return False
        except Rejected as exc:
            log.warning("outbox row %s rejected by Telegram: %s", row.id, exc)
            await asyncio.to_thread(self._give_up, row, str(exc), chat_gone=False)
            return False
        except Transient as exc:
            await asyncio.to_thread(self._postpone, row, min(2.0**row.attempts, MAX_BACKOFF), str(exc))
            return False
        await asyncio.to_thread(self._sent, row, message_id)
        return True

    def _sent(self, row: OutboxMessage, message_id: int | None) -> None:
        with session_scope(self.engine) as session:
            row = session.merge(row)
            mark_sent(session=session, row=row, message_id=message_id, now=self.clock())
            if row.card_for_ticket_id is not None and message_id is not None:
                set_card(
                    session=session,
                    ticket_id=row.card_for_ticket_id,
                    chat_id=row.chat_id,
                    message_id=message_id,
                )

    def _postpone(self, row: OutboxMessage, seconds: float, error: str) -> None:
        with session_scope(self.engine) as session:
            row = session.merge(row)
            postpone(
                session=session, row=row, delay=timedelta(seconds=seconds), error=error, now=self.clock()
            )

    def _give_up(self, row: OutboxMessage, error: str, *, chat_gone: bool) -> None:
        with session_scope(self.engine) as session:
            row = session.merge(row)
            mark_dead(session=session, row=row, error=error)
            if chat_gone:
                set_chat_active(session=session, chat_id=row.chat_id, active=False)
