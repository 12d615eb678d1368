"""The sandbox alone in its own process for the notices benchmark: Telegram's flood limits ON.

    python -m tests.bench.notices_sandbox PORT

The polls benchmark's stand-in (compact call log, with allow_paid_broadcast; many presses at once) plus
one route:

    POST /sandbox/groups  {"first": -100…, "n": 1000, "title": "{n}号楼业主群"}: n groups with the bot in
                          them, made quietly (no update: the bot knows them from its database already)

Telegram is another machine: the stand-in's work stays off the bot's event loop.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402

from bot.sandbox import FloodLimits  # noqa: E402
from bot.sandbox.wire import json_response  # noqa: E402
from tests.bench import polls_sandbox  # noqa: E402
from tests.bench.polls_sandbox import BenchSandbox  # noqa: E402

# The compact call log also says whether a copy was sent as a paid broadcast.
polls_sandbox.BRIEF_PARAMS = (*polls_sandbox.BRIEF_PARAMS, "allow_paid_broadcast")


class NoticesSandbox(BenchSandbox):
    def _add_control_routes(self, app: web.Application) -> None:
        super()._add_control_routes(app)
        app.router.add_post("/sandbox/groups", self._add_groups)

    async def _add_groups(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        first, n, title = int(body["first"]), int(body["n"]), str(body["title"])
        for i in range(n):
            self.add_group(first - i, title.format(n=i + 1))
        return json_response({"ok": True, "result": n})


async def main(port: int) -> None:
    async with NoticesSandbox(port=port, limits=FloodLimits()):  # Telegram's limits, as they are
        print("ready", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
