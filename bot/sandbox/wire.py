"""Bot API requests and answers as they travel over HTTP.

Bots send parameters as a query string, a JSON body, a form or a multipart upload; a form carries every
value as a string, so the sandbox turns each back into the Bot API type its name says."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from typing import Any

from aiohttp import web

from bot.sandbox.markup import clean, clean_text
from bot.sandbox.media import Upload
from bot.sandbox.protocol import JSON, bad

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


async def read_params(request: web.Request) -> JSON:
    """A call's parameters from its query and body, as Bot API types, uploads as Upload, texts cleaned."""
    params: JSON = dict(request.query)
    if request.method == "POST" and request.body_exists:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as exc:
                raise bad("can't parse JSON encoded request") from exc
            if not isinstance(body, dict):
                raise bad("JSON object expected")
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
    return {clean_text(key): clean(_coerce(key, value)) for key, value in params.items()}


def _coerce(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in _OBJECT_PARAMS:
        try:
            return json.loads(value)
        except ValueError as exc:
            what = "reply keyboard markup" if key == "reply_markup" else key
            raise bad(f"can't parse {what} JSON object") from exc
    if key in _INT_PARAMS:
        return as_int(value)
    if key == "timeout":
        with contextlib.suppress(ValueError):
            return float(value)
    if key in _BOOL_PARAMS:
        return value.strip().lower() in ("true", "1")
    return value


def dumps(obj: Any) -> str:
    # Inputs are cleaned when they arrive; cleaning the output as well keeps one missed path from
    # turning into a 500 on every later answer.
    return clean_text(json.dumps(obj, ensure_ascii=False))


def json_response(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=dumps)


def drop_connection(request: web.Request) -> web.StreamResponse:
    """Close the connection without an answer, as a network failure would (fail-injection only)."""
    if request.transport is not None:
        request.transport.abort()
    raise asyncio.CancelledError  # aiohttp abandons the request without writing anything


def as_int(value: Any) -> Any:
    """A form's "-100123" as the int it means; anything else as it is, for the method to judge."""
    return int(value) if isinstance(value, str) and re.fullmatch(r"-?\d+", value) else value
