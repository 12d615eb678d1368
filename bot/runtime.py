"""Runs the bot: migrations, intake (polling or webhook), workers, the outbox sender and the clock.

Updates go: poller or webhook → inbox (committed) → workers (per chat, in order) → core → answers sent at
once or through the outbox. Several processes may share one PostgreSQL database: leases make one of them
the poller and one the sender; every one works the inbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import Engine

from bot.adapters.base import Adapter, BotIdentity
from bot.config import Settings
from bot.delivery import DeliveryError, Rejected
from bot.exports import build_exports_forever
from bot.flood import FloodControl, Limits
from bot.housekeeping import housekeep
from bot.intake.leases import POLLER, SENDER, LeaseKeeper, instance_name
from bot.intake.polling import Poller
from bot.intake.updates import ALLOWED_UPDATES
from bot.intake.webhook import WebhookServer
from bot.intake.workers import Workers
from bot.outbox import OutboxSender
from handlers.context import CoreConfig
from handlers.core import Core
from handlers.feature import Audience
from handlers.points.book import load_book
from handlers.router import command_menu
from nlp import load_classifier
from storage.db import make_engine, migrate, session_scope, utcnow
from storage.people import staff_members

log = logging.getLogger(__name__)

STOP_GRACE = 8.0  # seconds the workers get to finish what they hold; SIGTERM must exit within 10
CONNECT_BACKOFF_MAX = 60.0


class StartupError(Exception):
    """The bot cannot start; the message says why in one line."""


def make_adapter(settings: Settings) -> Adapter:
    token = settings.bot_token.get_secret_value() if settings.bot_token else ""
    if settings.framework == "aiogram":
        from bot.adapters.aiogram import AiogramAdapter

        return AiogramAdapter(token=token, api_url=settings.api_url)
    from bot.adapters.ptb import PtbAdapter

    return PtbAdapter(token=token, api_url=settings.api_url)


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
        retry_base: float = 1.0,
        instance: str | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine or make_engine(settings.database_url)
        self.clock = clock
        self.adapter = make_adapter(settings)
        self.instance = instance or instance_name()
        self.sender = OutboxSender(
            engine=self.engine,
            api=self.adapter.api,
            flood=FloodControl(limits or Limits()),
            clock=clock,
            retry_base=retry_base,
        )
        self.poll_timeout = poll_timeout
        self.tick_interval = tick_interval
        self.core: Core | None = None
        self.workers: Workers | None = None
        self.poller: Poller | None = None
        self.webhook: WebhookServer | None = None
        self.leases = LeaseKeeper(
            engine=self.engine,
            holder=self.instance,
            names=(SENDER,) if settings.webhook_url else (POLLER, SENDER),
            clock=clock,
        )
        self._stop = asyncio.Event()  # background work
        self._stop_intake = asyncio.Event()  # polling, first of all
        self._tasks: list[asyncio.Task[None]] = []
        self._intake: list[asyncio.Task[None]] = []

    @property
    def mode(self) -> str:
        return "webhook" if self.settings.webhook_url else "polling"

    async def start(self) -> None:
        # One thread for all database work. SQLite writes one transaction at a time anyway, and on either
        # database the work is bound by this process's CPU: more threads only queue for SQLite's lock and
        # fight the event loop for the GIL. More throughput comes from more processes (see README).
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ThreadPoolExecutor(max_workers=1, thread_name_prefix="linli-db"))
        # These fail loudly here, before the bot answers anyone: a bad taxonomy or points file names its
        # problem.
        classifier = await asyncio.to_thread(load_classifier, self.settings.taxonomy_file)
        await asyncio.to_thread(load_book, self.settings.points_file)
        await asyncio.to_thread(migrate, self.engine)
        identity = await self._connect()
        config = CoreConfig(
            admin_ids=self.settings.admin_ids,
            staff_chat_id=self.settings.staff_chat_id,
            bot_username=identity.username,
            tz=self.settings.tz,
            classifier=classifier,
            weekly_slot=self.settings.weekly_slot,
            points_file=self.settings.points_file,
            ballot_key=self.settings.ballot_secret,
            poll_reminders=self.settings.reminder_leads,
            leader_notices=self.settings.leader_notices,
            paid_broadcast=self.settings.paid_broadcast,
        )
        self.core = Core(engine=self.engine, config=config, clock=self.clock)
        await self.leases.renew()
        self.sender.active = False  # until the lease says otherwise, below
        await self.sender.set_active(self.leases.holds(SENDER))
        self.workers = Workers(
            engine=self.engine,
            core=self.core,
            api=self.adapter.api,
            sender=self.sender,
            holder=self.instance,
            count=self.settings.workers,
            clock=self.clock,
        )
        await self._register_commands()
        self._tasks = [
            asyncio.create_task(self.sender.run(self._stop)),
            asyncio.create_task(self.workers.run(self._stop)),
            asyncio.create_task(self._keep_leases()),
            asyncio.create_task(self._clock_work()),
            asyncio.create_task(build_exports_forever(self.core, self._stop, delivered=self.sender.wake.set)),
        ]
        await self._start_intake()
        log.info(
            "@%s is running on %s (%s, %s)",
            identity.username,
            self.settings.framework,
            self.mode,
            self.instance,
        )

    async def _connect(self) -> BotIdentity:
        """getMe, retried with back-off while the Bot API cannot be reached."""
        delay = 1.0
        while True:
            try:
                return await self.adapter.connect()
            except Rejected as exc:
                raise StartupError(f"the Bot API at {self.settings.api_url} refused us: {exc}") from None
            except DeliveryError as exc:
                log.error(
                    "cannot reach the Bot API at %s (%s); retrying in %.0f s",
                    self.settings.api_url,
                    exc,
                    delay,
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, CONNECT_BACKOFF_MAX)

    async def _start_intake(self) -> None:
        assert self.workers is not None
        if self.settings.webhook_url:
            assert self.settings.webhook_secret is not None
            secret = self.settings.webhook_secret.get_secret_value()
            host, port = self.settings.listen
            self.webhook = WebhookServer(
                engine=self.engine,
                path=urlsplit(self.settings.webhook_url).path,
                secret=secret,
                host=host,
                port=port,
                clock=self.clock,
                on_stored=self.workers.arrived,
                claim_for=self.workers.claim_for,
            )
            await self.webhook.start()
            await self.adapter.api.set_webhook(
                url=self.settings.webhook_url, secret=secret, allowed_updates=ALLOWED_UPDATES
            )
            return
        await self.adapter.api.delete_webhook()
        token = self.settings.bot_token.get_secret_value() if self.settings.bot_token else ""
        self.poller = Poller(
            engine=self.engine,
            api_url=self.settings.api_url,
            token=token,
            timeout=self.poll_timeout,
            clock=self.clock,
            on_stored=self.workers.arrived,
            claim_for=self.workers.claim_for,
            may_poll=lambda: self.leases.holds(POLLER),
        )
        self._intake = [asyncio.create_task(self.poller.run(self._stop_intake))]

    async def _register_commands(self) -> None:
        """Command menus per audience; a failure here only costs the menu, so it is logged and passed."""
        try:
            api = self.adapter.api
            await api.set_commands(command_menu(Audience.RESIDENT))
            if self.settings.staff_chat_id is not None:
                await api.set_commands(command_menu(Audience.STAFF), chat_id=self.settings.staff_chat_id)
            admins = self.settings.admin_ids
            with session_scope(self.engine) as session:
                staff = [user.id for user in staff_members(session=session, admin_ids=admins)]
            for user_id in sorted(set(staff) | admins):
                menu = Audience.ADMIN if user_id in admins else Audience.STAFF
                await api.set_commands(command_menu(menu), chat_id=user_id)
        except DeliveryError as exc:
            log.warning("could not register the command menus: %s", exc)

    async def stop(self) -> None:
        """Stop taking updates, finish what is in flight, hand back leases and claims."""
        self._stop_intake.set()
        for task in self._intake:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.webhook is not None:
            await self.webhook.stop()
        self._stop.set()
        done, pending = await asyncio.wait(self._tasks, timeout=STOP_GRACE) if self._tasks else (set(), set())
        for task in pending:
            task.cancel()
        for task in (*done, *pending):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self.leases.release_all)
        await self.adapter.close()

    async def tick(self) -> None:
        """Do the clock's work now (tests call this after moving their clock)."""
        assert self.core is not None
        if await asyncio.to_thread(self.core.tick):
            self.sender.wake.set()

    async def _clock_work(self) -> None:
        while not self._stop.is_set():
            try:
                await self.tick()
                await asyncio.to_thread(housekeep, self.engine, self.clock())
            except Exception:  # the next round may well work; the bot keeps serving meanwhile
                log.exception("scheduled work failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self.tick_interval)

    async def _keep_leases(self) -> None:
        stop = self._stop
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 5.0)
            if stop.is_set():
                return
            try:
                await self.leases.renew()
            except Exception as exc:
                log.warning("could not renew leases: %s", type(exc).__name__)
            await self.sender.set_active(self.leases.holds(SENDER))

    async def __aenter__(self) -> Runtime:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Run until `stop` is set (SIGTERM, SIGINT)."""
    runtime = Runtime(settings)
    try:
        # A signal during start-up (say, while the Bot API cannot be reached) stops it there.
        starting = asyncio.ensure_future(runtime.start())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait([starting, stopping], return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starting
        else:
            starting.result()  # a start-up error, raised here
            await stopping
        stopping.cancel()
        log.info("stopping: finishing what is in flight")
    finally:
        await runtime.stop()
