"""The Sandbox itself: the aiohttp server that serves the Bot API and the control API, and `serve()`.

`Sandbox` puts the mixins together (see state.py); this module adds the lifecycle, the HTTP layer every
Bot API call goes through (faults, flood limits, recording), and the standalone `linli sandbox` server."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import socket
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.sandbox.api import BotApi
from bot.sandbox.control import ControlApi
from bot.sandbox.flood import FloodLimits
from bot.sandbox.protocol import DEFAULT_ERRORS, JSON, ApiError
from bot.sandbox.state import Call, Fault
from bot.sandbox.wire import drop_connection, json_response, read_params

log = logging.getLogger(__name__)


class Sandbox(ControlApi, BotApi):
    """A fake Telegram Bot API server plus the user side that drives it."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "linli_bot",
        bot_name: str = "邻里",
        limits: FloodLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            host=host, port=port, bot_username=bot_username, bot_name=bot_name, limits=limits, clock=clock
        )
        self._api: dict[str, tuple[str, Callable[[JSON], Any]]] = self._method_table()

    # --- lifecycle

    @property
    def url(self) -> str:
        shown = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"http://{shown}:{self.port}"

    async def start(self) -> None:
        app = web.Application(client_max_size=50 * 1024 * 1024)  # Telegram's upload limit for bots
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._add_control_routes(app)
        # Cancelling handlers of disconnected clients stops abandoned long polls from eating updates.
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        self._stopping = False
        if self._webhook:  # restarted with a webhook still set
            self._ensure_webhook_pusher()
        log.info("Telegram sandbox listening on %s", self.url)

    async def stop(self) -> None:
        self._stopping = True
        self._notify()  # pending getUpdates answer [] right away
        if (task := self._webhook_task) is not None:
            self._webhook_task = None
            task.cancel()  # an in-flight POST is abandoned; its update stays queued
            await asyncio.wait({task})
            if not task.cancelled() and task.exception() is not None:
                log.error("sandbox webhook pusher failed", exc_info=task.exception())
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- faults

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 500,
        retry_after: int | None = None,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """The next `times` calls of `method` fail with this error before doing anything."""
        if error_code == 429:
            retry_after = retry_after or 1
            description = description or f"Too Many Requests: retry after {retry_after}"
        description = description or DEFAULT_ERRORS.get(error_code, f"Error {error_code}")
        self._faults.setdefault(method.lower(), deque()).append(
            Fault(error_code, description, retry_after, times)
        )

    def drop_connection_next(self, method: str, *, times: int = 1) -> None:
        """The next `times` calls of `method` get their connection closed without an answer."""
        self._faults.setdefault(method.lower(), deque()).append(
            Fault(None, "connection dropped", None, times)
        )

    # --- HTTP layer

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        token, raw = request.match_info["token"], request.match_info["method"]
        name, handler = self._api.get(raw.lower(), (raw, None))
        arrived = time.monotonic()
        where = {"time": arrived, "token": token}
        tracked = name != "getUpdates"  # long polls are background noise for settle()
        if tracked:
            self._inflight += 1
            self._last_activity = arrived
        params: JSON = {}
        try:
            try:
                params = await read_params(request)
                fault = self._take_fault(raw.lower())
                if fault is not None and fault.code is None:
                    self.calls.append(Call(name, params, False, description=fault.description, **where))
                    return drop_connection(request)
                if fault is not None:
                    raise ApiError(fault.code, fault.description, retry_after=fault.retry_after)
                if handler is None:
                    raise ApiError(404, "Not Found: method not found")
                result = await self._invoke(name, handler, params, token)
            except ApiError as exc:
                self.calls.append(Call.failed(name, params, exc, **where))
                return json_response(exc.body(), exc.code)
            except Exception as exc:  # a sandbox bug must not look like a hung server
                log.exception("sandbox failed handling %s", name)
                error = ApiError(500, f"Internal Server Error: sandbox bug: {exc!r}")
                self.calls.append(Call.failed(name, params, error, **where))
                return json_response(error.body(), 500)
            self.calls.append(Call(name, params, True, result, **where))
            return json_response({"ok": True, "result": result})
        finally:
            if tracked:
                self._inflight -= 1
                self._last_activity = time.monotonic()

    async def _invoke(self, name: str, handler: Callable[[JSON], Any], params: JSON, token: str) -> Any:
        if name == "getUpdates":
            return await self._get_updates(params, token)
        chat_id = params.get("chat_id")
        limited = name.startswith("send") and name != "sendChatAction" and isinstance(chat_id, int)
        paid = params.get("allow_paid_broadcast") in (True, "true", "True", "1", 1)
        if limited and (wait := self._limiter.retry_after(chat_id, paid=paid)):
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        result = handler(params)
        if limited:
            self._limiter.record(chat_id)
        return result

    def _take_fault(self, key: str) -> Fault | None:
        faults = self._faults.get(key)
        if not faults:
            return None
        fault = faults[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            faults.popleft()
        return fault

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        stored = self._file_paths.get(request.match_info["path"])
        if stored is None:
            return json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return web.Response(body=stored.data, content_type=stored.mime_type)


# --------------------------------------------------------------------------------------------------
# Standalone server: `linli sandbox --port 8081`, or `python -m bot.sandbox`


async def serve(
    host: str = "127.0.0.1",
    port: int = 8081,
    *,
    bot_username: str = "linli_bot",
    limits: FloodLimits | None = None,
) -> None:
    """Run a sandbox until cancelled (Ctrl-C), with the curl-friendly control API under /sandbox/."""
    async with Sandbox(host=host, port=port, bot_username=bot_username, limits=limits) as sandbox:
        url = sandbox.url
        print(
            f"Telegram sandbox on {url}  (bot API: {url}/bot<token>/<method>)\n"
            f"  curl -X POST {url}/sandbox/message -H 'Content-Type: application/json' \\\n"
            '       -d \'{"chat_id": -1001, "user_id": 1, "text": "报事 3号楼电梯又坏了"}\'\n'
            f"  curl -X POST {url}/sandbox/press -H 'Content-Type: application/json' \\\n"
            '       -d \'{"chat_id": -1001, "user_id": 1, "message_id": 2, "button": "已解决"}\'\n'
            f"  curl {url}/sandbox/transcript      curl {url}/sandbox/calls",
            flush=True,
        )
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local Telegram Bot API sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--bot-username", default="linli_bot")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, bot_username=args.bot_username))
