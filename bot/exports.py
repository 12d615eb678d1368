"""The export thread: /export files built as soon as they are asked for, off the database thread.

The runtime does all its database work on one thread (runtime.py); a 50,000-row spreadsheet takes seconds
to write, and built there it would hold up every update meanwhile. Here it is built on a thread of its own,
from a read-only snapshot, and only the short claim and delivery transactions take the write lock
(handlers.numbers.commands.build_exports). The clock's tick does the same as a fallback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from handlers.core import Core
from handlers.numbers.commands import build_exports

log = logging.getLogger(__name__)

POLL = 0.5  # seconds between looks for a queued export (a read that takes no lock)


async def build_exports_forever(core: Core, stop: asyncio.Event, *, delivered: Callable[[], None]) -> None:
    loop = asyncio.get_running_loop()
    thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="linli-export")
    try:
        while not stop.is_set():
            try:
                done = await loop.run_in_executor(thread, build_exports, core.engine, core.config, core.clock)
            except Exception:  # the claim lapses and the next round, or another process, builds it
                log.exception("building an export failed")
                done = 0
            if done:
                delivered()
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=POLL)
    finally:
        # Stopping does not wait for a file being built: its claim lapses and it is built again.
        thread.shutdown(wait=False, cancel_futures=True)
