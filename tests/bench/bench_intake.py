"""Benchmark of the whole intake: reports in, 已收到 out, end to end through a real framework and database.

Run from the repository root:  .venv/bin/python -m tests.bench.bench_intake  [--framework ptb|aiogram|both]
    [--database sqlite|postgresql|both] [--postgres-url postgresql://postgres@127.0.0.1:5432/test]

The sandbox runs in a process of its own with flood limits off (Telegram is another machine); the bot
runs here with its own limits off too: runtime, workers, inbox, core, classifier, outbox, adapter.
- throughput: 1,000 reports in 50 bound groups are waiting when the bot starts polling; updates/s is
  1,000 over the time from its first getUpdates to the last 已收到.
- latency: reports arrive at a steady 50/s for 10 s; latency is from a report's arrival at the sandbox
  to its 已收到 being sent; p50 and p99.
Targets: ≥ 500 updates/s on SQLite and ≥ 300 on PostgreSQL, p99 ≤ 200 ms at 50/s. A PostgreSQL database
given here is emptied first (every Linli table truncated): use a scratch one. Exits non-zero when a
target is missed, or the PostgreSQL leg cannot run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from pydantic import SecretStr  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.flood import Limits  # noqa: E402
from bot.playground import free_port  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from storage.db import make_engine, migrate, session_scope, utcnow  # noqa: E402
from storage.people import bind_chat, get_or_create_building, upsert_chat  # noqa: E402
from tests.e2e.intake_support import PROBLEMS  # noqa: E402

TOKEN = "123456:BENCH-INTAKE"
STAFF_CHAT = -1001000000001
FIRST_GROUP = -1005000000000
FIRST_USER = 600_000
TARGET_RATE = {"sqlite": 500.0, "postgresql": 300.0}
TARGET_P99 = 0.200
NO_LIMITS = Limits(per_private_chat=0.0, per_group=1 << 30, group_window=60.0, overall=1 << 30)


@dataclass(frozen=True)
class Row:
    framework: str
    database: str
    rate: float
    p50: float
    p99: float
    missing: int

    @property
    def ok(self) -> bool:
        return self.missing == 0 and self.rate >= TARGET_RATE[self.database] and self.p99 <= TARGET_P99


class RemoteSandbox:
    """The sandbox process, driven over its control API."""

    module = "tests.bench.sandbox_process"  # the process to run: the stand-in without flood limits

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[str] | None = None
        self.http: aiohttp.ClientSession | None = None
        self.seen = 0

    async def __aenter__(self) -> RemoteSandbox:
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module, str(self.port)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        await asyncio.to_thread(self.process.stdout.readline)  # "ready"
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=8))
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self.http is not None:
            await self.http.close()
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    async def say(self, chat_id: int, user_id: int, text: str) -> dict[str, Any]:
        assert self.http is not None
        body = {"chat_id": chat_id, "user_id": user_id, "text": text, "title": f"群{chat_id}"}
        async with self.http.post(f"{self.url}/sandbox/message", json=body) as response:
            answer = await response.json()
        assert answer["ok"], answer
        return answer["result"]

    async def open_staff_chat(self) -> None:
        """The staff group exists in the stand-in, so the cards are delivered as they would be."""
        await self.say(STAFF_CHAT, FIRST_USER - 1, "staff here")

    async def new_calls(self) -> list[dict[str, Any]]:
        assert self.http is not None
        async with self.http.get(f"{self.url}/sandbox/calls", params={"since": self.seen}) as response:
            calls = (await response.json())["result"]
        self.seen += len(calls)
        return calls


def fresh_database(database: str, postgres_url: str, path: Path) -> str:
    """A new SQLite file at `path`, or the PostgreSQL database emptied."""
    if database == "sqlite":
        return f"sqlite:///{path}"
    engine = make_engine(postgres_url)
    migrate(engine)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return postgres_url


def bind_groups(url: str, groups: int) -> None:
    engine = make_engine(url)
    migrate(engine)
    now = utcnow()
    with session_scope(engine) as session:
        for g in range(groups):
            chat = upsert_chat(
                session=session, chat_id=FIRST_GROUP - g, type="supergroup", title="g", now=now
            )
            building = get_or_create_building(session=session, name=f"{g + 1}号楼", now=now)
            bind_chat(session=session, chat=chat, building=building)
    engine.dispose()


def runtime(framework: str, url: str, sandbox: RemoteSandbox) -> Runtime:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=SecretStr(TOKEN),
        framework=framework,  # type: ignore[arg-type]
        api_url=sandbox.url,
        database_url=url,
        staff_chat_id=STAFF_CHAT,
        weekly_report="off",
    )
    return Runtime(settings, limits=NO_LIMITS, poll_timeout=1, tick_interval=60.0)


def receipts(calls: list[dict[str, Any]]) -> dict[tuple[int, int], float]:
    """(group, report message id) -> when its answer was sent, for the answers to reports."""
    out = {}
    for call in calls:
        params = call["params"]
        chat = params.get("chat_id")
        if call["method"] == "sendMessage" and call["ok"] and isinstance(chat, int) and chat <= FIRST_GROUP:
            replied = (params.get("reply_parameters") or {}).get("message_id") or params.get(
                "reply_to_message_id"
            )
            if replied is not None:
                out[(chat, int(replied))] = float(call["time"])
    return out


async def throughput(framework: str, url: str, groups: int, per_group: int) -> tuple[float, int]:
    async with RemoteSandbox() as sandbox:
        bind_groups(url, groups)
        await sandbox.open_staff_chat()
        sent = []
        for r in range(per_group):
            for g in range(groups):
                who = FIRST_USER + g * per_group + r
                message = await sandbox.say(FIRST_GROUP - g, who, f"报事 {PROBLEMS[r % len(PROBLEMS)]} {r}")
                sent.append((FIRST_GROUP - g, int(message["message_id"])))
        await sandbox.new_calls()
        bot = runtime(framework, url, sandbox)
        await bot.start()
        answered: dict[tuple[int, int], float] = {}
        first_poll = None
        deadline = time.monotonic() + 120
        try:
            while len(answered) < len(sent) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
                calls = await sandbox.new_calls()
                if first_poll is None:
                    polls = [c["time"] for c in calls if c["method"] == "getUpdates"]
                    first_poll = min(polls) if polls else None
                answered |= receipts(calls)
        finally:
            await bot.stop()
            bot.engine.dispose()
        missing = len(set(sent) - answered.keys())
        if not answered or first_poll is None:
            return 0.0, missing
        return len(answered) / (max(answered.values()) - first_poll), missing


async def latency(
    framework: str, url: str, groups: int, rate: float, seconds: float
) -> tuple[list[float], int]:
    async with RemoteSandbox() as sandbox:
        bind_groups(url, groups)
        await sandbox.open_staff_chat()
        bot = runtime(framework, url, sandbox)
        await bot.start()
        sent: dict[tuple[int, int], float] = {}
        answered: dict[tuple[int, int], float] = {}
        try:
            await asyncio.sleep(1.0)  # polling under way
            await sandbox.new_calls()
            start = time.monotonic()
            n = int(rate * seconds)
            for i in range(n):
                await asyncio.sleep(max(start + i / rate - time.monotonic(), 0))
                g = i % groups
                at = time.monotonic()
                message = await sandbox.say(
                    FIRST_GROUP - g, FIRST_USER + i, f"报事 {PROBLEMS[i % len(PROBLEMS)]} {i}"
                )
                sent[(FIRST_GROUP - g, int(message["message_id"]))] = at
                if i % 10 == 0:
                    answered |= receipts(await sandbox.new_calls())
            deadline = time.monotonic() + 30
            while len(answered.keys() & sent.keys()) < len(sent) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
                answered |= receipts(await sandbox.new_calls())
        finally:
            await bot.stop()
            bot.engine.dispose()
        delays = [answered[key] - at for key, at in sent.items() if key in answered]
        return delays, len(sent) - len(delays)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("inf")
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


async def measure(framework: str, database: str, postgres_url: str) -> Row:
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as folder:
        url = fresh_database(database, postgres_url, Path(folder) / "throughput.db")
        rate, missing = await throughput(framework, url, groups=50, per_group=20)
        url = fresh_database(database, postgres_url, Path(folder) / "latency.db")
        delays, late = await latency(framework, url, groups=50, rate=50.0, seconds=10.0)
    p50 = statistics.median(delays) if delays else float("inf")
    return Row(framework, database, rate, p50, percentile(delays, 0.99), missing + late)


def postgres_reachable(url: str) -> bool:
    with contextlib.suppress(Exception):
        engine = make_engine(url)
        with engine.connect():
            pass
        engine.dispose()
        return True
    return False


async def main_async(args: argparse.Namespace) -> int:
    frameworks = ["ptb", "aiogram"] if args.framework == "both" else [args.framework]
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    if "postgresql" in databases and not postgres_reachable(args.postgres_url):
        print(f"PostgreSQL at {args.postgres_url} is not reachable: its targets cannot be checked (MISS)")
        databases.remove("postgresql")
        failed = True
    else:
        failed = False
    rows = []
    print(
        f"{'framework':10}{'database':12}{'updates/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'missing':>9}  verdict"
    )
    for database in databases:
        for framework in frameworks:
            row = await measure(framework, database, args.postgres_url)
            rows.append(row)
            verdict = "PASS" if row.ok else "MISS"
            figures = f"{row.rate:>10.0f}{row.p50 * 1000:>9.1f}{row.p99 * 1000:>9.1f}"
            print(
                f"{row.framework:10}{row.database:12}{figures}{row.missing:>9}  {verdict}",
                flush=True,
            )
    sqlite_rate, postgres_rate = TARGET_RATE["sqlite"], TARGET_RATE["postgresql"]
    print(
        f"targets: ≥ {sqlite_rate:.0f}/s SQLite, ≥ {postgres_rate:.0f}/s PostgreSQL, "
        f"p99 ≤ {TARGET_P99 * 1000:.0f} ms at 50 updates/s; nothing missing"
    )
    return 1 if failed or not all(row.ok for row in rows) else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--framework", choices=["ptb", "aiogram", "both"], default="both")
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    sys.exit(asyncio.run(main_async(parser.parse_args())))


if __name__ == "__main__":
    main()
