"""python-telegram-bot's networking on aiohttp instead of httpx.

python-telegram-bot makes every call through a `BaseRequest`, and documents subclassing it to use another
HTTP library. Its default, httpx over anyio, costs about 2.7 ms of CPU per sendMessage on our 2-core
machines, more than the core's work on an update's answer; aiohttp (which aiogram and our webhook server
use already) does the same request for well under half of that. python-telegram-bot still builds every
request and reads every answer and error: only the bytes travel differently.
"""

from __future__ import annotations

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# What python-telegram-bot passes for a timeout nobody set (its class lives in a private module).
_UNSET = type(BaseRequest.DEFAULT_NONE)
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
POOL_TIMEOUT = 1.0
# Workers send for several chats at once: one connection each, not python-telegram-bot's default of one.
CONNECTIONS = 32


class AiohttpRequest(BaseRequest):
    def __init__(self, *, connections: int = CONNECTIONS, read_timeout: float = READ_TIMEOUT) -> None:
        self._connections = connections
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        read = _given(read_timeout, self._read_timeout)
        connect = _given(connect_timeout, CONNECT_TIMEOUT)
        pool = _given(pool_timeout, POOL_TIMEOUT)
        # aiohttp's connect timeout includes the wait for a free connection of the pool.
        timeout = aiohttp.ClientTimeout(
            total=None, connect=None if connect is None else connect + (pool or 0.0), sock_read=read
        )
        body = _body(request_data)
        try:
            async with self._session.request(method, url, data=body, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


def _given(timeout: object, default: float | None) -> float | None:
    """A timeout the caller set (a number, or None for none), else ours."""
    if isinstance(timeout, _UNSET):
        return default
    return None if timeout is None else float(timeout)  # type: ignore[arg-type]


def _body(request_data: RequestData | None) -> aiohttp.FormData | None:
    """The request's parameters as a form, with its files as parts (as python-telegram-bot sends them)."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    files = request_data.multipart_data if request_data.contains_files else {}
    if not fields and not files:
        return None
    form = aiohttp.FormData(quote_fields=False)
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
