"""The control API: the user side over HTTP, for `linli sandbox` and curl.

    POST /sandbox/message     {"chat_id", "user_id"?, "text", "reply_to"?, "first_name"?, "title"?}
    POST /sandbox/press       {"chat_id", "user_id"?, "message_id", "data" or "button"}
    POST /sandbox/contact     {"chat_id", "user_id"?, "phone_number"?, "of_user"?}: share a contact card
    POST /sandbox/update      any update, queued as it is
    POST /sandbox/migrate     {"chat_id", "new_chat_id"?, "user_id"?}
    GET  /sandbox/calls       ?since=N: the Bot API calls the bot made
    GET  /sandbox/messages    ?chat_id=N: a chat's log
    GET  /sandbox/transcript  ?since=N&ids: the transcript as text

"user_id" defaults to "chat_id" (a private chat). A "button" is its label, with or without its emoji
("已解决" presses "✅ 已解决"), as Sandbox.button_data matches it. Answers are {"ok": true, "result": ...},
or 400 with a description for a request the sandbox can't carry out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.sandbox.inspection import Inspection
from bot.sandbox.markup import clean_text
from bot.sandbox.media import Upload
from bot.sandbox.protocol import JSON
from bot.sandbox.transcript import Transcript
from bot.sandbox.user_side import UserSide
from bot.sandbox.wire import json_response


class ControlApi(UserSide, Inspection, Transcript):
    """The /sandbox/ routes; users and groups they name are created on first use."""

    def _add_control_routes(self, app: web.Application) -> None:
        app.router.add_post("/sandbox/message", self._control_message)
        app.router.add_post("/sandbox/press", self._control_press)
        app.router.add_post("/sandbox/contact", self._control_contact)
        app.router.add_post("/sandbox/update", self._control_update)
        app.router.add_post("/sandbox/migrate", self._control_migrate)
        app.router.add_get("/sandbox/calls", self._control_calls)
        app.router.add_get("/sandbox/messages", self._control_messages)
        app.router.add_get("/sandbox/transcript", self._control_transcript)

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

    async def _control_contact(self, request: web.Request) -> web.StreamResponse:
        def act(body: JSON) -> Any:
            chat_id, user_id = int(body["chat_id"]), int(body.get("user_id", body["chat_id"]))
            self._ensure_actors(chat_id, user_id, body)
            of_user = body.get("of_user")
            return self.share_contact(
                chat_id=chat_id,
                user_id=user_id,
                phone_number=str(body["phone_number"]) if body.get("phone_number") else None,
                of_user=None if of_user is None else int(of_user),
            )

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
        return json_response({"ok": True, "result": calls})

    async def _control_messages(self, request: web.Request) -> web.StreamResponse:
        return json_response({"ok": True, "result": self.messages(int(request.query["chat_id"]))})

    async def _control_transcript(self, request: web.Request) -> web.StreamResponse:
        text = self.render_transcript(int(request.query.get("since", 0)), show_ids="ids" in request.query)
        return web.Response(text=clean_text(text) + "\n", content_type="text/plain", charset="utf-8")

    def _ensure_actors(self, chat_id: int, user_id: int, body: JSON) -> None:
        self._user(user_id, body.get("first_name"))
        if chat_id < 0:
            self._group(chat_id, body.get("title"))


async def _control(request: web.Request, act: Callable[[JSON], Any]) -> web.StreamResponse:
    try:
        body = await request.json()
        return json_response({"ok": True, "result": act(body)})
    except (ValueError, KeyError, TypeError) as exc:
        return json_response({"ok": False, "description": f"{type(exc).__name__}: {exc}"}, 400)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Upload):
        return {"upload": value.filename, "size": value.size}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value
