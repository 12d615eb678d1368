"""The sandbox's state model: users, chats and their messages, files, queued updates, what it recorded.

`SandboxState` holds all of it; the other modules add behaviour to it as mixins (the user side, the Bot
API, webhook delivery, the control API, the transcript), and `Sandbox` puts them together. Keeping every
attribute in one `__init__` lets each mixin see, and a reader find, the whole state in one place."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.sandbox.flood import FloodLimiter, FloodLimits
from bot.sandbox.media import FILE_KINDS, StoredFile
from bot.sandbox.protocol import BOT_ID, JSON, ApiError

WEBHOOK_TIMEOUT = 5.0  # seconds per webhook POST, as Sandbox.webhook_timeout starts out


# --------------------------------------------------------------------------------------------------
# What the sandbox recorded


@dataclass
class Call:
    """One Bot API request as the sandbox saw it (params after coercion)."""

    method: str
    params: JSON
    ok: bool
    result: Any = None
    error_code: int | None = None
    description: str | None = None
    retry_after: int | None = None
    time: float = 0.0
    token: str = ""

    @classmethod
    def failed(cls, method: str, params: JSON, error: ApiError, *, time: float, token: str) -> Call:
        return cls(method, params, False, None, error.code, error.description, error.retry_after, time, token)

    def summary(self) -> str:
        shown = ", ".join(f"{k}={_short(v)}" for k, v in self.params.items() if k != "reply_markup")
        outcome = "ok" if self.ok else f"{self.error_code} {self.description}"
        return f"{self.method}({shown}) -> {outcome}"


@dataclass(frozen=True)
class WebhookDelivery:
    """One POST of an update to the webhook, as the sandbox sent it."""

    update_id: int
    status: int | None  # HTTP status of the answer; None: connection failed or timed out
    time: float  # time.monotonic() when the request went out
    error: str = ""  # what getWebhookInfo reports as last_error_message; "" when delivered
    url: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _short(value: Any, width: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


# --------------------------------------------------------------------------------------------------
# Internal state


@dataclass
class User:
    data: JSON
    started: bool = True  # has a private chat with the bot
    blocked: bool = False


@dataclass
class Chat:
    data: JSON
    members: set[int] = field(default_factory=set)
    admins: dict[int, str] = field(default_factory=dict)  # user id -> "creator" | "administrator"
    bot_member: bool = True
    bot_admin: bool = True
    last_message_id: int = 0
    log: dict[int, JSON] = field(default_factory=dict)  # message_id -> current version
    history: dict[int, list[JSON]] = field(default_factory=dict)  # message_id -> earlier versions
    deleted: set[int] = field(default_factory=set)
    pinned: list[int] = field(default_factory=list)
    migrated_to: int | None = None  # the supergroup a basic group became

    @property
    def id(self) -> int:
        return int(self.data["id"])

    @property
    def private(self) -> bool:
        return self.data["type"] == "private"

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id

    def live(self, message_id: Any) -> JSON | None:
        return None if message_id in self.deleted else self.log.get(message_id)


@dataclass
class Queued:
    update: JSON
    forced: bool = False  # redelivered: returned once regardless of offset
    fetched: bool = False


@dataclass
class Poll:
    superseded: bool = False


@dataclass
class Fault:
    code: int | None  # None: drop the connection
    description: str
    retry_after: int | None
    remaining: int


@dataclass
class Event:
    """One transcript entry; messages are snapshots taken when the event happened."""

    kind: str
    chat_id: int
    message: JSON | None = None
    actor: JSON | None = None
    markup: JSON | None = None  # reply markup as sent (reply keyboards aren't part of Message objects)
    previous: JSON | None = None
    text: str = ""
    alert: bool = False


def now() -> int:
    """Unix time, as Message.date and the webhook's last_error_date carry it."""
    return int(time.time())


def commands_key(scope: Any, language_code: Any) -> str:
    """Where setMyCommands keeps a command list: per scope and language, the default scope as none."""
    scope = scope if isinstance(scope, dict) and scope.get("type") != "default" else {}
    return json.dumps(scope, sort_keys=True) + "|" + str(language_code or "")


# --------------------------------------------------------------------------------------------------


class SandboxState:
    """Everything a sandbox knows, and the few operations on it that every side shares."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        bot_username: str,
        bot_name: str,
        limits: FloodLimits | None,
        clock: Callable[[], float],
    ) -> None:
        self.host, self.port = host, port
        self.bot_user: JSON = {"id": BOT_ID, "is_bot": True, "first_name": bot_name, "username": bot_username}
        self.limits = limits or FloodLimits()
        self.calls: list[Call] = []
        self._limiter = FloodLimiter(self.limits, clock)
        self._users: dict[int, User] = {}
        self._chats: dict[int, Chat] = {}
        self._order: list[tuple[int, int]] = []  # (chat_id, message_id) in creation order
        self._events: list[Event] = []
        self._files: dict[str, StoredFile] = {}
        self._file_paths: dict[str, StoredFile] = {}
        self._queue: list[Queued] = []
        self._delivered: dict[int, JSON] = {}  # every update ever queued, for redeliver()
        self._last_update_id = 0
        self._polls: dict[str, Poll] = {}
        self._wake = asyncio.Event()
        self._allowed_updates: list[str] = []
        self._callbacks: dict[str, JSON] = {}  # query id -> {"answered", "chat_id", "user"}
        self._last_callback = 0
        self._commands: dict[str, list[JSON]] = {}
        self._settings: dict[str, str] = {}
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.webhook_timeout = WEBHOOK_TIMEOUT  # seconds per POST; tests shrink it to exercise timeouts
        self._webhook = ""
        self._webhook_secret = ""
        self._webhook_max_connections = 40
        self._webhook_error: tuple[int, str] | None = None  # (unix time, message) of the latest failure
        self._webhook_generation = 0  # bumped by setWebhook/deleteWebhook: cuts a retry backoff short
        self._webhook_busy = False  # a POST is in flight
        self._webhook_task: asyncio.Task[None] | None = None
        self._faults: dict[str, deque[Fault]] = {}
        self._inflight = 0
        self._last_activity = 0.0
        self._stopping = False
        self._runner: web.AppRunner | None = None

    def _message(self, chat_id: int, message_id: int) -> JSON:
        """The current version of a message, itself (not a copy); KeyError if unknown or deleted."""
        chat = self._chats.get(chat_id)
        message = chat.live(message_id) if chat else None
        if message is None:
            raise KeyError(f"no message {message_id} in chat {chat_id}")
        return message

    def _private(self, user: User) -> Chat:
        user_id = int(user.data["id"])
        if user_id not in self._chats:
            fields = ("first_name", "last_name", "username")
            self._chats[user_id] = Chat(
                {"id": user_id, "type": "private"} | {k: user.data[k] for k in fields if k in user.data}
            )
        return self._chats[user_id]

    def _store_message(self, chat: Chat, sender: JSON, content: JSON, reply_to: JSON | None = None) -> JSON:
        message: JSON = {
            "message_id": chat.next_message_id(),
            "from": sender,
            "chat": chat.data,
            "date": now(),
        }
        if reply_to is not None:
            message["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "reply_to_message"}
        message |= content
        chat.log[message["message_id"]] = message
        self._order.append((chat.id, message["message_id"]))
        return message

    def _store_file(self, kind: str, data: bytes, mime_type: str, name: str = "") -> StoredFile:
        n = len(self._files) + 1
        prefix, folder, ext = FILE_KINDS[kind]
        ext = ext or (name.rsplit(".", 1)[-1] if "." in name else "bin")
        path = f"{folder}/file_{n}.{ext}"
        # Deterministic ids keep demo transcripts and test failures reproducible.
        stored = StoredFile(f"{prefix}{n:06d}sbx", f"AQAD{n:06d}", kind, path, data, mime_type, name)
        self._files[stored.file_id] = self._file_paths[stored.path] = stored
        return stored
