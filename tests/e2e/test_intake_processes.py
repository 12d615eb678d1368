"""Real `linli run` processes against the sandbox: killed, stopped, and two sharing one database."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import Engine
from sqlmodel import select

from bot.playground import free_port
from bot.sandbox import Sandbox
from storage.db import session_scope, utcnow
from storage.inbox import counts
from storage.leases import all_leases
from storage.models import OutboxMessage, OutboxStatus
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


# --- two processes on one database


def lease_holders(engine: Engine) -> dict[str, str]:
    with session_scope(engine) as session:
        return {lease.name: lease.holder for lease in all_leases(session=session) if lease.until > utcnow()}


def pending_answers(engine: Engine, chats: list[int]) -> int:
    """Rows still pending for these chats (the staff chat's cards wait out its flood limit: not counted)."""
    pending = (OutboxMessage.status == OutboxStatus.PENDING) & OutboxMessage.chat_id.in_(chats)  # type: ignore[attr-defined]
    with session_scope(engine) as session:
        return len(session.exec(select(OutboxMessage.id).where(pending)).all())


def pid_of(holder: str) -> int:
    return int(holder.rsplit(":", 1)[1])


def in_order_per_chat(engine: Engine) -> bool:
    """Within each group, tickets were filed in the order their reports were written."""
    by_chat: dict[int, list[tuple[int, int]]] = {}
    for (chat, message_id), ticket in tickets_by_message(engine).items():
        by_chat.setdefault(chat, []).append((message_id, ticket.id or 0))
    return all([t for _, t in sorted(pairs)] == sorted(t for _, t in pairs) for pairs in by_chat.values())


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_two_polling_processes_one_polls_and_the_other_takes_over_when_it_dies(
    framework: str, db_url: str, engine: Engine, tmp_path: Path
) -> None:
    async with Sandbox() as sandbox:
        groups = bound_groups(sandbox, engine, 10)
        people = residents(sandbox, 40)
        env = bot_env(sandbox, db_url, framework)
        bots = [await start_bot(env, tmp_path, tmp_path / f"bot{i}.log") for i in range(2)]
        try:
            await sandbox.wait_for(
                lambda: {"poller", "sender"} <= lease_holders(engine).keys(), timeout=30, what="leases taken"
            )
            first = send_reports(sandbox, groups, people, per_group=4)
            await sandbox.wait_for(
                lambda: all(acknowledgements(sandbox, engine, first).values()),
                timeout=30,
                what="first reports",
            )
            # Delivered answers are marked sent a moment after they go out; a kill inside that moment sends
            # them again, which the kill test above allows. This test is about the takeover: kill once they
            # are marked, so every answer here counts once.
            await sandbox.wait_for(
                lambda: not pending_answers(engine, groups), timeout=30, what="answers marked sent"
            )
            poller = pid_of(lease_holders(engine)["poller"])
            assert poller in {bot.pid for bot in bots}
            os.kill(poller, signal.SIGKILL)
            killed_at = time.monotonic()
            later = send_reports(sandbox, groups, people, per_group=2)
            await sandbox.wait_for(
                lambda: all(acknowledgements(sandbox, engine, later).values()),
                timeout=40,
                what="reports after the poller died",
            )
            assert time.monotonic() - killed_at < 30
            assert pid_of(lease_holders(engine)["poller"]) != poller
            await sandbox.settle(quiet=1.0, timeout=30)
        finally:
            for bot in bots:
                if bot.returncode is None:
                    bot.send_signal(signal.SIGTERM)
            for bot in bots:
                await asyncio.wait_for(bot.wait(), timeout=20)

    acked = acknowledgements(sandbox, engine, first + later)
    assert set(acked.values()) == {1}  # each report answered once, by one of them
    assert len(tickets_by_message(engine)) == len(first + later)
    assert in_order_per_chat(engine)
    conflicts = [c for c in sandbox.calls_of("getUpdates", ok=False) if c.error_code == 409]
    assert len(conflicts) <= 2, conflicts  # the dead poller's last call, at most: no storm
    limited = [c for c in sandbox.calls if c.error_code == 429]
    assert not limited  # one sender at a time, within limits


class RoundRobin:
    """A load balancer in front of two webhook processes: each POST goes to the next one."""

    def __init__(self, targets: list[str]) -> None:
        self.targets = targets
        self.turn = 0
        self.port = free_port()
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> RoundRobin:
        app = web.Application()
        app.router.add_post("/telegram/webhook", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self._http = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._runner is not None and self._http is not None
        await self._http.close()
        await self._runner.cleanup()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._http is not None
        target = self.targets[self.turn % len(self.targets)]
        self.turn += 1
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-telegram")}
        try:
            async with self._http.post(target, data=await request.read(), headers=headers) as answer:
                return web.Response(status=answer.status, body=await answer.read())
        except aiohttp.ClientError:
            return web.Response(status=502)


@pytest.mark.parametrize("framework", FRAMEWORKS)
async def test_two_webhook_processes_behind_a_load_balancer_handle_each_update_once_in_order(
    framework: str, db_url: str, engine: Engine, tmp_path: Path
) -> None:
    ports = [free_port(), free_port()]
    async with (
        Sandbox() as sandbox,
        RoundRobin([f"http://127.0.0.1:{p}/telegram/webhook" for p in ports]) as lb,
    ):
        groups = bound_groups(sandbox, engine, 6)
        people = residents(sandbox, 30)
        bots = []
        for i, port in enumerate(ports):
            env = bot_env(
                sandbox,
                db_url,
                framework,
                LINLI_WEBHOOK_URL=f"http://127.0.0.1:{lb.port}/telegram/webhook",
                LINLI_WEBHOOK_SECRET="lb-secret",
                LINLI_WEBHOOK_LISTEN=f"127.0.0.1:{port}",
            )
            bots.append(await start_bot(env, tmp_path, tmp_path / f"bot{i}.log"))
        try:
            await sandbox.wait_for(lambda: bool(sandbox.webhook_url), timeout=30, what="webhook set")
            await asyncio.sleep(1.0)  # both listening
            first = send_reports(sandbox, groups, people, per_group=5)
            await sandbox.wait_for(
                lambda: all(acknowledgements(sandbox, engine, first).values()),
                timeout=40,
                what="first reports",
            )
            # As in the polling test: kill once the answers are marked sent, so each counts once.
            await sandbox.wait_for(
                lambda: not pending_answers(engine, groups), timeout=30, what="answers marked sent"
            )
            bots[0].kill()  # one instance dies; the balancer's 502s make Telegram deliver again
            later = send_reports(sandbox, groups, people, per_group=2)
            await sandbox.wait_for(
                lambda: all(acknowledgements(sandbox, engine, later).values()),
                timeout=40,
                what="reports after one instance died",
            )
            await sandbox.settle(quiet=1.0, timeout=30)
        finally:
            for bot in bots:
                if bot.returncode is None:
                    bot.send_signal(signal.SIGTERM)
            for bot in bots:
                await asyncio.wait_for(bot.wait(), timeout=20)

    acked = acknowledgements(sandbox, engine, first + later)
    assert set(acked.values()) == {1}
    assert len(tickets_by_message(engine)) == len(first + later)
    assert in_order_per_chat(engine)
    assert not sandbox.calls_of("getUpdates")
    assert not [c for c in sandbox.calls if c.error_code == 429]
