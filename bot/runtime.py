"""Runs the bot: migrations, the chosen adapter, the core and the outbox sender in one process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from bot.adapters.base import Adapter
from bot.config import Settings
from bot.delivery import DeliveryError, deliver_now
from bot.flood import FloodControl, Limits
from bot.outbox import OutboxSender
from handlers import texts
from handlers.actions import AnswerButton, SendMessage
from handlers.context import CoreConfig
from handlers.core import Core
from handlers.events import ButtonPress, Event
from nlp import load_classifier
from storage.db import make_engine, migrate, utcnow

log = logging.getLogger(__name__)


def make_adapter(settings: Settings, *, poll_timeout: int = 10) -> Adapter:
    token = settings.bot_token.get_secret_value() if settings.bot_token else ""
    if settings.framework == "aiogram":
        from bot.adapters.aiogram import AiogramAdapter

        return AiogramAdapter(token=token, api_url=settings.api_url, poll_timeout=poll_timeout)
    from bot.adapters.ptb import PtbAdapter

    return PtbAdapter(token=token, api_url=settings.api_url, poll_timeout=poll_timeout)


class Runtime:
    def __init__(
        self,
        settings: Settings,
        *,
        engine: Engine | None = None,
        clock: Callable[[], datetime] = utcnow,
        limits: Limits | None = None,
        poll_timeout: int = 10,
        tick_interval: float = 10.0,
    ) -> None:
        self.settings = settings
        self.engine = engine or make_engine(settings.database_url)
        self.clock = clock
        self.adapter = make_adapter(settings, poll_timeout=poll_timeout)
        self.sender = OutboxSender(
            engine=self.engine, api=self.adapter.api, flood=FloodControl(limits or Limits()), clock=clock
        )
        self.core: Core | None = None
        self.tick_interval = tick_interval
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        # Both fail loudly here, before the bot answers anyone: a bad taxonomy file names its problem.
        classifier = await asyncio.to_thread(load_classifier, self.settings.taxonomy_file)
        await asyncio.to_thread(migrate, self.engine)
        identity = await self.adapter.connect()
        config = CoreConfig(
            admin_ids=self.settings.admin_ids,
            staff_chat_id=self.settings.staff_chat_id,
            bot_username=identity.username,
            tz=self.settings.tz,
            classifier=classifier,
            weekly_slot=self.settings.weekly_slot,
        )
        self.core = Core(engine=self.engine, config=config, clock=self.clock)
        self._tasks = [
            asyncio.create_task(self.sender.run(self._stop)),
            asyncio.create_task(self._clock_work()),
        ]
        await self.adapter.start_polling(self.on_event)
        log.info("@%s is running on %s", identity.username, self.settings.framework)

    async def stop(self) -> None:
        # Background work ends first: an outbox call cut off by a closing session would be retried as lost.
        self._stop.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.adapter.stop()

    async def tick(self) -> None:
        """Do the clock's work now (tests call this after moving their clock)."""
        assert self.core is not None
        if await asyncio.to_thread(self.core.tick):
            self.sender.wake.set()

    async def _clock_work(self) -> None:
        while not self._stop.is_set():
            try:
                await self.tick()
            except Exception:  # the next round may well work; the bot keeps serving meanwhile
                log.exception("scheduled work failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self.tick_interval)

    async def __aenter__(self) -> Runtime:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    async def on_event(self, event: Event) -> None:
        assert self.core is not None
        try:
            actions = await asyncio.to_thread(self.core.handle, event)
        except Exception:
            # The transaction rolled back, so nothing half-done is stored; tell a button presser at least.
            log.exception("update %s failed", event.update_id)
            actions = []
            if isinstance(event, ButtonPress):
                actions = [AnswerButton(callback_id=event.callback_id, text=texts.INTERNAL_ERROR)]
        for action in actions:
            try:
                await deliver_now(self.adapter.api, action)
            except DeliveryError as exc:
                log.warning("could not deliver %s: %s", action.kind, exc)
                continue
            if isinstance(action, SendMessage):
                self.sender.note_sent(action.chat_id)  # immediate answers count against the flood limits too
        self.sender.wake.set()


async def serve(settings: Settings) -> None:
    """Run until cancelled (Ctrl-C)."""
    async with Runtime(settings):
        await asyncio.Event().wait()
