"""Benchmark of the outbox sender: a burst of notifications against Telegram's flood limits.

Run from the repository root:  .venv/bin/python -m tests.bench.bench_outbox  [--framework ptb|aiogram|both]
    [--groups 100] [--per-group 5] [--database-url postgresql://postgres@127.0.0.1:5432/test]

The real bot (runtime, outbox sender, framework adapter, a real database) sends to the sandbox over loopback
HTTP; the sandbox enforces its default limits (30 messages/s overall, 20/min per group, ~1/s per person)
and answers 429 when they are broken. 500 reporters in 100 groups (5 each) are told their tickets are
resolved, all queued in one transaction, as a broadcast would be. Targets: every message arrives exactly
once, no 429, and the last one arrives within 10% of the earliest moment the limits allow. Exits non-zero
when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlmodel import Session, SQLModel, select  # noqa: E402

from bot.playground import Playground  # noqa: E402
from bot.sandbox import FloodLimits  # noqa: E402
from handlers.actions import SendMessage, dump_action  # noqa: E402
from storage.db import make_engine, migrate, session_scope, utcnow  # noqa: E402
from storage.models import OutboxMessage, OutboxStatus  # noqa: E402
from storage.outbox import enqueue  # noqa: E402
from storage.people import upsert_chat, upsert_user  # noqa: E402

MAX_RATIO = 1.10
FIRST_GROUP = -1002000000000
FIRST_REPORTER = 500_000


@dataclass(frozen=True)
class Result:
    framework: str
    messages: int
    bound: float  # earliest the last message can arrive after the first, under the sandbox's limits
    rate_bound: float  # messages / overall rate: the steady-rate figure
    measured: float  # from waking the sender to the last message's arrival
    refused_429: int
    duplicates: int
    missing: int
    unsent_rows: int

    @property
    def ratio(self) -> float:
        return self.measured / self.bound if self.bound else float("inf")

    @property
    def ok(self) -> bool:
        clean = not (self.refused_429 or self.duplicates or self.missing or self.unsent_rows)
        return clean and self.ratio <= MAX_RATIO


def earliest_span(per_chat: Counter[int], limits: FloodLimits) -> float:
    """How long after the first message the last can arrive at best, given the sandbox's limits.

    Limits are sliding windows, so n messages need (ceil(n / limit) - 1) full windows; a person's bucket
    lets `private_burst` messages through at once, then one per 1/private_per_second.
    """
    total = sum(per_chat.values())
    spans = [((total - 1) // limits.global_per_second) * 1.0]
    for chat, count in per_chat.items():
        if chat < 0:
            spans.append(((count - 1) // limits.group_per_window) * limits.group_window)
        else:
            spans.append(max(count - limits.private_burst, 0) / limits.private_per_second)
    return max(spans)


def plan(groups: int, per_group: int, seed: int = 7) -> list[tuple[int, int, str]]:
    """(group, reporter, text) in a realistic mixed order: tickets resolved across all buildings."""
    notices = []
    for g in range(groups):
        for r in range(per_group):
            reporter = FIRST_REPORTER + g * per_group + r
            notices.append(
                (FIRST_GROUP - g, reporter, f"#{reporter - FIRST_REPORTER + 1} 已解决：报事已处理完毕")
            )
    random.Random(seed).shuffle(notices)
    return notices


def reset_postgres(url: str) -> None:
    engine = make_engine(url)
    migrate(engine)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


async def run_one(framework: str, groups: int, per_group: int, database_url: str | None) -> Result:
    if database_url and not database_url.startswith("sqlite"):
        reset_postgres(database_url)
    limits = FloodLimits()
    notices = plan(groups, per_group)
    async with Playground(framework=framework, database_url=database_url, sandbox_limits=limits) as pg:
        assert pg.runtime is not None
        sandbox, engine = pg.sandbox, pg.runtime.engine
        for g in range(groups):
            sandbox.add_group(FIRST_GROUP - g, f"{g + 1}号楼业主群")
        now = utcnow()
        with session_scope(engine) as session:
            for g in range(groups):
                upsert_chat(session=session, chat_id=FIRST_GROUP - g, type="supergroup", title="g", now=now)
            for _, reporter, _ in notices:
                sandbox.add_user(reporter, f"邻居{reporter}")
                upsert_user(session=session, user_id=reporter, first_name="邻居", username=None, now=now)
        await pg.settle()
        mark = len(sandbox.calls)
        with session_scope(engine) as session:
            for group, reporter, body in notices:
                # A reply to the report in its group; the sandbox has no such message, and the adapters
                # send with allow_sending_without_reply, as they would after a report was deleted.
                action = SendMessage(chat_id=group, text=body, reply_to=reporter % 1000 + 1)
                enqueue(session=session, chat_id=group, payload=dump_action(action), now=utcnow())
        started = time.monotonic()
        pg.runtime.sender.wake.set()
        texts = {body for _, _, body in notices}

        def delivered() -> list[object]:
            return sandbox.calls_of("sendMessage", since=mark, ok=True, text=lambda t: t in texts)

        await sandbox.wait_for(lambda: len(delivered()) >= len(notices), timeout=120, interval=0.005)
        finished = max(call.time for call in sandbox.calls_of("sendMessage", since=mark, ok=True))
        await sandbox.settle(quiet=1.0)  # anything sent twice would show up now
        sent = sandbox.calls_of("sendMessage", since=mark, ok=True)
        arrived = Counter(call.params["text"] for call in sent)
        with Session(engine) as session:
            unsent = session.exec(
                select(OutboxMessage).where(OutboxMessage.status != OutboxStatus.SENT)
            ).all()
        per_chat = Counter(group for group, _, _ in notices)
        return Result(
            framework=framework,
            messages=len(notices),
            bound=earliest_span(per_chat, limits),
            rate_bound=len(notices) / limits.global_per_second,
            measured=finished - started,
            refused_429=sum(1 for call in sandbox.calls[mark:] if call.error_code == 429),
            duplicates=sum(n - 1 for n in arrived.values() if n > 1),
            missing=len(texts - arrived.keys()),
            unsent_rows=len(unsent),
        )


def report(result: Result) -> None:
    verdict = "达标 PASS" if result.ok else "未达标 MISS"
    print(
        f"{result.framework:8} {result.messages} messages  "
        f"limits allow {result.bound:.2f} s (steady rate {result.rate_bound:.2f} s)  "
        f"measured {result.measured:.2f} s  ratio {result.ratio:.3f} (≤ {MAX_RATIO})  "
        f"429s {result.refused_429}  duplicates {result.duplicates}  missing {result.missing}  "
        f"rows not sent {result.unsent_rows}  {verdict}",
        flush=True,
    )


async def main_async(args: argparse.Namespace) -> int:
    frameworks = ["ptb", "aiogram"] if args.framework == "both" else [args.framework]
    results = []
    for framework in frameworks:
        clock = time.monotonic()
        result = await run_one(framework, args.groups, args.per_group, args.database_url)
        report(result)
        print(f"         (run took {time.monotonic() - clock:.1f} s)", flush=True)
        results.append(result)
    return 0 if all(r.ok for r in results) else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--framework", choices=["ptb", "aiogram", "both"], default="both")
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--per-group", type=int, default=5)
    parser.add_argument(
        "--database-url",
        help="default: a temporary SQLite file. A PostgreSQL database given here is emptied first "
        "(every Linli table truncated): use a scratch one",
    )
    sys.exit(asyncio.run(main_async(parser.parse_args())))


if __name__ == "__main__":
    main()
