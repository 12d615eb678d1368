"""Webhook delivery: setWebhook and friends, and pushing queued updates to the bot as Telegram does.

Plain http is accepted for loopback hosts, so tests need no certificate. Each update is POSTed on its own
and leaves the queue only on a 2xx answer; failures are retried after a short backoff."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from urllib.parse import urlsplit

import aiohttp

from bot.sandbox.protocol import JSON, bad
from bot.sandbox.state import WebhookDelivery, now
from bot.sandbox.updates import UpdateQueue
from bot.sandbox.wire import dumps

log = logging.getLogger(__name__)

# Telegram retries a failing webhook for minutes; the sandbox retries within a second so tests stay fast.
WEBHOOK_BACKOFF_START = 0.1
WEBHOOK_BACKOFF_MAX = 1.0
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_WEBHOOK_PORTS = frozenset({80, 88, 443, 8443})
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Webhooks(UpdateQueue):
    """setWebhook, deleteWebhook, getWebhookInfo, and the task that POSTs updates once a webhook is set."""

    @property
    def webhook_url(self) -> str:
        """The webhook the bot set ("" while it polls)."""
        return self._webhook

    # --- Bot API methods

    def _delete_webhook(self, params: JSON) -> bool:
        self._configure_webhook("", "", 40)
        if params.get("drop_pending_updates"):
            self._queue.clear()
        return True

    def _set_webhook(self, params: JSON) -> bool:
        url = str(params.get("url") or "")
        if url:
            _check_webhook_url(url)
        secret = str(params.get("secret_token") or "")
        if secret and not _SECRET_TOKEN.fullmatch(secret):
            raise bad("secret token contains unallowed characters")
        connections = params.get("max_connections")
        connections = min(max(connections, 1), 100) if isinstance(connections, int) else 40
        # allowed_updates is one setting shared with getUpdates; omitted, the previous one stays.
        if isinstance(params.get("allowed_updates"), list):
            self._allowed_updates = [str(u) for u in params["allowed_updates"]]
        if params.get("drop_pending_updates"):
            self._queue.clear()
        self._configure_webhook(url, secret, connections)
        if url:
            self._ensure_webhook_pusher()
        return True

    def _configure_webhook(self, url: str, secret: str, max_connections: int) -> None:
        if url != self._webhook:
            self._webhook_error = None  # the old target's failures say nothing about the new one
        self._webhook, self._webhook_secret, self._webhook_max_connections = url, secret, max_connections
        self._webhook_generation += 1
        self._notify()

    def _get_webhook_info(self, params: JSON) -> JSON:
        info: JSON = {
            "url": self._webhook,
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        if self._webhook:
            info["max_connections"] = self._webhook_max_connections
            if self._allowed_updates:
                info["allowed_updates"] = list(self._allowed_updates)
        if self._webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    # --- delivery

    def _ensure_webhook_pusher(self) -> None:
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.get_running_loop().create_task(
                self._push_webhook_updates(), name="sandbox-webhook"
            )

    async def _push_webhook_updates(self) -> None:
        """Until stop(): POST queued updates to the webhook one at a time, in order.

        An update leaves the queue only on a 2xx answer; on anything else it is retried after a backoff
        and the updates behind it wait, so a bot sees the order Telegram would give it."""
        backoff = WEBHOOK_BACKOFF_START
        async with aiohttp.ClientSession() as session:
            while not self._stopping:
                if self._webhook:  # polling filters when it fetches; don't touch its queue here
                    self._drop_unwanted()
                if not self._webhook or not self._queue:
                    await self._wake.wait()
                    continue
                queued, generation = self._queue[0], self._webhook_generation
                if await self._post_update(session, queued.update):
                    self._queue = [q for q in self._queue if q is not queued]
                    backoff = WEBHOOK_BACKOFF_START
                    continue
                await self._webhook_backoff(backoff, generation)
                # A new webhook target deserves a prompt first try, not the old target's backoff.
                reset = generation != self._webhook_generation
                backoff = WEBHOOK_BACKOFF_START if reset else min(backoff * 2, WEBHOOK_BACKOFF_MAX)

    async def _post_update(self, session: aiohttp.ClientSession, update: JSON) -> bool:
        url = self._webhook
        headers = {"Content-Type": "application/json"}
        if self._webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self._webhook_secret
        status: int | None = None
        error, sent = "", time.monotonic()
        self._webhook_busy = True
        try:
            payload, timeout = dumps(update).encode(), aiohttp.ClientTimeout(total=self.webhook_timeout)
            async with session.post(url, data=payload, headers=headers, timeout=timeout) as answer:
                body = await answer.read()
                status = answer.status
            if not 200 <= status < 300:
                error = f"Wrong response from the webhook: {status} {answer.reason or ''}".rstrip()
            elif _names_method(body):
                log.warning("the sandbox ignores Bot API calls in webhook answers; make them as requests")
        except TimeoutError:
            status, error = None, "Read timeout expired"
        except (aiohttp.ClientError, OSError) as exc:
            refused = isinstance(getattr(exc, "os_error", exc), ConnectionRefusedError)
            status, error = None, "Connection refused" if refused else f"Connection failed: {exc}"
        except Exception as exc:  # a sandbox bug must not silently stop all deliveries
            log.exception("sandbox failed delivering update %s", update.get("update_id"))
            status, error = None, f"sandbox bug: {exc!r}"
        finally:
            self._webhook_busy = False
            self._last_activity = time.monotonic()
        self.webhook_deliveries.append(WebhookDelivery(int(update["update_id"]), status, sent, error, url))
        if error and url == self._webhook:  # a late answer from a replaced target isn't the new one's error
            self._webhook_error = (now(), error)
        return not error

    async def _webhook_backoff(self, delay: float, generation: int) -> None:
        """Sleep `delay` seconds, less if setWebhook/deleteWebhook change the target meanwhile."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + delay
        while generation == self._webhook_generation and not self._stopping:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), remaining)


def _check_webhook_url(url: str) -> None:
    """Telegram's rules (https, on one of four ports), plus plain http to loopback so tests need no TLS."""
    https = bad("bad webhook: An HTTPS URL must be provided for webhook")
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as exc:  # "http://[::1", "https://host:port"
        raise https from exc
    if parts.scheme == "http" and host in _LOOPBACK_HOSTS:
        return
    if parts.scheme != "https" or not host:
        raise https
    if port is not None and port not in _WEBHOOK_PORTS:
        raise bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")


def _names_method(body: bytes) -> bool:
    """Whether a webhook answer carries a Bot API call ({"method": ...}), which Telegram would execute."""
    with contextlib.suppress(ValueError):
        answer = json.loads(body)
        return isinstance(answer, dict) and "method" in answer
    return False
