"""A local stand-in for the Telegram Bot API.

Used by `linli demo`, `linli shell`, `linli sandbox` and the end-to-end tests.

The real python-telegram-bot / aiogram stacks talk HTTP to it exactly as they would to api.telegram.org;
the "user side" (tests, demo script, shell) drives it through plain Python methods that queue updates.
Updates go out through getUpdates, or, once the bot calls setWebhook, are POSTed to the webhook as Telegram
would (plain http is accepted for loopback hosts, so tests need no certificate).

    async with Sandbox() as sb:
        bot = telegram.Bot(TOKEN, base_url=f"{sb.url}/bot", base_file_url=f"{sb.url}/file/bot")
        sb.add_group(-1001, "3号楼业主群")
        sb.add_user(1, "张阿姨")
        sb.send_text(chat_id=-1001, user_id=1, text="报事 3号楼电梯又坏了")
        ...  # run the bot (polling) against sb.url
        await sb.settle()
        print(sb.render_transcript())

All state lives on the event loop that runs the server; call the user-side methods from that loop.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import html
import inspect
import json
import logging
import math
import re
import socket
import struct
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

log = logging.getLogger(__name__)

JSON = dict[str, Any]

BOT_ID = 100000
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
# Telegram's "Group" user: it signs anonymous admins' posts and the migrate_from_chat_id service message.
GROUP_ANONYMOUS_BOT: JSON = {
    "id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot",
}  # fmt: skip
# Telegram retries a failing webhook for minutes; the sandbox retries within a second so tests stay fast.
WEBHOOK_BACKOFF_START = 0.1
WEBHOOK_BACKOFF_MAX = 1.0
WEBHOOK_TIMEOUT = 5.0
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_WEBHOOK_PORTS = frozenset({80, 88, 443, 8443})
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_MIGRATED = "Bad Request: group chat was upgraded to a supergroup chat"

# Form encodings carry everything as strings; these say how to turn them back into Bot API types.
_OBJECT_PARAMS = frozenset(
    {
        "reply_markup", "reply_parameters", "entities", "caption_entities", "allowed_updates", "commands",
        "scope", "link_preview_options", "media", "permissions", "reaction", "menu_button", "rights",
        "results", "options", "explanation_entities",
    }
)  # fmt: skip
_INT_PARAMS = frozenset(
    {
        "chat_id", "from_chat_id", "message_id", "user_id", "offset", "limit", "reply_to_message_id",
        "message_thread_id", "duration", "width", "height", "cache_time", "max_connections", "until_date",
    }
)  # fmt: skip
_BOOL_PARAMS = frozenset(
    {
        "disable_notification", "protect_content", "allow_sending_without_reply", "show_alert",
        "disable_web_page_preview", "drop_pending_updates", "has_spoiler", "show_caption_above_media",
        "only_if_banned", "revoke_messages", "is_personal", "allow_paid_broadcast",
        "disable_content_type_detection",
    }
)  # fmt: skip

# Telegram leaves these out of getUpdates unless allowed_updates asks for them explicitly.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
    }
)  # fmt: skip
_ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories",
    "can_pin_messages", "can_send_welcome_messages",
)  # fmt: skip
_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
_DEFAULT_ERRORS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: _CONFLICT,
    500: "Internal Server Error",
    502: "Bad Gateway",
    504: "Gateway Timeout",
}


# --------------------------------------------------------------------------------------------------
# Public data types


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's (unofficial but well-known) sending limits; tests shrink them or switch them off."""

    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_window: int = 20
    group_window: float = 60.0
    global_per_second: int = 30
    enabled: bool = True


@dataclass(frozen=True)
class Upload:
    """A file uploaded in a multipart request, as it appears in `Call.params`."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)


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


class ApiError(Exception):
    """A Bot API error answer: HTTP status == error_code, like Telegram."""

    def __init__(
        self,
        code: int,
        description: str,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        parameters = {"retry_after": self.retry_after, "migrate_to_chat_id": self.migrate_to_chat_id}
        if any(value is not None for value in parameters.values()):
            body["parameters"] = {k: v for k, v in parameters.items() if v is not None}
        return body


def _bad(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def _short(value: Any, width: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


# --------------------------------------------------------------------------------------------------
# Text formatting: parse_mode handling like Telegram, so bots get the same "can't parse entities" errors.


def _u16(text: str) -> int:
    """Entity offsets, lengths and the text limits are counted in UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _byte_at(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean_text(text: str) -> str:
    """Replace lone UTF-16 surrogates with U+FFFD, as Telegram does.

    JSON lets a client send "\\ud800"; Python keeps it as a str that can't be encoded to UTF-8, so one such
    text would make every later answer that carries it (getUpdates, the transcript) fail. Surrogate pairs
    that arrive as two code points are joined into the character they encode."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _entity_error(detail: str) -> ApiError:
    return _bad(f"can't parse entities: {detail}")


class _Out:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0  # UTF-16 length so far

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.pos += _u16(text)

    def text(self) -> str:
        return "".join(self.parts)


def _entity(kind: str, start: int, end: int, **extra: Any) -> JSON | None:
    return {"type": kind, "offset": start, "length": end - start, **extra} if end > start else None


def _sorted_entities(entities: list[JSON | None]) -> list[JSON]:
    return sorted((e for e in entities if e), key=lambda e: (e["offset"], -e["length"]))


_HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
    "span": "spoiler", "a": "text_link", "code": "code", "pre": "pre", "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}  # fmt: skip
_HTML_CHARREF = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_HTML_NAME = re.compile(r"[^\s>/]*")
_HTML_ATTR = re.compile(r"""([\w-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


def _parse_html(src: str) -> tuple[str, list[JSON]]:
    out, entities = _Out(), []
    stack: list[tuple[str, int, dict[str, str]]] = []
    i = 0
    while i < len(src):
        char = src[i]
        if char == "&" and (ref := _HTML_CHARREF.match(src, i)):
            out.add(html.unescape(ref.group()))
            i = ref.end()
            continue
        if char != "<":
            out.add(char)
            i += 1
            continue
        at, end = _byte_at(src, i), src.find(">", i)
        if src.startswith("</", i):
            if end < 0:
                raise _entity_error(f"Unclosed end tag at byte offset {at}")
            name = src[i + 2 : end].strip().lower()
            if not stack:
                raise _entity_error(f"Unexpected end tag at byte offset {at}")
            tag, start, attrs = stack.pop()
            if name != tag:
                raise _entity_error(
                    f'Unmatched end tag at byte offset {at}, expected "</{tag}>", found "</{name}>"'
                )
            entities.append(_html_entity(tag, start, out.pos, attrs, stack))
        else:
            name = _HTML_NAME.match(src, i + 1).group().lower()  # type: ignore[union-attr]
            if name not in _HTML_TAGS:
                raise _entity_error(f'Unsupported start tag "{name}" at byte offset {at}')
            if end < 0:
                raise _entity_error(f"Unclosed start tag at byte offset {at}")
            found = _HTML_ATTR.findall(src, i + 1 + len(name), end)
            attrs = {key.lower(): html.unescape(a or b or c) for key, a, b, c in found}
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise _entity_error(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
            stack.append((name, out.pos, attrs))
        i = end + 1
    if stack:
        raise _entity_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.text(), _sorted_entities(entities)


def _html_entity(
    tag: str, start: int, end: int, attrs: dict[str, str], stack: list[tuple[str, int, dict[str, str]]]
) -> JSON | None:
    kind = _HTML_TAGS[tag]
    css = attrs.get("class", "")
    if tag == "code" and stack and stack[-1][0] == "pre" and css.startswith("language-"):
        stack[-1][2]["language"] = css.removeprefix("language-")  # becomes the pre entity's language
        return None
    if kind == "text_link":
        return _entity(kind, start, end, url=attrs["href"]) if attrs.get("href") else None
    if kind == "pre" and attrs.get("language"):
        return _entity(kind, start, end, language=attrs["language"])
    if kind == "blockquote" and "expandable" in attrs:
        return _entity("expandable_blockquote", start, end)
    if kind == "custom_emoji":
        return _entity(kind, start, end, custom_emoji_id=attrs.get("emoji-id", ""))
    return _entity(kind, start, end)


_MD2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MD2_TOKENS = ("```", "||", "__", "*", "_", "~", "`", "[")
_MD2_TYPES = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler",
              "`": "code", "```": "pre"}  # fmt: skip
_MD2_NAMES = {"*": "Bold", "_": "Italic", "__": "Underline", "~": "Strikethrough", "||": "Spoiler",
              "`": "Code", "```": "Pre", "[": "TextUrl"}  # fmt: skip


def _parse_markdown_v2(src: str) -> tuple[str, list[JSON | None]]:
    out, entities = _Out(), []
    stack: list[tuple[str, int, int, str]] = []  # token, start, byte offset, pre language
    quote: int | None = None
    i = 0
    while i < len(src):
        char = src[i]
        if char == "\\" and i + 1 < len(src) and 0 < ord(src[i + 1]) <= 126:
            out.add(src[i + 1])
            i += 2
            continue
        top = stack[-1][0] if stack else ""
        if top in ("`", "```"):  # code keeps everything literally until its closing token
            if src.startswith(top, i):
                _, start, _, lang = stack.pop()
                entities.append(
                    _entity(_MD2_TYPES[top], start, out.pos, **({"language": lang} if lang else {}))
                )
                i += len(top)
            else:
                out.add(char)
                i += 1
            continue
        if char == "\n" and quote is not None and not src.startswith(">", i + 1):
            entities.append(_entity("blockquote", quote, out.pos))
            quote = None
        if char not in _MD2_RESERVED:
            out.add(char)
            i += 1
            continue
        if char == ">" and (i == 0 or src[i - 1] == "\n"):
            quote = out.pos if quote is None else quote
            i += 1
            continue
        if char == "]" and top == "[":
            _, start, _, _ = stack.pop()
            i += 1
            if src.startswith("(", i):
                close = src.find(")", i)
                if close < 0:
                    raise _entity_error(f"Can't find end of a URL at byte offset {_byte_at(src, i)}")
                entities.append(_entity("text_link", start, out.pos, url=src[i + 1 : close]))
                i = close + 1
            continue
        token = next((t for t in _MD2_TOKENS if src.startswith(t, i)), None)
        if token is None:
            raise _entity_error(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")
        at = _byte_at(src, i)
        i += len(token)
        if token == top and token != "[":
            _, start, _, _ = stack.pop()
            entities.append(_entity(_MD2_TYPES[token], start, out.pos))
            continue
        lang = ""
        newline = src.find("\n", i) if token == "```" else -1
        if newline >= 0 and " " not in src[i:newline].strip():  # ```python\n opens a pre with a language
            lang, i = src[i:newline].strip(), newline + 1
        stack.append((token, out.pos, at, lang))
    if quote is not None:
        entities.append(_entity("blockquote", quote, out.pos))
    if stack:
        token, _, at, _ = stack[-1]
        raise _entity_error(f"Can't find end of {_MD2_NAMES[token]} entity at byte offset {at}")
    return out.text(), entities


_MD_TYPES = {"*": "bold", "_": "italic", "`": "code", "```": "pre"}


def _parse_markdown(src: str) -> tuple[str, list[JSON | None]]:
    """Legacy Markdown: no nesting, few escapes, unclosed entities are errors."""
    out, entities = _Out(), []
    i = 0
    while i < len(src):
        char = src[i]
        if char == "\\" and src[i + 1 : i + 2] in ("_", "*", "`", "["):
            out.add(src[i + 1])
            i += 2
            continue
        token = "```" if src.startswith("```", i) else char if char in "*_`[" else ""
        if not token:
            out.add(char)
            i += 1
            continue
        at = _byte_at(src, i)
        closing = "]" if token == "[" else token
        end = src.find(closing, i + len(token))
        if end < 0:
            raise _entity_error(f"Can't find end of the entity starting at byte offset {at}")
        inner, start = src[i + len(token) : end], out.pos
        i = end + len(closing)
        if token == "```" and "\n" in inner:
            lang, rest = inner.split("\n", 1)
            inner = rest if " " not in lang else inner
        out.add(inner)
        if token != "[":
            entities.append(_entity(_MD_TYPES[token], start, out.pos))
        elif src.startswith("(", i) and (close := src.find(")", i)) >= 0:
            entities.append(_entity("text_link", start, out.pos, url=src[i + 1 : close]))
            i = close + 1
    return out.text(), entities


def parse_formatted(text: str, parse_mode: str | None) -> tuple[str, list[JSON]]:
    """Apply parse_mode like Telegram: returns the plain text and its entities, or raises ApiError."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        plain, entities = _parse_html(text)
    elif mode == "markdownv2":
        plain, entities = _parse_markdown_v2(text)
    elif mode == "markdown":
        plain, entities = _parse_markdown(text)
    elif mode:
        raise _bad(f"unsupported parse_mode {parse_mode}")
    else:
        return text, []
    return plain, _sorted_entities(entities)


def _trim(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Telegram strips surrounding whitespace from texts; entities move with the text."""
    body = text.strip()
    if body == text:
        return text, entities
    shift, total = _u16(text[: len(text) - len(text.lstrip())]), _u16(body)
    moved = []
    for e in entities:
        start, end = max(e["offset"] - shift, 0), min(e["offset"] + e["length"] - shift, total)
        if end > start:
            moved.append({**e, "offset": start, "length": end - start})
    return body, moved


_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])")
_MENTION_RE = re.compile(r"(?<![A-Za-z0-9_/])@[A-Za-z0-9_]{4,32}(?![A-Za-z0-9_])")


def detect_entities(text: str) -> list[JSON]:
    """The entities a Telegram client attaches to a typed message: bot commands and @mentions."""
    found = [
        {"type": kind, "offset": _u16(text[: m.start()]), "length": _u16(m.group())}
        for kind, pattern in (("bot_command", _COMMAND_RE), ("mention", _MENTION_RE))
        for m in pattern.finditer(text)
    ]
    return sorted(found, key=lambda e: e["offset"])


# --------------------------------------------------------------------------------------------------
# Media helpers


def _image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG/JPEG/GIF/WebP, None if it isn't an image Telegram would accept."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return 512, 512
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 <= len(data) and data[i] == 0xFF:
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
        return 800, 600
    return None


def make_png(width: int = 320, height: int = 240) -> bytes:
    """A valid blank PNG, standing in for a photo a user sends."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    rows = b"".join(b"\x00" + b"\xee" * (width * 3) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


_FAKE_OGG = b"OggS\x00\x02" + bytes(58)
# kind -> (file_id prefix as Telegram's look, folder in file_path, extension; "" = from the file name)
_FILE_KINDS = {
    "photo": ("AgACAgUAAxk", "photos", "jpg"),
    "voice": ("AwACAgUAAxk", "voice", "oga"),
    "document": ("BQACAgUAAxk", "documents", ""),
}


@dataclass
class _File:
    file_id: str
    unique_id: str
    kind: str  # "photo" | "voice" | "document"
    path: str
    data: bytes
    mime_type: str = "application/octet-stream"
    name: str = ""


# --------------------------------------------------------------------------------------------------
# Internal state


@dataclass
class _User:
    data: JSON
    started: bool = True  # has a private chat with the bot
    blocked: bool = False


@dataclass
class _Chat:
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
class _Queued:
    update: JSON
    forced: bool = False  # redelivered: returned once regardless of offset
    fetched: bool = False


@dataclass
class _Poll:
    superseded: bool = False


@dataclass
class _Fault:
    code: int | None  # None: drop the connection
    description: str
    retry_after: int | None
    remaining: int


@dataclass
class _Event:
    """One transcript entry; messages are snapshots taken when the event happened."""

    kind: str
    chat_id: int
    message: JSON | None = None
    actor: JSON | None = None
    markup: JSON | None = None  # reply markup as sent (reply keyboards aren't part of Message objects)
    previous: JSON | None = None
    text: str = ""
    alert: bool = False


class _FloodLimiter:
    def __init__(self, limits: FloodLimits, clock: Callable[[], float]) -> None:
        self.limits, self.clock = limits, clock
        self._overall: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}
        self._buckets: dict[int, tuple[float, float]] = {}  # private chat -> (tokens, at)

    def _tokens(self, chat_id: int, now: float) -> float:
        tokens, at = self._buckets.get(chat_id, (float(self.limits.private_burst), now))
        return min(float(self.limits.private_burst), tokens + (now - at) * self.limits.private_per_second)

    @staticmethod
    def _prune(window: deque[float], since: float) -> deque[float]:
        while window and window[0] <= since:
            window.popleft()
        return window

    def retry_after(self, chat_id: int) -> int | None:
        """Whole seconds until a message to chat_id would be allowed, or None if it is allowed now."""
        if not self.limits.enabled:
            return None
        now, waits = self.clock(), [0.0]
        overall = self._prune(self._overall, now - 1.0)
        if len(overall) >= self.limits.global_per_second:
            waits.append(overall[0] + 1.0 - now)
        if chat_id < 0:
            group = self._prune(self._groups.setdefault(chat_id, deque()), now - self.limits.group_window)
            if len(group) >= self.limits.group_per_window:
                waits.append(group[0] + self.limits.group_window - now)
        elif (tokens := self._tokens(chat_id, now)) < 1.0:
            waits.append((1.0 - tokens) / self.limits.private_per_second)
        wait = max(waits)
        return max(1, math.ceil(wait)) if wait > 0 else None

    def record(self, chat_id: int) -> None:
        now = self.clock()
        self._overall.append(now)
        if chat_id < 0:
            self._groups.setdefault(chat_id, deque()).append(now)
        else:
            self._buckets[chat_id] = (self._tokens(chat_id, now) - 1.0, now)


# --------------------------------------------------------------------------------------------------


class Sandbox:
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
        self.host, self.port = host, port
        self.bot_user: JSON = {"id": BOT_ID, "is_bot": True, "first_name": bot_name, "username": bot_username}
        self.limits = limits or FloodLimits()
        self.calls: list[Call] = []
        self._limiter = _FloodLimiter(self.limits, clock)
        self._users: dict[int, _User] = {}
        self._chats: dict[int, _Chat] = {}
        self._order: list[tuple[int, int]] = []  # (chat_id, message_id) in creation order
        self._events: list[_Event] = []
        self._files: dict[str, _File] = {}
        self._file_paths: dict[str, _File] = {}
        self._queue: list[_Queued] = []
        self._delivered: dict[int, JSON] = {}  # every update ever queued, for redeliver()
        self._last_update_id = 0
        self._polls: dict[str, _Poll] = {}
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
        self._faults: dict[str, deque[_Fault]] = {}
        self._inflight = 0
        self._last_activity = 0.0
        self._stopping = False
        self._runner: web.AppRunner | None = None
        self._api: dict[str, tuple[str, Callable[[JSON], Any]]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "logOut": self._ok,
                "close": self._ok,
                "deleteWebhook": self._delete_webhook,
                "setWebhook": self._set_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "setMyDescription": self._store_setting("description"),
                "setMyShortDescription": self._store_setting("short_description"),
                "setMyName": self._store_setting("name"),
                "setChatMenuButton": self._ok,
                "getChat": self._get_chat,
                "getChatMember": self._get_chat_member,
                "getChatAdministrators": self._get_chat_administrators,
                "getChatMemberCount": self._get_chat_member_count,
                "sendMessage": self._send_message,
                "sendPhoto": self._send_media("photo"),
                "sendDocument": self._send_media("document"),
                "sendVoice": self._send_media("voice"),
                "editMessageText": self._edit_message_text,
                "editMessageCaption": self._edit_message_caption,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "pinChatMessage": self._pin_chat_message,
                "unpinChatMessage": self._unpin_chat_message,
                "getFile": self._get_file,
                "sendChatAction": self._send_chat_action,
                "getUpdates": self._ok,  # handled specially: it is the only one that waits
            }.items()
        }

    # --- lifecycle

    @property
    def url(self) -> str:
        shown = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"http://{shown}:{self.port}"

    async def start(self) -> None:
        app = web.Application(client_max_size=50 * 1024 * 1024)  # Telegram's upload limit for bots
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_post("/sandbox/message", self._control_message)
        app.router.add_post("/sandbox/press", self._control_press)
        app.router.add_post("/sandbox/update", self._control_update)
        app.router.add_post("/sandbox/migrate", self._control_migrate)
        app.router.add_get("/sandbox/calls", self._control_calls)
        app.router.add_get("/sandbox/messages", self._control_messages)
        app.router.add_get("/sandbox/transcript", self._control_transcript)
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

    # --- user side

    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "zh-hans",
        started: bool = True,
    ) -> JSON:
        """Register a Telegram user. `started=False`: the bot may not message them before they write to it."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        data: JSON = {"id": user_id, "is_bot": False, "first_name": _clean_text(first_name)}
        data |= {k: _clean_text(v) for k, v in (("last_name", last_name), ("username", username)) if v}
        if language_code:
            data["language_code"] = language_code
        self._users[user_id] = _User(data, started=started)
        return copy.deepcopy(data)

    def add_group(
        self,
        chat_id: int,
        title: str,
        *,
        type: str = "supergroup",
        bot_is_member: bool = True,
        bot_admin: bool = True,
    ) -> JSON:
        if chat_id >= 0 or type not in ("group", "supergroup"):
            raise ValueError("group chat ids are negative and type is 'group' or 'supergroup'")
        chat = _Chat(
            {"id": chat_id, "title": _clean_text(title), "type": type},
            bot_member=bot_is_member,
            bot_admin=bot_admin,
        )
        self._chats[chat_id] = chat
        return copy.deepcopy(chat.data)

    def set_admin(self, chat_id: int, user_id: int, *, owner: bool = False) -> None:
        chat = self._group(chat_id)
        self._user(user_id)
        chat.members.add(user_id)
        chat.admins[user_id] = "creator" if owner else "administrator"

    def block_bot(self, user_id: int, blocked: bool = True) -> None:
        self._user(user_id).blocked = blocked

    def send_text(
        self,
        *,
        chat_id: int,
        user_id: int,
        text: str,
        reply_to: int | None = None,
        entities: list[JSON] | None = None,
    ) -> JSON:
        """A user types a message; commands and @mentions get entities like real clients produce."""
        text = _clean_text(text)
        content: JSON = {"text": text}
        found = detect_entities(text) if entities is None else entities
        if found:
            content["entities"] = found
        return self._user_message(chat_id, user_id, reply_to, content)

    def send_photo(
        self,
        *,
        chat_id: int,
        user_id: int,
        caption: str | None = None,
        reply_to: int | None = None,
        data: bytes | None = None,
    ) -> JSON:
        stored = self._store_file("photo", data or make_png(), "image/jpeg")
        content: JSON = {"photo": [self._photo_size(stored)]}
        if caption:
            content["caption"] = caption
        return self._user_message(chat_id, user_id, reply_to, content)

    def send_voice(
        self,
        *,
        chat_id: int,
        user_id: int,
        caption: str | None = None,
        reply_to: int | None = None,
        duration: int = 3,
        data: bytes | None = None,
    ) -> JSON:
        stored = self._store_file("voice", data or _FAKE_OGG, "audio/ogg")
        content: JSON = {"voice": self._voice(stored, duration)}
        if caption:
            content["caption"] = caption
        return self._user_message(chat_id, user_id, reply_to, content)

    def press(
        self,
        *,
        chat_id: int,
        user_id: int,
        message_id: int,
        data: str | None = None,
        button: str | None = None,
    ) -> str:
        """A user taps an inline button (by callback `data`, or by its `button` label); returns the query id.

        The data is not checked against the keyboard, so tests can forge it."""
        chat = self._chat_for(chat_id, user_id)
        message = chat.live(message_id)
        if message is None:
            raise ValueError(f"no message {message_id} in chat {chat_id}")
        if data is None:
            if button is None:
                raise ValueError("press() needs data= or button=")
            data = self.button_data(chat_id, message_id, button)
        user = self._users[user_id].data
        if not chat.private:
            chat.members.add(user_id)
        data = _clean_text(data)
        self._last_callback += 1
        query_id = str(4_200_000_000_000_000_000 + self._last_callback)
        self._callbacks[query_id] = {"answered": False, "chat_id": chat_id, "user": user}
        query = {
            "id": query_id,
            "from": user,
            "message": message,
            "chat_instance": str(abs(chat_id) * 7919 % 10**18),
            "data": data,
        }
        self._events.append(_Event("press", chat_id, message=message, actor=user, text=data))
        self.raw_update({"callback_query": query})
        return query_id

    def button_data(self, chat_id: int, message_id: int, label: str) -> str:
        """callback_data of the inline button labelled `label` on a message."""
        message = self.get_message(chat_id, message_id)
        for row in message.get("reply_markup", {}).get("inline_keyboard", []):
            for key in row:
                if key.get("text") == label and "callback_data" in key:
                    return str(key["callback_data"])
        raise ValueError(f"message {message_id} in chat {chat_id} has no button {label!r}")

    def add_bot_to_group(self, *, chat_id: int, user_id: int) -> JSON:
        """A user adds the bot: my_chat_member (left -> member) and the new_chat_members service message."""
        chat = self._chat_for(chat_id, user_id)
        if chat.private:
            raise ValueError("the bot can only be added to groups")
        chat.bot_member = True
        self.raw_update(
            {
                "my_chat_member": {
                    "chat": chat.data,
                    "from": self._users[user_id].data,
                    "date": _now(),
                    "old_chat_member": {"user": self.bot_user, "status": "left"},
                    "new_chat_member": {"user": self.bot_user, "status": "member"},
                }
            }
        )
        return self._user_message(
            chat_id, user_id, None, {"new_chat_members": [self.bot_user]}, kind="bot_added"
        )

    def join_group(self, *, chat_id: int, user_id: int) -> JSON:
        """A user joins a group (new_chat_members service message)."""
        self._chat_for(chat_id, user_id)
        user = self._users[user_id].data
        return self._user_message(chat_id, user_id, None, {"new_chat_members": [user]}, kind="joined")

    def migrate_group(
        self, chat_id: int, new_chat_id: int | None = None, *, user_id: int | None = None
    ) -> int:
        """Upgrade the basic group `chat_id` to a supergroup, as Telegram does; returns the supergroup's id.

        The supergroup (default id: -100 followed by the old id's digits) keeps the title, members and
        admins. Like Telegram, the bot gets a `migrate_to_chat_id` message in the old group (from `user_id`,
        default: the owner) and a `migrate_from_chat_id` one in the new; from then on every bot write to the
        old id fails with 400 and parameters.migrate_to_chat_id. The old chat's log stays readable."""
        old = self._chats.get(chat_id)
        if old is None or old.data["type"] != "group":
            raise ValueError(f"chat {chat_id} is not a basic group")
        if old.migrated_to is not None:
            raise ValueError(f"group {chat_id} was already upgraded to supergroup {old.migrated_to}")
        new_id = int(f"-100{-chat_id}") if new_chat_id is None else new_chat_id
        if new_id >= 0 or new_id in self._chats:
            raise ValueError(f"can't migrate to {new_id}: not a free group chat id")
        actor = self._user(self._group_owner(old) if user_id is None else user_id).data
        old.members.add(actor["id"])
        new = _Chat(
            {"id": new_id, "title": old.data["title"], "type": "supergroup"},
            members=set(old.members),
            admins=dict(old.admins),
            bot_member=old.bot_member,
            bot_admin=old.bot_admin,
        )
        self._chats[new_id] = new
        old.migrated_to = new_id
        self._events.append(_Event("migrate", chat_id, actor=actor, text=str(new_id)))
        farewell = self._store_message(old, actor, {"migrate_to_chat_id": new_id})
        welcome = self._store_message(
            new, GROUP_ANONYMOUS_BOT, {"sender_chat": new.data, "migrate_from_chat_id": chat_id}
        )
        if old.bot_member:  # a bot outside the group hears nothing of it
            self.raw_update({"message": farewell})
            self.raw_update({"message": welcome})
        return new_id

    def redeliver(self, update_id: int) -> JSON:
        """Queue an already delivered update again, as Telegram does after a lost confirmation.

        With a webhook set it is pushed again, behind whatever is queued."""
        update = self._delivered[update_id]
        self._queue.append(_Queued(update, forced=True))
        self._notify()
        return copy.deepcopy(update)

    def raw_update(self, update: JSON) -> JSON:
        """Queue any update; it is returned by getUpdates, or pushed to the webhook if one is set."""
        update = _clean(copy.deepcopy(update))
        if "update_id" in update:
            self._last_update_id = max(self._last_update_id, int(update["update_id"]))
        else:
            self._last_update_id += 1
            update = {"update_id": self._last_update_id, **update}
        self._delivered[update["update_id"]] = update
        self._queue.append(_Queued(update))
        self._notify()
        return copy.deepcopy(update)

    @property
    def pending_updates(self) -> int:
        """Queued updates the bot has not got yet.

        Polling: those getUpdates has not returned. Webhook: those not yet answered with a 2xx."""
        if self._webhook:
            return len(self._queue)
        return sum(not q.fetched for q in self._queue)

    @property
    def webhook_url(self) -> str:
        """The webhook the bot set ("" while it polls)."""
        return self._webhook

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
        description = description or _DEFAULT_ERRORS.get(error_code, f"Error {error_code}")
        self._faults.setdefault(method.lower(), deque()).append(
            _Fault(error_code, description, retry_after, times)
        )

    def drop_connection_next(self, method: str, *, times: int = 1) -> None:
        """The next `times` calls of `method` get their connection closed without an answer."""
        self._faults.setdefault(method.lower(), deque()).append(
            _Fault(None, "connection dropped", None, times)
        )

    # --- inspection

    def calls_of(
        self, method: str | None = None, *, since: int = 0, ok: bool | None = None, **match: Any
    ) -> list[Call]:
        """Recorded calls of `method` (any case; None = all) whose params equal `match`.

        A match value may also be a predicate, e.g. text=lambda t: "电梯" in t. `since` is an index into
        `calls` (take `len(sb.calls)` as a mark)."""
        wanted = method.lower() if method else None
        return [
            c
            for c in self.calls[since:]
            if (wanted is None or c.method.lower() == wanted)
            and (ok is None or c.ok == ok)
            and all(_matches(c.params.get(key, _MISSING), value) for key, value in match.items())
        ]

    def messages(self, chat_id: int, *, include_deleted: bool = False) -> list[JSON]:
        """The chat log (user and bot messages, edits applied), oldest first."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        return [
            copy.deepcopy(m)
            for mid, m in sorted(chat.log.items())
            if include_deleted or mid not in chat.deleted
        ]

    def get_message(self, chat_id: int, message_id: int) -> JSON:
        """Current version of a message; KeyError if unknown or deleted."""
        chat = self._chats.get(chat_id)
        message = chat.live(message_id) if chat else None
        if message is None:
            raise KeyError(f"no message {message_id} in chat {chat_id}")
        return copy.deepcopy(message)

    def message_history(self, chat_id: int, message_id: int) -> list[JSON]:
        """Every version of a message, oldest first, the current one last."""
        chat = self._chats[chat_id]
        return copy.deepcopy([*chat.history.get(message_id, []), chat.log[message_id]])

    def find_messages(
        self, contains: str = "", *, chat_id: int | None = None, from_bot: bool | None = True
    ) -> list[JSON]:
        """Live messages whose text or caption contains `contains`, oldest first (from the bot by default)."""
        found = []
        for cid, mid in self._order:
            chat = self._chats[cid]
            message = chat.live(mid)
            if message is None or (chat_id is not None and cid != chat_id):
                continue
            if from_bot is not None and (message["from"]["id"] == BOT_ID) != from_bot:
                continue
            if contains in (message.get("text") or message.get("caption") or ""):
                found.append(copy.deepcopy(message))
        return found

    def file_bytes(self, file_id: str) -> bytes:
        return self._files[file_id].data

    def bot_commands(self, *, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        return copy.deepcopy(self._commands.get(_commands_key(scope, language_code), []))

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 10.0, *, interval: float = 0.02, what: str = ""
    ) -> Any:
        """Poll `predicate` (sync or async) until it returns something truthy, and return that."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{what or 'condition'} not met within {timeout}s\n{self._recent_calls()}")
            await asyncio.sleep(interval)

    async def wait_calls(
        self,
        method: str,
        n: int = 1,
        timeout: float = 10.0,
        *,
        since: int = 0,
        ok: bool | None = None,
        **match: Any,
    ) -> list[Call]:
        """Wait until at least `n` calls match (see calls_of) and return all matching calls."""
        shown = ", ".join(f"{k}={v!r}" for k, v in match.items())
        return await self.wait_for(
            lambda: (
                (found := self.calls_of(method, since=since, ok=ok, **match)) and len(found) >= n and found
            ),
            timeout,
            what=f"{n} x {method}({shown})",
        )

    async def wait_message(self, contains: str, *, chat_id: int | None = None, timeout: float = 10.0) -> JSON:
        """Wait for a bot message containing `contains`; returns the newest such message."""
        found = await self.wait_for(
            lambda: self.find_messages(contains, chat_id=chat_id),
            timeout,
            what=f"bot message containing {contains!r}",
        )
        return found[-1]

    async def settle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until every queued update reached the bot and nothing happened for `quiet` seconds.

        Reached: fetched by getUpdates, or answered 2xx by the webhook. Nothing: no bot call in flight or
        arriving, no webhook POST in flight or sent."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            busy = self._inflight or self._webhook_busy
            if not self.pending_updates and not busy and now - self._last_activity >= quiet:
                return
            if now >= deadline:
                if self._webhook:
                    error = self._webhook_error[1] if self._webhook_error else "none"
                    stuck = f"not delivered to the webhook {self._webhook} (last error: {error})"
                else:
                    stuck = "not fetched (is the bot polling?)"
                raise TimeoutError(
                    f"sandbox did not settle within {timeout}s: {self.pending_updates} update(s) {stuck}, "
                    f"{self._inflight} call(s) in flight\n{self._recent_calls()}"
                )
            await asyncio.sleep(0.02)

    def _recent_calls(self, n: int = 12) -> str:
        recent = [c for c in self.calls if c.method != "getUpdates" or c.result or not c.ok][-n:]
        return "last calls:\n" + ("\n".join(f"  {c.summary()}" for c in recent) or "  (none)")

    # --- transcript

    def transcript_mark(self) -> int:
        """Position to pass as `since` to render only what happens from now on."""
        return len(self._events)

    def transcript_lines(self, since: int = 0, *, show_ids: bool = False) -> Iterator[str]:
        for event in self._events[since:]:
            yield from self._render(event, show_ids)

    def render_transcript(self, since: int = 0, *, show_ids: bool = False) -> str:
        return "\n".join(self.transcript_lines(since, show_ids=show_ids))

    def _render(self, event: _Event, show_ids: bool) -> Iterator[str]:
        label = f"[{self._chat_label(event.chat_id)}]"
        message = event.message or {}
        number = f" #{message.get('message_id')}" if show_ids and message else ""
        bot = f"🤖 {self.bot_user['first_name']}"
        if event.kind == "message":
            head = f"{label}{number} {_display(message['from'])}"
            if replied := message.get("reply_to_message"):
                head += f" (回复 {_display(replied['from'])})"
            yield from _body(f"{head}: ", _content(message))
            yield from _markup_lines(event.markup)
        elif event.kind == "edit":
            what = " 的说明" if event.text == "caption" else " 的按钮" if event.text == "markup" else ""
            body = "" if event.text == "markup" else _content(message)
            yield from _body(f"{label} {bot} ✎ 编辑了消息 #{message['message_id']}{what}: ", body)
            yield from _markup_lines(message.get("reply_markup"))
            if (event.previous or {}).get("reply_markup") and not message.get("reply_markup"):
                yield "  (按钮已移除)"
        elif event.kind == "press":
            yield f"{label} {_display(event.actor or {})} 按下 {_button_label(message, event.text)}"
        elif event.kind == "toast":
            yield from _body("  ⚠️ 弹窗: " if event.alert else "  💬 提示: ", event.text)
        elif event.kind in ("pin", "unpin", "delete"):
            verb = {"pin": "📌 置顶了", "unpin": "📌 取消置顶", "delete": "🗑 删除了"}[event.kind]
            yield f"{label} {bot} {verb}消息 #{message['message_id']}{_snippet(message)}"
        elif event.kind == "bot_added":
            yield f"{label} {_display(event.actor or {})} 把 {bot} 拉进了群聊"
        elif event.kind == "joined":
            yield f"{label} {_display(event.actor or {})} 加入了群聊"
        elif event.kind == "migrate":
            yield f"{label} {_display(event.actor or {})} 把群升级为超级群 (新 id {event.text})"

    def _chat_label(self, chat_id: int) -> str:
        chat = self._chats[chat_id]
        if chat.private:
            user = self._users.get(chat_id)
            return f"私聊 {_display(user.data if user else chat.data)}"
        return str(chat.data.get("title", chat_id))

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
                params = await _read_params(request)
                fault = self._take_fault(raw.lower())
                if fault is not None and fault.code is None:
                    self.calls.append(Call(name, params, False, description=fault.description, **where))
                    return _drop_connection(request)
                if fault is not None:
                    raise ApiError(fault.code, fault.description, retry_after=fault.retry_after)
                if handler is None:
                    raise ApiError(404, "Not Found: method not found")
                result = await self._invoke(name, handler, params, token)
            except ApiError as exc:
                self.calls.append(Call.failed(name, params, exc, **where))
                return _json_response(exc.body(), exc.code)
            except Exception as exc:  # a sandbox bug must not look like a hung server
                log.exception("sandbox failed handling %s", name)
                error = ApiError(500, f"Internal Server Error: sandbox bug: {exc!r}")
                self.calls.append(Call.failed(name, params, error, **where))
                return _json_response(error.body(), 500)
            self.calls.append(Call(name, params, True, result, **where))
            return _json_response({"ok": True, "result": result})
        finally:
            if tracked:
                self._inflight -= 1
                self._last_activity = time.monotonic()

    async def _invoke(self, name: str, handler: Callable[[JSON], Any], params: JSON, token: str) -> Any:
        if name == "getUpdates":
            return await self._get_updates(params, token)
        chat_id = params.get("chat_id")
        limited = name.startswith("send") and name != "sendChatAction" and isinstance(chat_id, int)
        if limited and (wait := self._limiter.retry_after(chat_id)):
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        result = handler(params)
        if limited:
            self._limiter.record(chat_id)
        return result

    def _take_fault(self, key: str) -> _Fault | None:
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
            return _json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return web.Response(body=stored.data, content_type=stored.mime_type)

    # --- control API for `linli sandbox` (curl-friendly)

    async def _control_message(self, request: web.Request) -> web.StreamResponse:
        def act(body: JSON) -> Any:
            chat_id, user_id = int(body["chat_id"]), int(body.get("user_id", body["chat_id"]))
            self._ensure_actors(chat_id, user_id, body)
            reply_to = int(body["reply_to"]) if body.get("reply_to") is not None else None
            return self.send_text(chat_id=chat_id, user_id=user_id, text=str(body["text"]), reply_to=reply_to)

        return await _control(request, act)

    async def _control_press(self, request: web.Request) -> web.StreamResponse:
        def act(body: JSON) -> Any:
            chat_id, user_id = int(body["chat_id"]), int(body.get("user_id", body["chat_id"]))
            self._ensure_actors(chat_id, user_id, body)
            query_id = self.press(
                chat_id=chat_id,
                user_id=user_id,
                message_id=int(body["message_id"]),
                data=body.get("data"),
                button=body.get("button"),
            )
            return {"callback_query_id": query_id}

        return await _control(request, act)

    async def _control_update(self, request: web.Request) -> web.StreamResponse:
        return await _control(request, self.raw_update)

    async def _control_migrate(self, request: web.Request) -> web.StreamResponse:
        def act(body: JSON) -> Any:
            new_id, user_id = body.get("new_chat_id"), body.get("user_id")
            migrated = self.migrate_group(
                int(body["chat_id"]),
                None if new_id is None else int(new_id),
                user_id=None if user_id is None else int(user_id),
            )
            return {"migrate_to_chat_id": migrated}

        return await _control(request, act)

    async def _control_calls(self, request: web.Request) -> web.StreamResponse:
        since = int(request.query.get("since", 0))
        calls = [
            {
                "method": c.method,
                "params": _jsonable(c.params),
                "ok": c.ok,
                "time": c.time,  # time.monotonic() when the call arrived: the machine's clock, not the epoch
                **(
                    {"result": c.result}
                    if c.ok
                    else {"error_code": c.error_code, "description": c.description}
                ),
            }
            for c in self.calls[since:]
        ]
        return _json_response({"ok": True, "result": calls})

    async def _control_messages(self, request: web.Request) -> web.StreamResponse:
        return _json_response({"ok": True, "result": self.messages(int(request.query["chat_id"]))})

    async def _control_transcript(self, request: web.Request) -> web.StreamResponse:
        text = self.render_transcript(int(request.query.get("since", 0)), show_ids="ids" in request.query)
        return web.Response(text=_clean_text(text) + "\n", content_type="text/plain", charset="utf-8")

    def _ensure_actors(self, chat_id: int, user_id: int, body: JSON) -> None:
        self._user(user_id, body.get("first_name"))
        if chat_id < 0:
            self._group(chat_id, body.get("title"))

    # --- updates

    def _notify(self) -> None:
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
        batch: list[_Queued] = []
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
        poll = self._polls[token] = _Poll()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            while True:
                if poll.superseded:
                    raise ApiError(409, _CONFLICT)
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

    # --- webhook delivery

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
            payload, timeout = _dumps(update).encode(), aiohttp.ClientTimeout(total=self.webhook_timeout)
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
            self._webhook_error = (_now(), error)
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

    # --- Bot API

    def _ok(self, params: JSON) -> bool:
        return True

    def _get_me(self, params: JSON) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _store_setting(self, key: str) -> Callable[[JSON], bool]:
        def handler(params: JSON) -> bool:
            self._settings[key] = str(params.get(key, ""))
            return True

        return handler

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
            raise _bad("secret token contains unallowed characters")
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

    def _set_my_commands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad('parameter "commands" is required')
        for command in commands:
            if not isinstance(command, dict) or not re.fullmatch(
                r"[a-z0-9_]{1,32}", str(command.get("command"))
            ):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description") or "").strip()) <= 256:
                raise _bad("command description must be non-empty")
        self._commands[_commands_key(params.get("scope"), params.get("language_code"))] = commands
        return True

    def _get_my_commands(self, params: JSON) -> list[JSON]:
        return self._commands.get(_commands_key(params.get("scope"), params.get("language_code")), [])

    def _delete_my_commands(self, params: JSON) -> bool:
        self._commands.pop(_commands_key(params.get("scope"), params.get("language_code")), None)
        return True

    def _get_chat(self, params: JSON) -> JSON:
        chat = self._bot_chat(params, writing=False)
        info: JSON = {
            **chat.data,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
        if chat.pinned:
            info["pinned_message"] = chat.log[chat.pinned[-1]]
        return info

    def _member(self, chat: _Chat, user_id: int) -> JSON:
        if user_id == BOT_ID:
            if chat.private or (chat.bot_member and not chat.bot_admin):
                return {"user": self.bot_user, "status": "member"}
            if not chat.bot_member:
                return {"user": self.bot_user, "status": "left"}
            return _administrator(self.bot_user, is_bot=True)
        user = self._users.get(user_id)
        if user is None:
            raise _bad("user not found")
        status = chat.admins.get(user_id)
        if status == "creator":
            return {"user": user.data, "status": "creator", "is_anonymous": False}
        if status == "administrator":
            return _administrator(user.data)
        member = (chat.private and user_id == chat.id) or user_id in chat.members
        return {"user": user.data, "status": "member" if member else "left"}

    def _get_chat_member(self, params: JSON) -> JSON:
        chat = self._bot_chat(params, writing=False)
        user_id = params.get("user_id")
        if not isinstance(user_id, int):
            raise _bad("invalid user_id specified")
        return self._member(chat, user_id)

    def _get_chat_administrators(self, params: JSON) -> list[JSON]:
        chat = self._bot_chat(params, writing=False)
        if chat.private:
            raise _bad("there are no administrators in the private chat")
        ids = sorted(chat.admins, key=lambda uid: chat.admins[uid] != "creator")
        return [self._member(chat, uid) for uid in ids] + (
            [self._member(chat, BOT_ID)] if chat.bot_admin else []
        )

    def _get_chat_member_count(self, params: JSON) -> int:
        chat = self._bot_chat(params, writing=False)
        return 2 if chat.private else len(chat.members) + int(chat.bot_member)

    def _send_message(self, params: JSON) -> JSON:
        chat = self._bot_chat(params)
        text, entities = _format(params, "text", "entities", MAX_TEXT_LENGTH, required=True)
        content: JSON = {"text": text}
        if entities:
            content["entities"] = entities
        return self._bot_message(chat, params, content)

    def _send_media(self, kind: str) -> Callable[[JSON], JSON]:
        def handler(params: JSON) -> JSON:
            chat = self._bot_chat(params)
            stored = self._file_param(params, kind)
            caption, entities = _format(
                params, "caption", "caption_entities", MAX_CAPTION_LENGTH, required=False
            )
            if kind == "photo":
                content: JSON = {"photo": [self._photo_size(stored)]}
            elif kind == "voice":
                content = {"voice": self._voice(stored, int(params.get("duration") or 1))}
            else:
                content = {"document": self._document(stored)}
            if caption:
                content["caption"] = caption
            if entities:
                content["caption_entities"] = entities
            return self._bot_message(chat, params, content)

        return handler

    def _edit_target(self, params: JSON) -> tuple[_Chat, JSON]:
        if params.get("inline_message_id"):
            raise _bad("message to edit not found")  # the sandbox has no inline mode
        chat = self._bot_chat(params)
        message = _target_message(chat, params, "message to edit not found")
        if message["from"]["id"] != BOT_ID:
            raise _bad("message can't be edited")
        return chat, message

    def _edit_message_text(self, params: JSON) -> JSON:
        chat, message = self._edit_target(params)
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        text, entities = _format(params, "text", "entities", MAX_TEXT_LENGTH, required=True)
        return self._apply_edit(chat, message, {"text": text, "entities": entities}, params, "text")

    def _edit_message_caption(self, params: JSON) -> JSON:
        chat, message = self._edit_target(params)
        if "text" in message:
            raise _bad("there is no caption in the message to edit")
        caption, entities = _format(params, "caption", "caption_entities", MAX_CAPTION_LENGTH, required=False)
        return self._apply_edit(
            chat, message, {"caption": caption, "caption_entities": entities}, params, "caption"
        )

    def _edit_message_reply_markup(self, params: JSON) -> JSON:
        chat, message = self._edit_target(params)
        return self._apply_edit(chat, message, {}, params, "markup")

    def _apply_edit(self, chat: _Chat, message: JSON, changes: JSON, params: JSON, what: str) -> JSON:
        # Like Telegram, an edit without reply_markup removes the inline keyboard.
        markup = _check_markup(params.get("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise _bad("inline keyboard expected")
        changes["reply_markup"] = markup
        edited = {k: v for k, v in message.items() if k not in changes or changes[k]}
        edited |= {k: v for k, v in changes.items() if v}
        if _without(edited, "edit_date") == _without(message, "edit_date"):
            raise _bad(
                "message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message"
            )
        edited["edit_date"] = _now()
        chat.history.setdefault(message["message_id"], []).append(message)
        chat.log[message["message_id"]] = edited
        self._events.append(_Event("edit", chat.id, message=edited, previous=message, text=what))
        return edited

    def _delete_message(self, params: JSON) -> bool:
        chat = self._bot_chat(params)
        message = _target_message(chat, params, "message to delete not found")
        if message["from"]["id"] != BOT_ID and not chat.private and not chat.bot_admin:
            raise _bad("message can't be deleted")
        chat.deleted.add(message["message_id"])
        self._events.append(_Event("delete", chat.id, message=message))
        return True

    def _answer_callback_query(self, params: JSON) -> bool:
        query = self._callbacks.get(str(params.get("callback_query_id") or ""))
        if query is None or query["answered"]:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        query["answered"] = True
        if text := str(params.get("text") or ""):
            alert = bool(params.get("show_alert"))
            self._events.append(
                _Event("toast", query["chat_id"], actor=query["user"], text=text, alert=alert)
            )
        return True

    def _pin_chat_message(self, params: JSON) -> bool:
        chat = self._bot_chat(params)
        message = _target_message(chat, params, "message to pin not found")
        if not chat.private and not chat.bot_admin:
            raise _bad("not enough rights to manage pinned messages in the chat")
        chat.pinned = [mid for mid in chat.pinned if mid != message["message_id"]] + [message["message_id"]]
        self._events.append(_Event("pin", chat.id, message=message))
        # Telegram posts a "pinned a message" service message, which takes a message_id.
        service = {"pinned_message": {k: v for k, v in message.items() if k != "reply_to_message"}}
        self._store_message(chat, self.bot_user, service)
        return True

    def _unpin_chat_message(self, params: JSON) -> bool:
        chat = self._bot_chat(params)
        message_id = params.get("message_id") or (chat.pinned[-1] if chat.pinned else None)
        if message_id not in chat.pinned:
            raise _bad("message to unpin not found")
        if not chat.private and not chat.bot_admin:
            raise _bad("not enough rights to manage pinned messages in the chat")
        chat.pinned.remove(message_id)
        self._events.append(_Event("unpin", chat.id, message=chat.log[message_id]))
        return True

    def _get_file(self, params: JSON) -> JSON:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _bad("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }

    def _send_chat_action(self, params: JSON) -> bool:
        self._bot_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    # --- helpers

    def _user(self, user_id: int, first_name: str | None = None) -> _User:
        if user_id not in self._users:
            self.add_user(user_id, first_name or f"用户{user_id}")
        return self._users[user_id]

    def _group(self, chat_id: int, title: str | None = None) -> _Chat:
        if chat_id not in self._chats:
            kind = "supergroup" if chat_id < -1_000_000_000_000 else "group"  # -100xxxxxxxxxx
            self.add_group(chat_id, title or f"群{-chat_id}", type=kind)
        return self._chats[chat_id]

    def _private(self, user: _User) -> _Chat:
        user_id = int(user.data["id"])
        if user_id not in self._chats:
            fields = ("first_name", "last_name", "username")
            self._chats[user_id] = _Chat(
                {"id": user_id, "type": "private"} | {k: user.data[k] for k in fields if k in user.data}
            )
        return self._chats[user_id]

    def _chat_for(self, chat_id: int, user_id: int) -> _Chat:
        """The chat a user acts in, creating unknown users and groups with default names."""
        user = self._user(user_id)
        if chat_id > 0:
            if chat_id != user_id:
                raise ValueError("a private chat's id is the user's id")
            return self._private(user)
        chat = self._group(chat_id)
        if chat.migrated_to is not None:
            raise ValueError(f"group {chat_id} was upgraded to supergroup {chat.migrated_to}")
        return chat

    @staticmethod
    def _group_owner(chat: _Chat) -> int:
        """Who upgrades a group when the caller doesn't say: its creator, else an admin, else a member."""
        ranked = sorted(chat.admins, key=lambda uid: (chat.admins[uid] != "creator", uid))
        if ranked or chat.members:
            return ranked[0] if ranked else min(chat.members)
        raise ValueError(f"group {chat.id} has no members; pass user_id=")

    def _bot_chat(self, params: JSON, *, writing: bool = True) -> _Chat:
        """The chat a bot call addresses, with Telegram's errors for chats it can't use."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        user = self._users.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None and user is not None:
            chat = self._private(user)
        if chat is None:
            raise _bad("chat not found")
        if writing and chat.migrated_to is not None:
            raise ApiError(400, _MIGRATED, migrate_to_chat_id=chat.migrated_to)
        if writing and user is not None and user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if writing and user is not None and not user.started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        if writing and not chat.private and not chat.bot_member:
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.data['type']} chat")
        return chat

    def _store_message(self, chat: _Chat, sender: JSON, content: JSON, reply_to: JSON | None = None) -> JSON:
        message: JSON = {
            "message_id": chat.next_message_id(),
            "from": sender,
            "chat": chat.data,
            "date": _now(),
        }
        if reply_to is not None:
            message["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "reply_to_message"}
        message |= content
        chat.log[message["message_id"]] = message
        self._order.append((chat.id, message["message_id"]))
        return message

    def _user_message(
        self, chat_id: int, user_id: int, reply_to: int | None, content: JSON, *, kind: str = "message"
    ) -> JSON:
        chat = self._chat_for(chat_id, user_id)
        user = self._users[user_id]
        content = _clean(content)
        if chat.private:
            user.started, user.blocked = True, False  # writing to a bot (re)starts the conversation
        else:
            chat.members.add(user_id)
        replied = None
        if reply_to is not None and (replied := chat.live(reply_to)) is None:
            raise ValueError(f"no message {reply_to} in chat {chat_id} to reply to")
        message = self._store_message(chat, user.data, content, replied)
        self._events.append(_Event(kind, chat.id, message=message, actor=user.data))
        self.raw_update({"message": message})
        return copy.deepcopy(message)

    def _bot_message(self, chat: _Chat, params: JSON, content: JSON) -> JSON:
        markup = _check_markup(params.get("reply_markup"))
        replied = self._replied(chat, params)
        if markup and "inline_keyboard" in markup:
            content["reply_markup"] = markup  # Message objects only carry inline keyboards
        message = self._store_message(chat, self.bot_user, content, replied)
        self._events.append(_Event("message", chat.id, message=message, markup=markup))
        return message

    def _replied(self, chat: _Chat, params: JSON) -> JSON | None:
        reply = params.get("reply_parameters")
        reply = reply if isinstance(reply, dict) else {}
        message_id = reply.get("message_id", params.get("reply_to_message_id"))
        if message_id is None:
            return None
        target = chat.live(_as_int(message_id))
        if target is None:
            if reply.get("allow_sending_without_reply", params.get("allow_sending_without_reply")):
                return None
            raise _bad("message to be replied not found")
        return target

    def _store_file(self, kind: str, data: bytes, mime_type: str, name: str = "") -> _File:
        n = len(self._files) + 1
        prefix, folder, ext = _FILE_KINDS[kind]
        ext = ext or (name.rsplit(".", 1)[-1] if "." in name else "bin")
        path = f"{folder}/file_{n}.{ext}"
        # Deterministic ids keep demo transcripts and test failures reproducible.
        stored = _File(f"{prefix}{n:06d}sbx", f"AQAD{n:06d}", kind, path, data, mime_type, name)
        self._files[stored.file_id] = self._file_paths[stored.path] = stored
        return stored

    def _file_param(self, params: JSON, kind: str) -> _File:
        value = params.get(kind)
        if isinstance(value, Upload):
            if not value.data:
                raise _bad("file must be non-empty")
            if kind == "photo" and _image_size(value.data) is None:
                raise _bad("IMAGE_PROCESS_FAILED")
            mime = {"photo": "image/jpeg", "voice": "audio/ogg"}.get(kind) or value.content_type
            return self._store_file(kind, value.data, mime, value.filename)
        if not value:
            raise _bad(f"there is no {kind} in the request")
        if str(value).startswith(("http://", "https://")):
            return self._store_file(kind, b"", "application/octet-stream", str(value).rsplit("/", 1)[-1])
        stored = self._files.get(str(value))
        if stored is None:
            raise _bad("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise _bad(f"can't use file of type {stored.kind.title()} as {kind.title()}")
        return stored

    def _photo_size(self, stored: _File) -> JSON:
        width, height = _image_size(stored.data) or (800, 600)
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "width": width,
            "height": height,
            "file_size": len(stored.data),
        }

    def _voice(self, stored: _File, duration: int) -> JSON:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(stored.data),
        }

    def _document(self, stored: _File) -> JSON:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_name": stored.name or stored.path.rsplit("/", 1)[-1],
            "mime_type": stored.mime_type,
            "file_size": len(stored.data),
        }


# --------------------------------------------------------------------------------------------------
# Module helpers


_MISSING = object()


def _now() -> int:
    return int(time.time())


def _matches(actual: Any, expected: Any) -> bool:
    if callable(expected):
        return actual is not _MISSING and bool(expected(actual))
    return actual == expected


def _as_int(value: Any) -> Any:
    return int(value) if isinstance(value, str) and re.fullmatch(r"-?\d+", value) else value


def _target_message(chat: _Chat, params: JSON, not_found: str) -> JSON:
    if params.get("message_id") in (None, ""):
        raise _bad("message identifier is not specified")
    message = chat.live(params["message_id"])
    if message is None:
        raise _bad(not_found)
    return message


def _without(mapping: JSON, *keys: str) -> JSON:
    return {k: v for k, v in mapping.items() if k not in keys}


def _commands_key(scope: Any, language_code: Any) -> str:
    scope = scope if isinstance(scope, dict) and scope.get("type") != "default" else {}
    return json.dumps(scope, sort_keys=True) + "|" + str(language_code or "")


def _update_kind(update: JSON) -> str:
    return next((key for key in update if key != "update_id"), "")


def _allowed_by_default(queued: _Queued, allowed: set[str]) -> bool:
    return not allowed and _update_kind(queued.update) not in _OPT_IN_UPDATES


def _administrator(user: JSON, *, is_bot: bool = False) -> JSON:
    member: JSON = {"user": user, "status": "administrator", "can_be_edited": is_bot, "is_anonymous": False}
    return member | dict.fromkeys(_ADMIN_RIGHTS, True) | {"can_promote_members": False}


def _format(
    params: JSON, key: str, entities_key: str, limit: int, *, required: bool
) -> tuple[str | None, list[JSON]]:
    raw = params.get(key)
    if raw is None or raw == "":
        if required:
            raise _bad("message text is empty")
        return None, []
    given = params.get(entities_key)
    if isinstance(given, list):
        text, entities = str(raw), given  # explicit entities win over parse_mode
    else:
        text, entities = parse_formatted(str(raw), params.get("parse_mode"))
    text, entities = _trim(text, entities)
    if not text:
        if required:
            raise _bad("message text is empty")
        return None, []
    if _u16(text) > limit:  # Telegram counts UTF-16 code units: an emoji outside the BMP counts twice
        raise _bad("message is too long" if key == "text" else "message caption is too long")
    return text, entities


_TEXT_BUTTON = "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"


def _check_markup(markup: Any) -> JSON | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad("object expected as reply markup")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
        for button in (b for row in rows for b in row):
            if not isinstance(button, dict) or not str(button.get("text") or "").strip():
                raise _bad(_TEXT_BUTTON)
            if "callback_data" in button and not 1 <= len(str(button["callback_data"]).encode()) <= 64:
                raise _bad("BUTTON_DATA_INVALID")
            if len(button) == 1:
                raise _bad(_TEXT_BUTTON)
    elif "keyboard" in markup:
        if not isinstance(markup["keyboard"], list):
            raise _bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array')
    elif not ({"remove_keyboard", "force_reply"} & markup.keys()):
        raise _bad("can't parse reply keyboard markup JSON object")
    return markup


async def _read_params(request: web.Request) -> JSON:
    params: JSON = dict(request.query)
    if request.method == "POST" and request.body_exists:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as exc:
                raise _bad("can't parse JSON encoded request") from exc
            if not isinstance(body, dict):
                raise _bad("JSON object expected")
            params.update(body)
        else:
            files: dict[str, Upload] = {}
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    files[key] = Upload(value.filename, value.content_type, value.file.read())
                else:
                    params[key] = value
            for key, value in list(params.items()):  # aiogram names files "attach://<part>"
                if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
                    params[key] = files.pop(value[9:])
            params.update(files)  # python-telegram-bot names the part after the parameter
    # Cleaned after decoding: a form field's JSON can carry "\ud800" escapes of its own.
    return {_clean_text(key): _clean(_coerce(key, value)) for key, value in params.items()}


def _coerce(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in _OBJECT_PARAMS:
        try:
            return json.loads(value)
        except ValueError as exc:
            what = "reply keyboard markup" if key == "reply_markup" else key
            raise _bad(f"can't parse {what} JSON object") from exc
    if key in _INT_PARAMS:
        return _as_int(value)
    if key == "timeout":
        with contextlib.suppress(ValueError):
            return float(value)
    if key in _BOOL_PARAMS:
        return value.strip().lower() in ("true", "1")
    return value


def _dumps(obj: Any) -> str:
    # Inputs are cleaned when they arrive; cleaning the output as well keeps one missed path from
    # turning into a 500 on every later answer.
    return _clean_text(json.dumps(obj, ensure_ascii=False))


def _json_response(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=_dumps)


def _check_webhook_url(url: str) -> None:
    """Telegram's rules (https, on one of four ports), plus plain http to loopback so tests need no TLS."""
    https = _bad("bad webhook: An HTTPS URL must be provided for webhook")
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
        raise _bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")


def _names_method(body: bytes) -> bool:
    """Whether a webhook answer carries a Bot API call ({"method": ...}), which Telegram would execute."""
    with contextlib.suppress(ValueError):
        answer = json.loads(body)
        return isinstance(answer, dict) and "method" in answer
    return False


def _drop_connection(request: web.Request) -> web.StreamResponse:
    if request.transport is not None:
        request.transport.abort()
    raise asyncio.CancelledError  # aiohttp abandons the request without writing anything


async def _control(request: web.Request, act: Callable[[JSON], Any]) -> web.StreamResponse:
    try:
        body = await request.json()
        return _json_response({"ok": True, "result": act(body)})
    except (ValueError, KeyError, TypeError) as exc:
        return _json_response({"ok": False, "description": f"{type(exc).__name__}: {exc}"}, 400)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Upload):
        return {"upload": value.filename, "size": value.size}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


# --- transcript formatting


def _display(user: JSON) -> str:
    name = " ".join(str(user[k]) for k in ("first_name", "last_name") if user.get(k)) or str(
        user.get("id", "?")
    )
    return f"🤖 {name}" if user.get("is_bot") else name


def _content(message: JSON) -> str:
    parts = []
    if "photo" in message:
        parts.append("[图片]")
    if "voice" in message:
        parts.append(f"[语音 {message['voice'].get('duration', 0)}秒]")
    if "document" in message:
        parts.append(f"[文件 {message['document'].get('file_name', '')}]")
    if text := message.get("text") or message.get("caption"):
        parts.append(str(text))
    return " ".join(parts)


def _snippet(message: JSON, width: int = 20) -> str:
    text = _content(message).replace("\n", " ")
    return f"「{text[:width]}{'…' if len(text) > width else ''}」" if text else ""


def _body(prefix: str, text: str) -> Iterator[str]:
    first, *rest = text.split("\n") if text else [""]
    yield (prefix + first).rstrip()
    for line in rest:
        yield ("    " + line).rstrip()


def _markup_lines(markup: JSON | None) -> Iterator[str]:
    if not markup:
        return
    for row in markup.get("inline_keyboard", []):
        yield "  " + " ".join(f"[{b.get('text', '')}{' ↗' if 'url' in b else ''}]" for b in row)
    for index, row in enumerate(markup.get("keyboard", [])):
        labels = [b if isinstance(b, str) else str(b.get("text", "")) for b in row]
        yield ("  ⌨ " if index == 0 else "    ") + " | ".join(labels)
    if markup.get("remove_keyboard"):
        yield "  ⌨ (收起键盘)"
    if markup.get("force_reply"):
        yield "  ↩ (请求回复)"


def _button_label(message: JSON, data: str) -> str:
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            if button.get("callback_data") == data:
                return f"[{button.get('text', '')}]"
    return f"[?] (data={data})"


# --------------------------------------------------------------------------------------------------
# Standalone server: `linli sandbox --port 8081`


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


if __name__ == "__main__":
    main()
