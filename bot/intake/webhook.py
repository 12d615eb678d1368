"""The webhook: Telegram POSTs updates here; each is committed to the inbox before we answer 200.

A request without the right `X-Telegram-Bot-Api-Secret-Token` gets 403 and nothing is stored. If storing
fails we answer 500, and Telegram delivers the update again later.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from sqlalchemy import Engine

from bot.intake.store import ClaimFor, store_arrivals
from bot.intake.updates import arrival
from storage.inbox import Arrival
from storage.models import InboxUpdate

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # updates are small; this only keeps a stray client from filling memory


class WebhookServer:
    def __init__(
        self,
        *,
        engine: Engine,
        path: str,
        secret: str,
        host: str,
        port: int,
        clock: Callable[[], datetime],
        on_stored: Callable[[int, list[InboxUpdate]], None],
        claim_for: ClaimFor,
    ) -> None:
        self.engine = engine
        self.path = path or "/"
        self.secret = secret
        self.host, self.port = host, port
        self.clock = clock
        self.on_stored = on_stored
        self.claim_for = claim_for
        self.received = 0
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:  # tests ask for any free port
            self.port = self._runner.addresses[0][1]
        log.info("webhook listening on %s:%s%s", self.host, self.port, self.path)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            return web.Response(status=403)
        body = await request.read()
        try:
            update = json.loads(body.decode("utf-8", "replace"))
        except ValueError:
            got = Arrival(None, 0, {"unreadable": body[:10_000].decode("utf-8", "replace")}, error="not JSON")
        else:
            got = arrival(update)
        try:
            new, claimed = await asyncio.to_thread(
                store_arrivals, self.engine, [got], self.clock, self.claim_for
            )
        except Exception as exc:
            log.warning(
                "could not store a webhook update (%s); Telegram will deliver it again", type(exc).__name__
            )
            return web.Response(status=500)
        self.received += 1
        self.on_stored(new, claimed)
        return web.json_response({})
