"""Benchmark of the points ledger at 100,000 residents and 5 million entries: the balance /points reads.

Run from the repository root:  .venv/bin/python -m tests.bench.bench_points  [--rebuild] [--full-verify]
The ledger (12 months, 50 buildings, reports, polls, volunteer hours, hand awards, reversals, redemptions)
is generated in chain order with every entry's hash computed as `post()` would, and bulk-loaded: the SQLite
file is kept under the temp directory keyed by the tables' schema and the generator's version. With
LINLI_BENCH_DATABASE_URL set, the same ledger is loaded once into its own database on that server
(`linli_bench_points`, created when missing; the database the URL names is never written) and timed too.
The points_monthly rows post() writes with every entry to or from the pool are summed as it goes and
loaded after the entries, so the rank reads and verify() see what a running bot's database holds.
Target: standing() p99 ≤ 5 ms on both. monthly_ranking, monthly_place, recent_entries and verify are printed,
no target.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Connection, Engine, Table, insert, text  # noqa: E402
from sqlalchemy.dialects import postgresql  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.schema import CreateIndex, CreateTable  # noqa: E402
from sqlmodel import Session  # noqa: E402

from storage import points as ledger  # noqa: E402
from storage.db import make_engine, migrate, normalize_url  # noqa: E402
from storage.models import (  # noqa: E402
    Building,
    PointsBalance,
    PointsEntry,
    PointsHead,
    PointsMonthly,
    Redemption,
    User,
)

ENTRIES = 5_000_000
RESIDENTS = 100_000
BUILDINGS = 50
STAFF_IDS = tuple(range(1, 21))  # staff who give by hand and decide redemptions
RESIDENT_BASE = 300_000_000  # residents' Telegram ids: 300000000 … 300099999
STAFF_CHAT_ID = -100
DAYS = 365
TZ = ZoneInfo("Asia/Shanghai")
# A fixed "now" near a month's end, so "this month" holds almost a whole month of entries (the rank's worst).
NOW = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
PRICE = 100  # the default book's only reward, 社区食堂餐券
DATA_VERSION = 2  # bump when the generated data changes: both cached databases are built again
PG_DATABASE = "linli_bench_points"

SAMPLES = 2_000  # residents asked for their balance and their recent entries
RANK_BUILDINGS = 20  # buildings whose monthly rank is timed
RANK_SAMPLES = 200  # residents whose whole /points reads and monthly place are timed
COMMUNITY_SAMPLES = 20  # community rank and place reads timed (each sums the whole month)
TARGET_MS = 5.0  # standing() p99, on PostgreSQL (the target) and on SQLite alike
VERIFY_SAMPLE = 200_000  # entries verify() reads first, to tell whether the whole ledger fits the budget
VERIFY_BUDGET_S = 120.0
CHUNK = 50_000

# The default book's monthly caps (handlers/points/default_points.toml): the generator never pays past them.
MONTHLY_CAPS = {
    "report": 100,
    "poll": 40,
    "volunteer": 400,
    "discussion": 60,
    "suggestion": 100,
    "award": 200,
}
# What each slot of the chain is, by weight: earning dominates, as residents report, vote and volunteer.
KINDS = ("report", "poll", "volunteer", "discussion", "suggestion", "award", "reversal", "hold", "decide")
KIND_WEIGHTS = (32.5, 39.0, 6.0, 3.0, 1.0, 14.5, 1.0, 1.5, 1.5)
AWARD_NOTES = ("帮忙搬运物资", "清理楼道杂物", "协助疫苗登记", "照看独居老人", "")
VOLUNTEER_NOTES = ("垃圾分类督导", "楼道清扫", "社区义诊", "")

COLUMNS = (
    "id",
    "from_account",
    "to_account",
    "amount",
    "rule",
    "key",
    "user_id",
    "building_id",
    "ref",
    "granted_by",
    "approved_by",
    "reverses",
    "note",
    "created_at",
    "month",
    "prev_hash",
    "hash",
)
Row = tuple[Any, ...]  # one points_entries row, in COLUMNS order
RESULTS: list[tuple[str, str, float, float, float | None]] = []  # database, case, p50, p99, target


def schema_version(entries: int) -> str:
    """A digest of the tables this bench fills and reads (their DDL and indexes, from the models), the
    generator's version and the ledger's size.

    Not every migration's digest, as the numbers bench uses: features keep adding migrations of their own,
    and each would rebuild 5 million entries (minutes per database) for tables this bench never reads.
    """
    digest = hashlib.sha1()
    dialect = postgresql.dialect()
    for model in (Building, User, PointsEntry, PointsHead, PointsBalance, PointsMonthly, Redemption):
        table: Table = model.__table__  # type: ignore[attr-defined]
        digest.update(str(CreateTable(table).compile(dialect=dialect)).encode())
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            digest.update(str(CreateIndex(index).compile(dialect=dialect)).encode())
    return f"{digest.hexdigest()[:10]}-d{DATA_VERSION}-n{entries}"


def pg_database(entries: int) -> str:
    # A smaller ledger tried with --entries gets a database of its own, so the 5 million one stays built.
    return PG_DATABASE if entries == ENTRIES else f"{PG_DATABASE}_n{entries}"


def cache_path(entries: int) -> Path:
    return Path(tempfile.gettempdir()) / "linli-bench" / f"points-{schema_version(entries)}.db"


# ---- the data ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Draft:
    """The fields entry_hash reads, without building a 50 µs SQLModel object 5 million times."""

    id: int
    from_account: str
    to_account: str
    amount: int
    rule: str
    key: str | None
    user_id: int | None
    building_id: int | None
    ref: str | None
    granted_by: int | None
    approved_by: int | None
    reverses: int | None
    note: str
    created_at: datetime
    month: str


@dataclass(slots=True)
class _Request:
    id: int
    user_id: int
    building_id: int
    hold_entry_id: int
    requested_at: datetime


def resident_building(uid: int) -> int:
    return 1 + (uid - RESIDENT_BASE) % BUILDINGS


def month_starts(start: datetime) -> list[datetime]:
    """Local (Asia/Shanghai) month starts from the data's start to past NOW, in UTC: the caps' windows."""
    local = start.astimezone(TZ).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    out = []
    while local <= NOW.astimezone(TZ) + timedelta(days=31):
        out.append(local.astimezone(UTC))
        local = (local + timedelta(days=32)).replace(day=1)
    return out


class Generator:
    """Writes the chain entry by entry, keeping balances and earned exactly as post() would.

    Entries are in time order (id = seq), so caps, reversals and redemptions only look back. Guarded
    accounts never go below zero: a reversal takes back at most what is left, a hold needs the price.
    """

    def __init__(self, entries: int, seed: int = 20261128) -> None:
        self.entries = entries
        self.rng = random.Random(seed)
        self.start = NOW - timedelta(days=DAYS)
        self.balance: dict[str, int] = defaultdict(int)
        self.earned: dict[str, int] = defaultdict(int)
        # points_monthly as post() writes it: (local month, building or 0, resident) → earned that month.
        self.monthly: dict[tuple[str, int, int], int] = defaultdict(int)
        self.month = ""  # the local month of the entries being written ("2026-11")
        self.redemptions: list[dict[str, object]] = []
        self.prev = ledger.GENESIS
        self.seq = 0
        self.hash_seconds = 0.0
        rng = self.rng
        # Activity is skewed: a tenth never earns, most earn a little, a few are at it every week.
        raw = [0.0 if rng.random() < 0.1 else min(rng.lognormvariate(0, 1.1), 15.0) for _ in range(RESIDENTS)]
        self.cum_weights = list(_accumulate(raw))

    def _who(self) -> int:
        return RESIDENT_BASE + self.rng.choices(range(RESIDENTS), cum_weights=self.cum_weights)[0]

    def _emit(self, created: datetime, **fields: Any) -> Row:
        """One entry after the last: its hash, and the balances post() would write with it."""
        self.seq += 1
        draft = _Draft(id=self.seq, created_at=created, month=self.month, **fields)
        started = time.perf_counter()
        digest = ledger.entry_hash(cast(PointsEntry, draft), self.prev)
        self.hash_seconds += time.perf_counter() - started
        source, target, amount = draft.from_account, draft.to_account, draft.amount
        self.balance[source] -= amount
        self.balance[target] += amount
        if source == ledger.POOL:
            self.earned[target] += amount
        elif target == ledger.POOL:
            self.earned[source] -= amount
        if draft.user_id is not None and ledger.POOL in (source, target):
            signed = amount if source == ledger.POOL else -amount
            self.monthly[draft.month, draft.building_id or 0, draft.user_id] += signed
        row = (
            draft.id,
            source,
            target,
            amount,
            draft.rule,
            draft.key,
            draft.user_id,
            draft.building_id,
            draft.ref,
            draft.granted_by,
            draft.approved_by,
            draft.reverses,
            draft.note,
            created,
            draft.month,
            self.prev,
            digest,
        )
        self.prev = digest
        return row

    def rows(self) -> Iterator[list[Row]]:
        """The whole chain in chunks of CHUNK rows."""
        rng = self.rng
        span_us = int((NOW - self.start).total_seconds() * 1e6)
        gap = span_us // self.entries
        months = month_starts(self.start)
        month_index = next(i for i, m in enumerate(months) if m > self.start) - 1
        self.month = months[month_index].astimezone(TZ).strftime("%Y-%m")
        paid: dict[tuple[int, str], int] = defaultdict(int)  # this month's earning per resident and rule
        voted: set[tuple[int, int]] = set()  # (poll, resident) this week: one vote each
        week = -1
        reports: list[tuple[int, int, int, str]] = []  # recent report payments: entry id, uid, amount, ref
        rich: list[int] = []  # residents who once had the price; checked again when drawn
        rich_set: set[int] = set()
        pending: deque[_Request] = deque()
        tickets = polls_base = messages = requests = 0
        chunk: list[Row] = []
        kinds = rng.choices(KINDS, KIND_WEIGHTS, k=self.entries)
        for slot in range(self.entries):
            created = self.start + timedelta(microseconds=gap * slot + rng.randrange(gap))
            if created >= months[month_index + 1]:
                month_index += 1
                self.month = months[month_index].astimezone(TZ).strftime("%Y-%m")
                paid.clear()
            this_week = (created - self.start) // timedelta(days=7)
            if this_week != week:
                week, polls_base = this_week, this_week * BUILDINGS
                voted.clear()
            kind = kinds[slot]
            row: Row | None = None
            if kind == "reversal" and reports:
                # A rejected or merged ticket takes back what its report paid, as far as it is still there.
                pick = rng.randrange(len(reports))
                entry_id, uid, amount, ref = reports[pick]
                reports[pick] = reports[-1]
                reports.pop()
                take = min(amount, self.balance[ledger.resident(uid)])
                if take > 0:
                    row = self._emit(
                        created,
                        from_account=ledger.resident(uid),
                        to_account=ledger.POOL,
                        amount=take,
                        rule=ledger.REVERSAL,
                        key=f"{ledger.REVERSAL}:{entry_id}",
                        user_id=uid,
                        building_id=resident_building(uid),
                        ref=ref,
                        granted_by=rng.choice(STAFF_IDS),
                        approved_by=None,
                        reverses=entry_id,
                        note=rng.choice(("rejected", "merged")),
                    )
            elif kind == "hold" and rich:
                pick = rng.randrange(len(rich))
                uid = rich[pick]
                if self.balance[ledger.resident(uid)] >= PRICE:
                    requests += 1
                    building = resident_building(uid)
                    row = self._emit(
                        created,
                        from_account=ledger.resident(uid),
                        to_account=ledger.held(uid),
                        amount=PRICE,
                        rule=ledger.HOLD,
                        key=f"{ledger.HOLD}:{requests}",
                        user_id=uid,
                        building_id=building,
                        ref="reward:meal",
                        granted_by=None,
                        approved_by=None,
                        reverses=None,
                        note=str(requests),
                    )
                    pending.append(_Request(requests, uid, building, self.seq, created))
                else:
                    rich[pick] = rich[-1]
                    rich.pop()
                    rich_set.discard(uid)
            elif kind == "decide" and pending and created - pending[0].requested_at > timedelta(hours=20):
                # Staff decide the oldest request about a day later; one in ten is refused and refunded.
                request = pending.popleft()
                approve = rng.random() < 0.9
                by = rng.choice(STAFF_IDS)
                rule = ledger.REDEEM if approve else ledger.REFUND
                reason = None if approve else "本月餐券已发完"
                row = self._emit(
                    created,
                    from_account=ledger.held(request.user_id),
                    to_account=ledger.REWARDS if approve else ledger.resident(request.user_id),
                    amount=PRICE,
                    rule=rule,
                    key=f"{rule}:{request.id}",
                    user_id=request.user_id,
                    building_id=None,
                    ref="reward:meal",
                    granted_by=by,
                    approved_by=None,
                    reverses=None,
                    note=reason or str(request.id),
                )
                self.redemptions.append(
                    _redemption(request, "approved" if approve else "rejected", created, by, reason)
                )
            if row is None:
                # An earning entry (also what a reversal, hold or decision falls back to when it has none).
                rule = kind if kind in MONTHLY_CAPS else ("report" if kind == "hold" else "poll")
                for _ in range(20):
                    uid = self._who()
                    if rule == "poll" and (polls_base + resident_building(uid), uid) in voted:
                        continue
                    want = _amount(rng, rule)
                    give = min(want, MONTHLY_CAPS[rule] - paid[uid, rule])
                    if give > 0:
                        break
                else:
                    rule, uid, give = "award", self._who(), 1  # everyone drawn was capped: a point by hand
                paid[uid, rule] += give
                building = resident_building(uid)
                granted_by = approved_by = None
                ref: str | None = None
                if rule == "report":
                    tickets += 1
                    key, ref = f"report:{tickets}", f"ticket:{tickets}"
                    note = rng.choice(("accepted", "in_progress", "resolved"))
                elif rule == "poll":
                    poll = polls_base + building
                    voted.add((poll, uid))
                    key, ref, note = f"poll:{poll}:{uid}", f"poll:{poll}", ""
                else:
                    messages += 1
                    key = f"award:{STAFF_CHAT_ID}:{messages}"
                    granted_by = rng.choice(STAFF_IDS)
                    if rng.random() < 0.02:  # past the pair cap: a second staff member approved it
                        approved_by = rng.choice([s for s in STAFF_IDS if s != granted_by])
                    if rule == "volunteer":
                        note = f"{give // 10}h {rng.choice(VOLUNTEER_NOTES)}".strip()
                    else:
                        note = rng.choice(AWARD_NOTES)
                row = self._emit(
                    created,
                    from_account=ledger.POOL,
                    to_account=ledger.resident(uid),
                    amount=give,
                    rule=rule,
                    key=key,
                    user_id=uid,
                    building_id=building,
                    ref=ref,
                    granted_by=granted_by,
                    approved_by=approved_by,
                    reverses=None,
                    note=note,
                )
                if rule == "report":
                    reports.append((self.seq, uid, give, cast(str, ref)))
                    if len(reports) > 20_000:  # only recent tickets are still rejected or merged
                        del reports[:10_000]
                if uid not in rich_set and self.balance[ledger.resident(uid)] >= PRICE:
                    rich.append(uid)
                    rich_set.add(uid)
            chunk.append(row)
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
        for request in pending:  # still waiting for staff: their points stay held
            self.redemptions.append(_redemption(request, "pending", None, None, None))

    def monthly_rows(self) -> list[Row]:
        """points_monthly in its key's order (month, building_id, user_id, earned)."""
        return [(*key, earned) for key, earned in sorted(self.monthly.items())]

    def balance_rows(self) -> list[dict[str, object]]:
        accounts = set(self.balance) | set(self.earned)
        return [
            {"account": a, "balance": self.balance.get(a, 0), "earned": self.earned.get(a, 0)}
            for a in accounts
        ]


def _accumulate(values: list[float]) -> Iterator[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


def _amount(rng: random.Random, rule: str) -> int:
    if rule == "volunteer":
        return 10 * rng.choice((1, 1, 2, 2, 2, 3, 4))  # per_hour: 10 an hour
    if rule == "award":
        return rng.choice((1, 2, 3, 5, 5, 10))
    return {"report": 5, "poll": 2, "discussion": 10, "suggestion": 20}[rule]


def _redemption(
    request: _Request, status: str, decided_at: datetime | None, by: int | None, reason: str | None
) -> dict[str, object]:
    return {
        "id": request.id,
        "user_id": request.user_id,
        "reward": "meal",
        "price": PRICE,
        "status": status,
        "code": f"M{request.id:06d}" if status == "approved" else None,
        "reason": reason,
        "hold_entry_id": request.hold_entry_id,
        "requested_at": request.requested_at,
        "decided_at": decided_at,
        "decided_by": by,
    }


def people(start: datetime) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Buildings and users: the staff who give by hand, and every resident with their building."""
    rng = random.Random(7)
    buildings = [{"id": b, "name": f"{b}号楼", "created_at": start} for b in range(1, BUILDINGS + 1)]
    users: list[dict[str, object]] = [
        {
            "id": sid,
            "first_name": f"师傅{sid}",
            "username": None,
            "role": "staff",
            "private_chat_open": True,
            "private_notices": False,
            "rank_by_name": False,
            "building_id": None,
            "created_at": start,
        }
        for sid in STAFF_IDS
    ]
    for i in range(RESIDENTS):
        uid = RESIDENT_BASE + i
        users.append(
            {
                "id": uid,
                "first_name": f"业主{i}",
                "username": f"r{i}" if i % 3 else None,
                "role": "resident",
                "private_chat_open": rng.random() < 0.7,
                "private_notices": False,
                "rank_by_name": rng.random() < 0.2,
                "building_id": resident_building(uid),
                "created_at": start,
            }
        )
    return buildings, users


def _sqlite_time(moment: datetime) -> str:
    # What SQLAlchemy writes for an aware UTC time on SQLite, so range filters compare like the bot's rows.
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def load(engine: Engine, entries: int) -> dict[str, float]:
    """Generate the ledger and bulk-load it; returns where the time went (seconds)."""
    postgres = engine.dialect.name == "postgresql"
    generator = Generator(entries)
    buildings, users = people(generator.start)
    spent = {"generate": 0.0, "insert": 0.0, "monthly": 0.0, "indexes": 0.0}
    indexes = [
        *PointsEntry.__table__.indexes,  # type: ignore[attr-defined]
        *PointsMonthly.__table__.indexes,  # type: ignore[attr-defined]
    ]
    with engine.begin() as conn:
        conn.execute(insert(Building), buildings)
        for i in range(0, len(users), 10_000):
            conn.execute(insert(User), users[i : i + 10_000])
        # Secondary indexes are built once after the load: 5 million scattered index inserts are far slower.
        for index in indexes:
            index.drop(conn)
    raw = engine.raw_connection()
    try:
        driver: Any = raw.driver_connection
        cursor = driver.cursor()
        if not postgres:
            cursor.execute("PRAGMA cache_size = -1000000")  # the unique key index stays: give it memory
            # The engine's connections autocommit (isolation_level=None): one transaction, not one per row.
            cursor.execute("BEGIN")
        sql = f"INSERT INTO points_entries ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
        copy_sql = f"COPY points_entries ({', '.join(COLUMNS)}) FROM STDIN"
        chunks = generator.rows()
        while True:
            started = time.perf_counter()
            chunk = next(chunks, None)
            spent["generate"] += time.perf_counter() - started
            if chunk is None:
                break
            started = time.perf_counter()
            if postgres:
                with cursor.copy(copy_sql) as copy:
                    for row in chunk:
                        copy.write_row(row)
            else:
                cursor.executemany(sql, [(*row[:13], _sqlite_time(row[13]), *row[14:]) for row in chunk])
            spent["insert"] += time.perf_counter() - started
            if chunk[-1][0] % 1_000_000 < CHUNK:
                print(f"  {chunk[-1][0]:,} entries", flush=True)
        # points_monthly as post() left it after the last entry, loaded the same way.
        started = time.perf_counter()
        monthly = generator.monthly_rows()
        monthly_columns = "month, building_id, user_id, earned"
        if postgres:
            with cursor.copy(f"COPY points_monthly ({monthly_columns}) FROM STDIN") as copy:
                for row in monthly:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO points_monthly ({monthly_columns}) VALUES (?, ?, ?, ?)", monthly)
        spent["monthly"] = time.perf_counter() - started
        if postgres:
            driver.commit()
        else:
            cursor.execute("COMMIT")
    finally:
        raw.close()
    started = time.perf_counter()
    with engine.begin() as conn:
        if postgres:
            conn.execute(text("SET maintenance_work_mem = '1GB'"))
        for index in indexes:
            index.create(conn)
    spent["indexes"] = time.perf_counter() - started
    with engine.begin() as conn:
        balances = generator.balance_rows()
        for i in range(0, len(balances), 10_000):
            conn.execute(insert(PointsBalance), balances[i : i + 10_000])
        conn.execute(
            PointsHead.__table__.update()  # type: ignore[attr-defined]
            .where(PointsHead.__table__.c.id == 1)  # type: ignore[attr-defined]
            .values(seq=generator.seq, hash=generator.prev)
        )
        for i in range(0, len(generator.redemptions), 10_000):
            conn.execute(insert(Redemption), generator.redemptions[i : i + 10_000])
    spent["generate"] -= generator.hash_seconds
    spent["hash chain"] = generator.hash_seconds
    held = sum(1 for r in generator.redemptions if r["status"] == "pending")
    print(
        f"  {generator.seq:,} entries, {len(balances):,} accounts, {len(monthly):,} points_monthly rows,"
        f" {len(generator.redemptions):,} redemptions ({held:,} pending);"
        f" pool {generator.balance[ledger.POOL]:,}",
        flush=True,
    )
    return spent


def _report_build(where: str, total: float, spent: dict[str, float]) -> None:
    parts = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in spent.items())
    print(f"  {where} built in {total:.0f} s ({parts})", flush=True)


def sqlite_database(rebuild: bool, entries: int) -> Path:
    """The cached SQLite ledger, built once per schema and generator version."""
    path = cache_path(entries)
    if rebuild and path.exists():
        path.unlink()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # A previous version of this size need not keep its 2 GB around (other sizes are left alone).
        for old in path.parent.glob(f"points-*-n{entries}.db"):
            old.unlink()
        building = path.with_suffix(".building")
        for stale in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
            stale.unlink(missing_ok=True)
        print(f"building {path} (once per schema and generator version) ...", flush=True)
        started = time.perf_counter()
        engine = make_engine(f"sqlite:///{building}")
        migrate(engine)
        spent = load(engine, entries)
        raw = engine.raw_connection()  # outside any transaction: the file is whole without its WAL
        raw.driver_connection.execute("ANALYZE")  # type: ignore[union-attr]
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        raw.close()
        engine.dispose()
        building.rename(path)
        _report_build("SQLite", time.perf_counter() - started, spent)
    return path


def postgres_database(url: str, rebuild: bool, entries: int) -> str:
    """The bench's own database next to the one the URL names, (re)built when its version mark differs."""
    name = pg_database(entries)
    bench_url = make_url(normalize_url(url)).set(database=name)
    version = schema_version(entries)
    admin = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # only looks up and creates a database; nothing is written to this one
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if exists is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.engine.dispose()
    rendered = bench_url.render_as_string(hide_password=False)
    engine = make_engine(rendered)
    try:
        with engine.connect() as conn:
            marked = (
                conn.execute(text("SELECT to_regclass('public.bench_build') IS NOT NULL")).scalar_one()
                and conn.execute(text("SELECT version FROM bench_build")).scalar_one_or_none()
            )
        if marked == version and not rebuild:
            return rendered
        print(f"building PostgreSQL database {name} ({version}) ...", flush=True)
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        migrate(engine)
        spent = load(engine, entries)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))  # the visibility map too, so index-only scans are possible
        with engine.begin() as conn:  # written last: a build cut short is built again next time
            conn.execute(text("CREATE TABLE bench_build (version text NOT NULL)"))
            conn.execute(text("INSERT INTO bench_build VALUES (:v)"), {"v": version})
        _report_build("PostgreSQL", time.perf_counter() - started, spent)
    finally:
        engine.dispose()
    return rendered


# ---- the timings -------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def record(database: str, case: str, times: list[float], target: float | None = None) -> None:
    RESULTS.append((database, case, statistics.median(times), percentile(times, 0.99), target))


def timed_in_session(engine: Engine, call: Callable[[Session], object]) -> float:
    """One call's ms inside an open transaction, as the bot's update has one: BEGIN is not counted."""
    with Session(engine) as session:
        session.connection()
        started = time.perf_counter()
        call(session)
        return (time.perf_counter() - started) * 1000


def measure(database: str, engine: Engine, entries: int, full_verify: bool) -> None:
    rng = random.Random(42)
    residents = [RESIDENT_BASE + rng.randrange(RESIDENTS) for _ in range(SAMPLES)]
    month = NOW.astimezone(TZ).strftime("%Y-%m")  # handlers.points.earning.month_key: the local month
    for uid in residents[:100]:  # warm the pool and the statement caches, as a running bot has them
        timed_in_session(engine, lambda s, u=uid: ledger.standing(session=s, user_id=u))
    times = [
        timed_in_session(engine, lambda s, u=uid: ledger.standing(session=s, user_id=u)) for uid in residents
    ]
    record(database, "standing() (/points balance)", times, TARGET_MS)
    times = [
        timed_in_session(engine, lambda s, u=uid: ledger.recent_entries(session=s, user_id=u, limit=10))
        for uid in residents
    ]
    record(database, "recent_entries(10) (明细)", times)
    times = [
        timed_in_session(engine, lambda s, u=uid: points_reads(s, u, month))
        for uid in residents[:RANK_SAMPLES]
    ]
    record(database, "all /points reads", times)
    place = ledger.monthly_place
    times = [
        timed_in_session(
            engine,
            lambda s, u=uid: place(session=s, month=month, user_id=u, building_id=resident_building(u)),
        )
        for uid in residents[:RANK_SAMPLES]
    ]
    record(database, "monthly_place(building)", times)
    times = [
        timed_in_session(engine, lambda s, u=uid: place(session=s, month=month, user_id=u, building_id=None))
        for uid in residents[:COMMUNITY_SAMPLES]
    ]
    record(database, "monthly_place(community)", times)
    buildings = rng.sample(range(1, BUILDINGS + 1), RANK_BUILDINGS)
    rank = ledger.monthly_ranking
    times = [
        timed_in_session(engine, lambda s, b=b: rank(session=s, month=month, building_id=b, limit=10))
        for b in buildings
    ]
    record(database, "monthly_ranking(building, 10)", times)
    times = [
        timed_in_session(engine, lambda s: rank(session=s, month=month, limit=10))
        for _ in range(COMMUNITY_SAMPLES)
    ]
    record(database, "monthly_ranking(community, 10)", times)
    with engine.connect() as conn:
        ranked = conn.execute(
            text("SELECT COUNT(*) FROM points_monthly WHERE month = :m AND building_id = :b AND earned > 0"),
            {"m": month, "b": buildings[0]},
        ).scalar_one()
        rows = conn.execute(text("SELECT COUNT(*) FROM points_monthly WHERE month = :m"), {"m": month})
        print(
            f"  {database}: {month}: building {buildings[0]} ranks {ranked:,} residents,"
            f" {rows.scalar_one():,} points_monthly rows in the month",
            flush=True,
        )
    verify_leg(database, engine, entries, full_verify)


def points_reads(session: Session, user_id: int, month: str) -> None:
    """What the /points reply reads (handlers/points/asking.summary): the standing, the reward's stock,
    the resident's place in their building's monthly rank and the building's row (its name)."""
    ledger.standing(session=session, user_id=user_id)
    ledger.stock_taken(session=session, reward="meal")
    building = resident_building(user_id)
    ledger.monthly_place(session=session, month=month, user_id=user_id, building_id=building)
    session.get(Building, building)


def verify_leg(database: str, engine: Engine, entries: int, full_verify: bool) -> None:
    """verify() on the first VERIFY_SAMPLE entries (a prefix is a whole chain); then on the whole ledger
    when that sample says it takes under VERIFY_BUDGET_S, or when asked to."""
    sample = min(VERIFY_SAMPLE, entries)
    with Session(engine) as session:
        # Temporary tables are found before the real ones by unqualified names on both databases, so the
        # real verify() reads a prefix of the chain with balances recomputed for it; the rollback drops them.
        prefix_tables(session.connection(), sample)
        started = time.perf_counter()
        result = ledger.verify(session=session)
        seconds = time.perf_counter() - started
        session.rollback()
    assert result.entries == sample and not result.problems, result.problems[:5]
    estimate = seconds * entries / sample
    print(
        f"  {database}: verify() on the first {sample:,} entries: {seconds:.1f} s"
        f" ({seconds / sample * 1e6:.0f} µs an entry); the whole ledger ≈ {estimate:.0f} s",
        flush=True,
    )
    if sample == entries or (estimate > VERIFY_BUDGET_S and not full_verify):
        if sample < entries:
            print(
                f"  {database}: whole-ledger verify() left out (over {VERIFY_BUDGET_S:.0f} s by the sample;"
                " --full-verify runs it)"
            )
        return
    with Session(engine) as session:
        started = time.perf_counter()
        result = ledger.verify(session=session)
        seconds = time.perf_counter() - started
    assert result.entries == entries and not result.problems, result.problems[:5]
    print(f"  {database}: verify() on all {entries:,} entries: {seconds:.1f} s, no problems", flush=True)


def prefix_tables(conn: Connection, sample: int) -> None:
    """Temporary points_entries, points_balances, points_monthly and points_head holding the chain's first
    `sample` entries, with the balances, monthly earnings and head post() would have written by then."""
    real = "public" if conn.dialect.name == "postgresql" else "main"
    temp = "pg_temp" if conn.dialect.name == "postgresql" else "temp"
    conn.execute(
        text(f"CREATE TEMP TABLE points_entries AS SELECT * FROM {real}.points_entries WHERE id <= :n"),
        {"n": sample},
    )
    conn.execute(
        text(
            f"""CREATE TEMP TABLE points_balances AS
            SELECT account, SUM(delta) AS balance, SUM(earn) AS earned FROM (
                SELECT to_account AS account, amount AS delta,
                       CASE WHEN from_account = 'pool' THEN amount ELSE 0 END AS earn
                FROM {temp}.points_entries
                UNION ALL
                SELECT from_account, -amount, CASE WHEN to_account = 'pool' THEN -amount ELSE 0 END
                FROM {temp}.points_entries
            ) AS moves GROUP BY account"""
        )
    )
    conn.execute(
        text(
            f"""CREATE TEMP TABLE points_monthly AS
            SELECT month, COALESCE(building_id, 0) AS building_id, user_id,
                   SUM(CASE WHEN from_account = 'pool' THEN amount ELSE -amount END) AS earned
            FROM {temp}.points_entries
            WHERE user_id IS NOT NULL AND 'pool' IN (from_account, to_account)
            GROUP BY month, COALESCE(building_id, 0), user_id"""
        )
    )
    conn.execute(
        text(
            f"CREATE TEMP TABLE points_head AS SELECT 1 AS id, id AS seq, hash FROM {temp}.points_entries"
            " WHERE id = :n"
        ),
        {"n": sample},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rebuild", action="store_true", help="build the cached databases again")
    parser.add_argument("--entries", type=int, default=ENTRIES, help="ledger size (a smaller one for trying)")
    parser.add_argument("--full-verify", action="store_true", help="verify() the whole ledger however long")
    args = parser.parse_args(argv)
    path = sqlite_database(args.rebuild, args.entries)
    engine = make_engine(f"sqlite:///{path}")  # only read: the cached file is used as it is, not copied
    try:
        measure("sqlite", engine, args.entries, args.full_verify)
    finally:
        engine.dispose()
    url = os.environ.get("LINLI_BENCH_DATABASE_URL")
    if url:
        engine = make_engine(postgres_database(url, args.rebuild, args.entries))
        try:
            measure("postgresql", engine, args.entries, args.full_verify)
        finally:
            engine.dispose()
    else:
        print("PostgreSQL: LINLI_BENCH_DATABASE_URL not set, skipped")

    print(f"\n{RESIDENTS:,} residents, {args.entries:,} ledger entries; {SAMPLES:,} residents asked")
    print(f"{'database':<11}{'case':<34}{'p50 ms':>9}{'p99 ms':>9}{'target':>8}  result")
    missed = 0
    for database, case, p50, p99, target in RESULTS:
        if target is None:
            verdict, shown = "(info)", "-"
        else:
            verdict, shown = ("达标 PASS" if p99 <= target else "未达标 MISS"), f"{target:.0f}"
            missed += p99 > target
        print(f"{database:<11}{case:<34}{p50:>9.2f}{p99:>9.2f}{shown:>8}  {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
