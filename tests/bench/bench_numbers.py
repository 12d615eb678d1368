"""Benchmark of the staff numbers at 100,000 tickets: /stats 30d, every /tickets filter, /export 30d.

Run from the repository root:  .venv/bin/python -m tests.bench.bench_numbers  [--rebuild]
The 100,000-ticket SQLite database (60 days, 20 buildings, every category, ~50,000 tickets in the last 30
days) is built once with bulk inserts and kept under the temp directory, keyed by the schema version; each
run works on a copy of it. With LINLI_BENCH_DATABASE_URL set (PostgreSQL) the same data is loaded there and
the same timings are taken on it too.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from alembic.script import ScriptDirectory  # noqa: E402
from sqlalchemy import Engine, insert, text  # noqa: E402

from handlers.actions import Action, SendMessage  # noqa: E402
from handlers.context import CoreConfig  # noqa: E402
from handlers.core import Core  # noqa: E402
from handlers.events import ChatRef, IncomingMessage, Person  # noqa: E402
from handlers.numbers.commands import build_exports  # noqa: E402
from nlp import load_default_classifier  # noqa: E402
from storage.db import MIGRATIONS_DIR, alembic_config, make_engine, migrate  # noqa: E402
from storage.models import (  # noqa: E402
    Building,
    Chat,
    OutboxMessage,
    Ticket,
    TicketEvent,
    User,
)

TICKETS = 100_000
DAYS = 60
BUILDINGS = 20
RESIDENTS = 3_000
STAFF_IDS = tuple(range(2, 12))  # ten staff; 2 is the one who asks
ADMIN_ID = 1
STAFF_CHAT = ChatRef(-100, "supergroup", "物业工作群")
DATA_VERSION = 1  # bump when the generated data changes
SENT_BY_THE_SENDER = text("UPDATE outbox SET status = 'sent', sent_message_id = 1 WHERE status = 'pending'")
RUNS = 5  # per query; the median is reported
EXPORT_RUNS = 1
# The moment the data ends: a fixed "now", so every run sees the same tickets in the same windows.
NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)

TARGETS_MS = {"stats": 200.0, "tickets": 50.0, "export_xlsx": 15_000.0, "export_csv": 3_000.0}
RESULTS: list[tuple[str, str, float, float, bool]] = []  # database, case, ms, target, ok


def schema_version() -> str:
    """The migration head and a digest of every migration file: a schema change builds a new database."""
    head = ScriptDirectory.from_config(alembic_config(None)).get_current_head()  # type: ignore[arg-type]
    digest = hashlib.sha1()
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    return f"{head}-{digest.hexdigest()[:8]}-d{DATA_VERSION}"


def cache_path() -> Path:
    return Path(tempfile.gettempdir()) / "linli-bench" / f"numbers-{schema_version()}.db"


# ---- the data ----------------------------------------------------------------------------------------


def generate(engine: Engine) -> None:
    """Bulk-insert buildings, users, chats, 100,000 tickets and their steps (Core executemany)."""
    rng = random.Random(20261201)
    categories = [c.id for c in load_default_classifier().taxonomy.categories]
    weights = [30, 15, 6, 12, 10, 8, 4, 4, 4, 3, 10, 4][: len(categories)]
    start = NOW - timedelta(days=DAYS)
    buildings = [{"id": i, "name": f"{i}号楼", "created_at": start} for i in range(1, BUILDINGS + 1)]
    users = [
        {
            "id": ADMIN_ID,
            "first_name": "李主任",
            "username": None,
            "role": "staff",
            "private_chat_open": True,
            "private_notices": False,
            "building_id": None,
            "created_at": start,
        }
    ]
    users += [
        {
            "id": uid,
            "first_name": f"师傅{uid}",
            "username": None,
            "role": "staff",
            "private_chat_open": True,
            "private_notices": False,
            "building_id": None,
            "created_at": start,
        }
        for uid in STAFF_IDS
    ]
    residents = list(range(1000, 1000 + RESIDENTS))
    users += [
        {
            "id": uid,
            "first_name": f"业主{uid}",
            "username": f"u{uid}" if uid % 3 else None,
            "role": "resident",
            "private_chat_open": uid % 2 == 0,
            "private_notices": False,
            "building_id": 1 + uid % BUILDINGS,
            "created_at": start,
        }
        for uid in residents
    ]
    chats = [
        {
            "id": -1000 - b,
            "type": "supergroup",
            "title": f"{b}号楼业主群",
            "building_id": b,
            "active": True,
            "can_delete_messages": False,
            "created_at": start,
        }
        for b in range(1, BUILDINGS + 1)
    ]
    chats.append(
        {
            "id": STAFF_CHAT.id,
            "type": "supergroup",
            "title": STAFF_CHAT.title,
            "building_id": None,
            "active": True,
            "can_delete_messages": False,
            "created_at": start,
        }
    )
    tickets: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    event_ids = itertools.count(1)
    span = (NOW - start).total_seconds()
    for number in range(1, TICKETS + 1):
        # Evenly spread in time (so 30 of 60 days hold half the tickets), oldest first like real ids.
        created = start + timedelta(seconds=span * (number - 0.5) / TICKETS)
        age = NOW - created
        reporter = rng.choice(residents)
        building = 1 + reporter % BUILDINGS if rng.random() > 0.05 else None
        category = rng.choices(categories, weights)[0]
        urgent = rng.random() < 0.03
        staff = rng.choice(STAFF_IDS)
        accept_due = created + timedelta(hours=2 if urgent else 24)
        resolve_due = created + timedelta(hours=24 if urgent else 72)
        # Newer tickets are more often still open; a few old ones are forgotten (overdue).
        roll = rng.random()
        if age < timedelta(days=2):
            status = ("received", "accepted", "in_progress", "resolved")[min(int(roll * 4), 3)]
        elif roll < 0.03:
            status = rng.choice(("received", "accepted", "in_progress"))
        elif roll < 0.08:
            status = "rejected"
        elif roll < 0.10:
            status = "withdrawn"
        elif roll < 0.13:
            status = "merged"
        elif roll < 0.45:
            status = "resolved"
        else:
            status = "rated"
        accepted_at = resolved_at = rated_at = None
        assignee = resolved_by = rating = None
        steps: list[tuple[datetime, int | None, str, str, str | None]] = [
            (created, reporter, "", "received", None)
        ]
        if status in ("accepted", "in_progress", "resolved", "rated"):
            accepted_at = min(created + timedelta(minutes=rng.randint(5, 600)), NOW)
            assignee = staff
            steps.append((accepted_at, staff, "received", "accepted", None))
        if status in ("in_progress", "resolved", "rated"):
            moved = min(accepted_at + timedelta(minutes=rng.randint(5, 300)), NOW)  # type: ignore[operator]
            steps.append((moved, staff, "accepted", "in_progress", None))
        if status in ("resolved", "rated"):
            resolved_at = min(steps[-1][0] + timedelta(minutes=rng.randint(30, 4000)), NOW)
            resolved_by = staff
            steps.append((resolved_at, staff, "in_progress", "resolved", "已处理好"))
        if status == "rated":
            rated_at = min(resolved_at + timedelta(hours=rng.randint(1, 30)), NOW)  # type: ignore[operator]
            rating = rng.choices(("satisfied", "neutral", "unsatisfied"), (80, 12, 8))[0]
            steps.append((rated_at, reporter, "resolved", "rated", None))
        if status in ("rejected", "withdrawn", "merged"):
            actor = reporter if status == "withdrawn" else staff if status == "rejected" else None
            steps.append((created + timedelta(minutes=30), actor, "received", status, None))
        updated = steps[-1][0]
        tickets.append(
            {
                "id": number,
                "building_id": building,
                "reporter_id": reporter,
                "chat_id": -1000 - (building or 1),
                "message_id": number,
                "text": f"{'=' if number % 997 == 0 else ''}报事 {number}：{category} 楼道里的问题需要处理",
                "photo_file_id": None,
                "voice_file_id": None,
                "category": category,
                "status": status,
                "created_at": created,
                "updated_at": updated,
                "resolved_at": resolved_at,
                "resolved_by": resolved_by,
                "resolution_note": "已处理好" if resolved_at else None,
                "card_chat_id": STAFF_CHAT.id,
                "card_message_id": 100_000 + number,
                "sort_state": "auto",
                "confidence": 0.9,
                "matched": [category],
                "urgent": urgent,
                "urgent_words": ["着火"] if urgent else [],
                "location": f"{rng.randint(1, 30)}楼" if rng.random() < 0.5 else None,
                "held_until": None,
                "hold_reason": None,
                "duplicate_of": max(number - 1, 1) if status == "merged" else None,
                "anonymous": rng.random() < 0.05,
                "assignee_id": assignee,
                "accepted_at": accepted_at,
                "rejection_reason": "不属于物业范围" if status == "rejected" else None,
                "after_photo_file_id": None,
                "rating": rating,
                "rating_comment": "太慢了" if rating == "unsatisfied" else None,
                "rated_at": rated_at,
                "accept_due_at": accept_due,
                "resolve_due_at": resolve_due,
                "accept_alerts": 0,
                "resolve_alerts": 0,
            }
        )
        for at, actor, before, after, note in steps:
            events.append(
                {
                    "id": next(event_ids),
                    "ticket_id": number,
                    "at": at,
                    "actor_id": actor,
                    "from_status": before,
                    "to_status": after,
                    "note": note,
                }
            )
    with engine.begin() as conn:
        conn.execute(insert(Building), buildings)
        conn.execute(insert(User), users)
        conn.execute(insert(Chat), chats)
        for table, rows in ((Ticket, tickets), (TicketEvent, events)):
            for i in range(0, len(rows), 10_000):
                conn.execute(insert(table), rows[i : i + 10_000])
    print(f"  built {len(tickets):,} tickets, {len(events):,} steps", flush=True)


def sqlite_database(rebuild: bool) -> Path:
    """The cached 100,000-ticket file, built once per schema version."""
    path = cache_path()
    if rebuild and path.exists():
        path.unlink()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        building = path.with_suffix(".building")
        for stale in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
            stale.unlink(missing_ok=True)
        print(f"building {path} (once per schema version) ...", flush=True)
        started = time.perf_counter()
        engine = make_engine(f"sqlite:///{building}")
        migrate(engine)
        generate(engine)
        raw = engine.raw_connection()  # outside any transaction: the file is whole without its WAL
        raw.driver_connection.execute("ANALYZE")  # type: ignore[union-attr]
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        raw.close()
        engine.dispose()
        building.rename(path)
        print(f"  in {time.perf_counter() - started:.1f} s", flush=True)
    return path


# ---- the timings -------------------------------------------------------------------------------------


class Bench:
    """Drives the real core with staff commands, as the inbox workers would."""

    def __init__(self, engine: Engine) -> None:
        config = CoreConfig(
            admin_ids=frozenset({ADMIN_ID}),
            staff_chat_id=STAFF_CHAT.id,
            bot_username="linli_bot",
            tz=ZoneInfo("Asia/Shanghai"),
            classifier=load_default_classifier(),
            weekly_slot=None,
        )
        self.engine = engine
        self.core = Core(engine=engine, config=config, clock=lambda: NOW)
        self.staff = Person(STAFF_IDS[0], f"师傅{STAFF_IDS[0]}")
        self.ids = itertools.count(10**9)

    def say(self, text_: str) -> list[Action]:
        n = next(self.ids)
        event = IncomingMessage(
            update_id=n, chat=STAFF_CHAT, sender=self.staff, message_id=n, text=text_, photo_file_id=None
        )
        return self.core.handle(event)

    def export(self, text_: str) -> SendMessage:
        """/export: 正在生成… at once (the sender is played here), then the file, built as the runtime's
        export thread builds it (the clock's tick would also run every other job, escalation included)."""
        replies = self.say(text_)
        if replies and isinstance(replies[0], SendMessage) and replies[0].media is not None:
            return replies[0]  # an export built inside the update, as before
        with self.engine.begin() as conn:
            conn.execute(SENT_BY_THE_SENDER)
        assert build_exports(self.engine, self.core.config, self.core.clock) == 1
        with self.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT payload FROM outbox WHERE chat_id = :chat ORDER BY id DESC LIMIT 5"),
                {"chat": STAFF_CHAT.id},
            )
            for (payload,) in rows:
                data = payload if isinstance(payload, dict) else _json(payload)
                if data.get("kind") == "send" and data.get("media"):
                    return SendMessage.model_validate(data)
        raise AssertionError("the export delivered no file")


def _json(raw: str) -> dict[str, object]:
    import json

    return json.loads(raw)


def timed(run: Callable[[], object], runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def record(database: str, case: str, ms: float, target: float) -> None:
    RESULTS.append((database, case, ms, target, ms <= target))


def measure(database: str, engine: Engine, *, skip_xlsx: bool = False) -> None:
    bench = Bench(engine)
    bench.say("/stats 7d")  # warm the caches and the classifier once, as a running bot has them
    ms, replies = timed(lambda: bench.say("/stats 30d"), RUNS)
    assert "30" in replies[0].text, replies  # type: ignore[index]
    record(database, "/stats 30d", ms, TARGETS_MS["stats"])
    for words in ("", "超时", "紧急", "3号楼", "设施报修", "处理中", "已解决", "我的", "3号楼 设施报修 超时"):
        ms, replies = timed(lambda w=words: bench.say(f"/tickets {w}".strip()), RUNS)
        assert replies and replies[0].text, replies  # type: ignore[index]
        record(database, f"/tickets {words}".strip(), ms, TARGETS_MS["tickets"])
    for words, key in (("30d", "export_xlsx"), ("30d csv", "export_csv")):
        if skip_xlsx and key == "export_xlsx":
            continue
        ms, reply = timed(lambda w=words: bench.export(f"/export {w}"), EXPORT_RUNS)
        upload = reply.media.upload  # type: ignore[union-attr]
        size = len(upload.data) / 1e6  # type: ignore[union-attr]
        record(database, f"/export {words} ({size:.1f} MB)", ms, TARGETS_MS[key])
        print(f"  {reply.text}", flush=True)  # type: ignore[union-attr]
        with engine.begin() as conn:  # the next run should not carry a 10 MB outbox row around
            conn.execute(OutboxMessage.__table__.delete())  # type: ignore[attr-defined]


def postgres_leg(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    migrate(engine)
    generate(engine)
    # A database that grew over 60 days has been vacuumed by autovacuum: its visibility map lets the counts
    # read their covering indexes alone. A bulk load just written has none yet (VACUUM runs outside a
    # transaction).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    try:
        measure("postgresql", engine)
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rebuild", action="store_true", help="build the cached SQLite database again")
    parser.add_argument("--skip-xlsx", action="store_true", help="leave out the XLSX export")
    args = parser.parse_args(argv)
    cached = sqlite_database(args.rebuild)
    work = Path(tempfile.mkdtemp(prefix="linli-bench-")) / "numbers.db"
    shutil.copy(cached, work)
    engine = make_engine(f"sqlite:///{work}")
    try:
        measure("sqlite", engine, skip_xlsx=args.skip_xlsx)
    finally:
        engine.dispose()
        shutil.rmtree(work.parent, ignore_errors=True)
    url = os.environ.get("LINLI_BENCH_DATABASE_URL")
    if url:
        postgres_leg(url)
    else:
        print("PostgreSQL: LINLI_BENCH_DATABASE_URL not set, skipped")

    print(f"\n{TICKETS:,} tickets over {DAYS} days; median of {RUNS} runs (exports: {EXPORT_RUNS})")
    print(f"{'database':<11}{'case':<34}{'ms':>10}{'target':>10}  result")
    for database, case, ms, target, ok in RESULTS:
        print(f"{database:<11}{case:<34}{ms:>10.1f}{target:>10.0f}  {'达标 PASS' if ok else '未达标 MISS'}")
    missed = [case for _, case, _, _, ok in RESULTS if not ok]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
