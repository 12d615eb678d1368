"""Real `linli run` processes against the sandbox: killed, stopped, and two sharing one database."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.sandbox import Sandbox
from storage.db import session_scope
from storage.inbox import counts
from tests.e2e.intake_support import (
    acknowledgements,
    bot_env,
    bound_groups,
    residents,
    send_reports,
    start_bot,
    tickets_by_message,
)

FRAMEWORKS = ["ptb", "aiogram"]


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_killed_with_200_reports_in_flight_every_one_is_acknowledged(
    framework: str, db_url: str, engine: Engine, tmp_path: Path
) -> None:
    async with Sandbox() as sandbox:
        groups = bound_groups(sandbox, engine, 20)
        sent = send_reports(sandbox, groups, residents(sandbox, 40), per_group=10)
        name, handler = sandbox._api["sendmessage"]
        acks = 0
        bot: asyncio.subprocess.Process | None = None

        def send_then_kill(params: dict[str, Any]) -> Any:
            # Only Telegram's side is wrapped, to die at the worst moment: just after an answer went out.
            nonlocal acks
            result = handler(params)
            if "已收到" in str(params.get("text")) and params.get("chat_id") in groups:
                acks += 1
                if acks == 15 and bot is not None:
                    os.kill(bot.pid, signal.SIGKILL)
            return result

        sandbox._api["sendmessage"] = (name, send_then_kill)
        env, log = bot_env(sandbox, db_url, framework), tmp_path / "bot.log"
        bot = await start_bot(env, tmp_path, log)
        assert await asyncio.wait_for(bot.wait(), timeout=60) == -signal.SIGKILL, tail(log)
        assert sandbox.pending_updates == 0  # Telegram had handed over every report before the kill
        acknowledged_before = sum(n > 0 for n in acknowledgements(sandbox, engine, sent).values())
        assert acknowledged_before < len(sent)

        sandbox._api["sendmessage"] = (name, handler)
        bot = await start_bot(env, tmp_path, log)
        try:
            await sandbox.wait_for(
                lambda: all(acknowledgements(sandbox, engine, sent).values()),
                timeout=90,
                what="every report acknowledged after the restart",
            )
            await sandbox.settle(quiet=1.0, timeout=30)
        finally:
            bot.send_signal(signal.SIGTERM)
            await asyncio.wait_for(bot.wait(), timeout=20)

    acked = acknowledgements(sandbox, engine, sent)
    twice = [report for report, n in acked.items() if n > 1]
    assert len(tickets_by_message(engine)) == len(sent)  # each report filed exactly once
    assert max(acked.values()) <= 2 and len(twice) <= 8, twice  # only what was in flight is repeated
    with session_scope(engine) as session:
        assert counts(session=session).get("pending", 0) == 0


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_sigterm_finishes_what_is_in_flight_and_exits_0_within_10_s(
    framework: str, db_url: str, engine: Engine, tmp_path: Path
) -> None:
    async with Sandbox() as sandbox:
        groups = bound_groups(sandbox, engine, 10)
        sent = send_reports(sandbox, groups, residents(sandbox, 20), per_group=6)
        name, handler = sandbox._api["sendmessage"]
        acks = 0
        bot: asyncio.subprocess.Process | None = None
        stopped_at = 0.0

        def send_then_stop(params: dict[str, Any]) -> Any:
            nonlocal acks, stopped_at
            result = handler(params)
            if "已收到" in str(params.get("text")) and params.get("chat_id") in groups:
                acks += 1
                if acks == 10 and bot is not None:
                    stopped_at = time.monotonic()
                    bot.send_signal(signal.SIGTERM)
            return result

        sandbox._api["sendmessage"] = (name, send_then_stop)
        env, log = bot_env(sandbox, db_url, framework), tmp_path / "bot.log"
        bot = await start_bot(env, tmp_path, log)
        assert await asyncio.wait_for(bot.wait(), timeout=60) == 0, tail(log)
        assert time.monotonic() - stopped_at < 10
        assert "Traceback" not in log.read_text(errors="replace"), tail(log)

        sandbox._api["sendmessage"] = (name, handler)
        bot = await start_bot(env, tmp_path, log)
        try:
            await sandbox.wait_for(
                lambda: all(acknowledgements(sandbox, engine, sent).values()),
                timeout=60,
                what="every report acknowledged after the restart",
            )
            await sandbox.settle(quiet=1.0, timeout=30)
        finally:
            bot.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(bot.wait(), timeout=20) == 0

    acked = acknowledgements(sandbox, engine, sent)
    assert Counter(acked.values()) == Counter({1: len(sent)})  # nothing lost, nothing twice
