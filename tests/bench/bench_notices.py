"""Benchmark of a notice to 1,000 groups, confirmed privately by staff and delivered within Telegram's limits.

Run from the repository root:  .venv/bin/python -m tests.bench.bench_notices  [--framework ptb|aiogram|both]
With LINLI_BENCH_DATABASE_URL set (PostgreSQL) every leg runs there too, in a database of its own on that
server (`--pg-database`, default `linli_bench_notices`, created when missing, its schema dropped and made
again before each run; the database the URL names is never written).

The sandbox runs in a process of its own with Telegram's flood limits ON (tests/bench/notices_sandbox.py:
≤ 30 messages a second overall, ≤ 20 a minute to a group, about one a second to a person); the bot runs
here as it ships (its own flood limits, 4 workers, the clock every 10 s) on a fresh database. 1,000
groups are bound to a building each (seeded in the database, as /bind would leave them); staff send
`/notice 全部 | …` privately and press 确认发送 on the preview.

Printed: the total time from the press to the last copy arriving, the 429 answers the sandbox gave, and the
edits of the sender's progress message (how many, and the most in any one second).
Targets:
- total within 5% of 1000/30 s (33.3 s ± 1.7 s): faster would mean Telegram's overall limit was broken,
  slower that capacity was wasted;
- no 429 at all;
- progress edits no faster than Telegram allows in one chat: at most one in any second;
- correctness: every group exactly one copy, and the progress message ends as the summary.
A second leg does the same with LINLI_PAID_BROADCAST on (copies sent with allow_paid_broadcast, which
the stand-in lets through at up to 1,000 a second overall): its time is printed with no target (one
sender sends one call at a time, so its round trip bounds it), and it too must meet no 429, send every
copy once and end in the summary.
Exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pydantic import SecretStr  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from handlers.notices import texts  # noqa: E402
from storage.db import make_engine, migrate, session_scope, utcnow  # noqa: E402
from storage.models import Role, User  # noqa: E402
from storage.people import bind_chat, get_or_create_building, upsert_chat  # noqa: E402
from tests.bench import bench_polls  # noqa: E402
from tests.bench.bench_polls import PollsSandbox  # noqa: E402

TOKEN = "123456:BENCH-NOTICES"
STAFF_CHAT = -1001000000001
STAFF_ID = 600
STAFF_NAME = "李主任"
FIRST_GROUP = -1008000000000
GROUPS = 1_000
TEXT = "本周六上午9点到11点小区停水检修，请提前储水。"
OVERALL_PER_SECOND = 30  # Telegram's overall limit, as the sandbox enforces it
EXPECTED = GROUPS / OVERALL_PER_SECOND  # seconds: the limit used to the full
TOLERANCE = 0.05
EDITS_PER_SECOND = 1  # one chat: about one message a second, edits of the progress message included
DELIVERY_TIMEOUT = 120.0
SUMMARY_TIMEOUT = 30.0  # the clock job writes the summary within its 10 s after the last copy


class NoticesSandbox(PollsSandbox):
    """The stand-in's process with Telegram's limits on, its compact call log and quiet groups."""

    module = "tests.bench.notices_sandbox"

    async def say(self, chat_id: int, user_id: int, text_: str) -> dict[str, Any]:
        body = {"chat_id": chat_id, "user_id": user_id, "first_name": STAFF_NAME, "text": text_}
        result: dict[str, Any] = await self._post("/sandbox/message", body)
        return result

    async def add_groups(self, first: int, n: int) -> None:
        await self._post("/sandbox/groups", {"first": first, "n": n, "title": "{n}号楼业主群"})


@dataclass
class Result:
    framework: str
    database: str
    paid: bool
    seconds: float  # the press of 确认发送 to the last copy arriving
    first_copy: float  # the press to the first copy
    throttled: int  # 429 answers
    edits: list[float] = field(default_factory=list)  # when each edit of the progress message arrived
    problems: list[str] = field(default_factory=list)

    @property
    def peak_edits(self) -> int:
        """The most edits of the progress message within any one second."""
        return max((sum(1 for u in self.edits if t <= u < t + 1.0) for t in self.edits), default=0)

    @property
    def on_time(self) -> bool:
        if self.paid:  # no time target: Telegram's 1,000 a second is far above what one sender reaches
            return True
        return abs(self.seconds - EXPECTED) <= EXPECTED * TOLERANCE

    @property
    def ok(self) -> bool:
        return (
            self.on_time and not self.throttled and self.peak_edits <= EDITS_PER_SECOND and not self.problems
        )


def seed(url: str) -> None:
    """The staff member and 1,000 groups, each bound to a building of its own."""
    engine = make_engine(url)
    migrate(engine)
    now = utcnow() - timedelta(days=1)
    with session_scope(engine) as session:
        session.add(User(id=STAFF_ID, first_name=STAFF_NAME, role=Role.STAFF, created_at=now))
        for g in range(GROUPS):
            chat = upsert_chat(
                session=session,
                chat_id=FIRST_GROUP - g,
                type="supergroup",
                title=f"{g + 1}号楼业主群",
                now=now,
            )
            building = get_or_create_building(session=session, name=f"{g + 1}号楼", now=now)
            bind_chat(session=session, chat=chat, building=building)
    engine.dispose()


def runtime(framework: str, url: str, sandbox: NoticesSandbox, *, paid: bool) -> Runtime:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=SecretStr(TOKEN),
        framework=framework,  # type: ignore[arg-type]
        api_url=sandbox.url,
        database_url=url,
        staff_chat_id=STAFF_CHAT,
        weekly_report="off",
        paid_broadcast=paid,
    )
    # As it ships (Telegram's limits, 4 workers, the clock every 10 s); a short long poll for a quick stop.
    return Runtime(settings, poll_timeout=1)


async def wait_call(
    sandbox: NoticesSandbox, since: int, what: str, match: Any, timeout: float
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await sandbox.refresh()
        for call in sandbox.calls[since:]:
            if match(call):
                return call
        await asyncio.sleep(0.05)
    raise RuntimeError(f"{what}: not within {timeout:.0f} s")


async def confirm(sandbox: NoticesSandbox) -> tuple[float, int, int]:
    """Staff send the notice and press 确认发送; returns when the sandbox took the press, the index of the
    calls from then on, and the preview's (then the progress message's) id."""
    await sandbox.refresh()
    mark = len(sandbox.calls)
    await sandbox.say(STAFF_ID, STAFF_ID, f"/notice 全部 | {TEXT}")
    preview = await wait_call(
        sandbox,
        mark,
        "the preview",
        lambda c: c["method"] == "sendMessage" and c["ok"] and c.get("chat_id") == STAFF_ID,
        timeout=30,
    )
    message_id = int(preview["result_message_id"])
    [shown] = [m for m in await sandbox.messages(STAFF_ID) if m["message_id"] == message_id]
    keys = [key for row in shown["reply_markup"]["inline_keyboard"] for key in row]
    data = next(str(k["callback_data"]) for k in keys if k["text"] == texts.BTN_CONFIRM)
    await sandbox.refresh()
    mark = len(sandbox.calls)
    body = {"chat_id": STAFF_ID, "user_id": STAFF_ID, "message_id": message_id, "data": data}
    [pressed] = await sandbox.press_many([body])
    return float(pressed["at"]), mark, message_id


async def measure(framework: str, database: str, postgres_url: str | None, *, paid: bool) -> Result:
    with tempfile.TemporaryDirectory(prefix="linli-bench-notices-") as folder:
        url = await asyncio.to_thread(bench_polls.fresh_database, database, postgres_url, Path(folder))
        await asyncio.to_thread(seed, url)
        async with NoticesSandbox() as sandbox:
            await sandbox.add_groups(FIRST_GROUP, GROUPS)
            await sandbox.say(STAFF_CHAT, STAFF_ID, "staff here")  # the staff group exists in the stand-in
            bot = runtime(framework, url, sandbox, paid=paid)
            await bot.start()
            try:
                await asyncio.sleep(1.0)  # started: the bot's own start-up calls are out of the way
                return await deliver(framework, database, paid, sandbox)
            finally:
                await bot.stop()
                bot.engine.dispose()


def is_copy(call: dict[str, Any]) -> bool:
    chat = call.get("chat_id")
    return call["method"] == "sendMessage" and isinstance(chat, int) and chat <= FIRST_GROUP


async def deliver(framework: str, database: str, paid: bool, sandbox: NoticesSandbox) -> Result:
    pressed_at, mark, progress = await confirm(sandbox)
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    delivered: dict[int, int] = {}
    while time.monotonic() < deadline:
        await sandbox.refresh()
        delivered = {}
        for call in sandbox.calls[mark:]:
            if is_copy(call) and call["ok"]:
                delivered[call["chat_id"]] = delivered.get(call["chat_id"], 0) + 1
        if len(delivered) >= GROUPS:
            break
        await asyncio.sleep(0.2)
    problems = []
    if len(delivered) < GROUPS:
        problems.append(
            f"only {len(delivered)} of {GROUPS} groups got the notice in {DELIVERY_TIMEOUT:.0f} s"
        )
    summary = texts.SUMMARY.format(number=1, sent=GROUPS, total=GROUPS, failed=0)
    try:
        await wait_call(
            sandbox,
            mark,
            "the summary",
            lambda c: (
                c["method"] == "editMessageText"
                and c.get("chat_id") == STAFF_ID
                and str(c.get("text", "")).startswith(summary)
            ),
            timeout=SUMMARY_TIMEOUT,
        )
    except RuntimeError as exc:
        problems.append(str(exc))
    await asyncio.sleep(1.5)  # anything still on its way after the summary
    await sandbox.refresh()
    calls = sandbox.calls[mark:]
    copies = [float(c["time"]) for c in calls if is_copy(c) and c["ok"]]
    if doubled := sum(1 for n in delivered.values() if n > 1):
        problems.append(f"{doubled} groups got the notice more than once")
    edits = [
        float(c["time"])
        for c in calls
        if c["method"] == "editMessageText"
        and c.get("chat_id") == STAFF_ID
        and c.get("message_id") == progress
    ]
    if paid and (free := sum(1 for c in calls if is_copy(c) and c.get("allow_paid_broadcast") is None)):
        problems.append(f"{free} copies went without allow_paid_broadcast")
    return Result(
        framework,
        database,
        paid,
        seconds=max(copies, default=pressed_at) - pressed_at,
        first_copy=min(copies, default=pressed_at) - pressed_at,
        throttled=sum(1 for c in calls if c.get("error_code") == 429),
        edits=edits,
        problems=problems,
    )


def show(row: Result) -> None:
    verdict = "PASS" if row.ok else "MISS"
    low, high = EXPECTED * (1 - TOLERANCE), EXPECTED * (1 + TOLERANCE)
    target = "-" if row.paid else f"{low:.1f}–{high:.1f}"
    gaps = [b - a for a, b in zip(row.edits, row.edits[1:], strict=False)]
    print(
        f"{row.framework:10}{row.database:12}{'paid' if row.paid else 'free':6}{GROUPS:>7}{row.seconds:>9.2f}"
        f"{target:>12}{row.first_copy:>8.2f}"
        f"{row.throttled:>6}{len(row.edits):>7}{row.peak_edits:>8}{min(gaps, default=float('nan')):>9.2f}"
        f"  {verdict}",
        flush=True,
    )
    for problem in row.problems:
        print(f"    problem: {problem}", flush=True)


async def main_async(args: argparse.Namespace) -> int:
    logging.getLogger("bot.intake.workers").setLevel(logging.ERROR)
    frameworks = ["ptb", "aiogram"] if args.framework == "both" else [args.framework]
    print(
        f"{'framework':10}{'database':12}{'send':6}{'groups':>7}{'total s':>9}{'target s':>12}{'first s':>8}"
        f"{'429s':>6}{'edits':>7}"
        f"{'edits/s':>8}{'min gap':>9}  verdict"
    )
    rows = []
    postgres_url = os.environ.get("LINLI_BENCH_DATABASE_URL")
    databases = ["sqlite"] + (["postgresql"] if postgres_url else [])
    bench_polls.PG_DATABASE = args.pg_database  # fresh_database's own database on that server
    for database in databases:
        for framework in frameworks:
            for paid in (False, True):
                row = await measure(framework, database, postgres_url, paid=paid)
                rows.append(row)
                show(row)
    return 0 if all(row.ok for row in rows) else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--framework", choices=["ptb", "aiogram", "both"], default="both")
    parser.add_argument("--pg-database", default="linli_bench_notices")
    sys.exit(asyncio.run(main_async(parser.parse_args())))


if __name__ == "__main__":
    main()
