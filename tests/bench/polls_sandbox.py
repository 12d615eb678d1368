"""The sandbox alone in its own process for the polls benchmark: Telegram's flood limits ON, plus two routes.

    python -m tests.bench.polls_sandbox PORT

    POST /sandbox/press_many  [{"chat_id", "user_id", "message_id", "data"}, ...]: the taps, in order;
                              answers [{"query": id, "at": time.monotonic() when the sandbox took it}, ...]
    GET  /sandbox/brief_calls ?since=N: the calls since N without their bodies (getUpdates results are
                              large): method, ok, time, error_code, and the few params the bench reads

Times are this machine's time.monotonic(), the clock the calls are stamped with, so a tap and its answer
are compared on one clock. Telegram is another machine: the stand-in's work stays off the bot's loop.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402

from bot.sandbox import FloodLimits, Sandbox  # noqa: E402
from bot.sandbox.wire import json_response  # noqa: E402

BRIEF_PARAMS = ("chat_id", "message_id", "callback_query_id", "text")


class BenchSandbox(Sandbox):
    def _add_control_routes(self, app: web.Application) -> None:
        super()._add_control_routes(app)
        app.router.add_post("/sandbox/press_many", self._press_many)
        app.router.add_get("/sandbox/brief_calls", self._brief_calls)

    async def _press_many(self, request: web.Request) -> web.StreamResponse:
        taps = await request.json()
        out: list[dict[str, Any]] = []
        for tap in taps:
            chat_id, user_id = int(tap["chat_id"]), int(tap["user_id"])
            self._ensure_actors(chat_id, user_id, tap)
            query = self.press(
                chat_id=chat_id, user_id=user_id, message_id=int(tap["message_id"]), data=str(tap["data"])
            )
            out.append({"query": query, "at": time.monotonic()})
        return json_response({"ok": True, "result": out})

    async def _brief_calls(self, request: web.Request) -> web.StreamResponse:
        since = int(request.query.get("since", 0))
        calls = []
        for call in self.calls[since:]:
            brief: dict[str, Any] = {"method": call.method, "ok": call.ok, "time": call.time}
            if not call.ok:
                brief["error_code"] = call.error_code
            if call.method != "getUpdates":
                brief |= {k: call.params[k] for k in BRIEF_PARAMS if k in call.params}
                if isinstance(call.result, dict) and "message_id" in call.result:
                    brief["result_message_id"] = call.result["message_id"]
            calls.append(brief)
        return json_response({"ok": True, "result": calls})


async def main(port: int) -> None:
    async with BenchSandbox(port=port, limits=FloodLimits()):  # Telegram's limits, as they are
        print("ready", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
