"""The sandbox alone in its own process, flood limits off, for benchmarks.

    python -m tests.bench.sandbox_process PORT

Telegram is another machine: running the stand-in in a process of its own keeps its work off the bot's
event loop, as it would be in production.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.sandbox import FloodLimits, Sandbox  # noqa: E402


async def main(port: int) -> None:
    async with Sandbox(port=port, limits=FloodLimits(enabled=False)):
        print("ready", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
