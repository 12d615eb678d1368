"""Draw docs/weekly_chart.png from a realistic week of sample tickets.

Run: .venv/bin/python -m tests.bench.make_weekly_chart [--out PATH] [--seed N]

The week goes through the real path: a throwaway SQLite database migrated like production, tickets written
as rows, storage.stats.ticket_stats reading them back, then handlers.charts drawing the picture.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.numbers.charts import weekly_chart
from handlers.numbers.summaries import stats_text, weekly_summary
from nlp import Taxonomy, load_taxonomy
from storage.db import make_engine, migrate, session_scope
from storage.models import Building, Rating, Ticket, TicketStatus, User
from storage.stats import ticket_stats

TZ = ZoneInfo("Asia/Shanghai")
REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "docs" / "weekly_chart.png"
WEEK_START = datetime(2026, 11, 16, tzinfo=TZ)  # a Monday; the report goes out the Monday after, 09:00

BUILDINGS = ("1号楼", "2号楼", "3号楼", "5号楼", "6号楼", "7号楼", "8号楼")
BUILDING_WEIGHTS = (8, 6, 11, 9, 5, 7, 4)
# Roughly what a 700-household compound reports in a week: repairs dominate, then cleaning and noise.
CATEGORY_WEIGHTS = {
    "repair": 34,
    "sanitation": 14,
    "noise": 11,
    "parking": 9,
    "property": 8,
    "utilities": 7,
    "safety": 5,
    "greenery": 4,
    "pets": 4,
    "dispute": 2,
    "other": 2,
}
TEXTS = {
    "repair": "3单元电梯又停了",
    "sanitation": "楼道垃圾两天没人收",
    "noise": "楼上半夜装修太吵",
    "parking": "消防通道被私家车堵了",
    "property": "物业费发票什么时候开",
    "utilities": "今天一直没有热水",
    "safety": "地下车库有烟味",
    "greenery": "楼下的树枝挡住窗户",
    "pets": "小区里有狗没拴绳",
    "dispute": "邻居空调外机滴水到我家",
    "other": "快递柜满了放不下",
}


def seed_week(session: Session, taxonomy: Taxonomy, rng: random.Random, *, until: datetime) -> None:
    now = WEEK_START.astimezone(UTC) - timedelta(days=14)
    users = [User(id=10_000 + i, first_name=f"邻居{i}", created_at=now) for i in range(60)]
    staff = [
        User(id=20_000 + i, first_name=f"{name}师傅", role="staff", created_at=now)
        for i, name in enumerate("李王赵")
    ]
    session.add_all(users + staff)
    buildings = [Building(name=name, created_at=now) for name in BUILDINGS]
    session.add_all(buildings)
    session.flush()

    # Last week's leftovers too, so some resolutions and ratings this week belong to older tickets.
    start = WEEK_START.astimezone(UTC) - timedelta(days=4)
    for n in range(72):
        created = start + timedelta(days=rng.uniform(0, 11))
        if created >= until:
            continue
        created = _daytime(created, rng)
        category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
        urgent = category in ("safety", "utilities") and rng.random() < 0.5
        accept_within, resolve_within = taxonomy.sla_for(category, urgent)
        building = rng.choices(buildings, weights=BUILDING_WEIGHTS)[0] if rng.random() > 0.05 else None
        ticket = Ticket(
            building_id=building.id if building else None,
            reporter_id=rng.choice(users).id,
            chat_id=-100_500,
            message_id=n + 1,
            text=TEXTS[category],
            category=category,
            urgent=urgent,
            created_at=created,
            updated_at=created,
            accept_due_at=created + accept_within,
            resolve_due_at=created + resolve_within,
            anonymous=rng.random() < 0.1,
        )
        _live(ticket, rng, until=until, staff=staff)
        session.add(ticket)


def _live(ticket: Ticket, rng: random.Random, *, until: datetime, staff: list[User]) -> None:
    """Walk the ticket through the workflow as far as it got before `until`."""
    roll = rng.random()
    if roll < 0.04:
        ticket.status = TicketStatus.MERGED
        return
    if roll < 0.08:
        ticket.status, ticket.rejection_reason = TicketStatus.REJECTED, "属于业委会事务，已转交"
        return
    if roll < 0.12:
        return  # nobody has picked it up yet: overdue once its accept deadline passes
    accepted = ticket.created_at + timedelta(minutes=rng.lognormvariate(3.6, 0.9))  # median ~37 min
    if accepted >= until:
        return
    ticket.status, ticket.accepted_at = TicketStatus.ACCEPTED, accepted
    ticket.assignee_id = rng.choice(staff).id
    if ticket.urgent or rng.random() < 0.2:
        resolve_hours = rng.lognormvariate(0.4, 0.6)  # a bulb, a stuck door, a burst pipe: ~1.5 h
    else:
        resolve_hours = rng.lognormvariate(2.5, 1.1)  # the rest: median ~12 h, a long tail of parts to order
    resolved = accepted + timedelta(hours=resolve_hours)
    if resolved >= until:
        ticket.status = TicketStatus.IN_PROGRESS if rng.random() < 0.7 else TicketStatus.ACCEPTED
        return
    ticket.status, ticket.resolved_at, ticket.resolution_note = TicketStatus.RESOLVED, resolved, "已处理"
    if rng.random() < 0.65:
        rated = resolved + timedelta(hours=rng.uniform(0.5, 20))
        if rated < until:
            rating = rng.choices(list(Rating), weights=(76, 16, 8))[0]
            ticket.status, ticket.rating, ticket.rated_at = TicketStatus.RATED, rating, rated


def _daytime(moment: datetime, rng: random.Random) -> datetime:
    # People report between 7:00 and 23:00 local time, most in the evening.
    local = moment.astimezone(TZ)
    hour = min(22, max(7, round(rng.gauss(17, 4))))
    return local.replace(hour=hour, minute=rng.randrange(60)).astimezone(UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=48)
    args = parser.parse_args()

    taxonomy = load_taxonomy()
    names = {c.id: c.name for c in taxonomy.categories}
    since, until = WEEK_START, WEEK_START + timedelta(days=7)
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/week.db")
        migrate(engine)
        with session_scope(engine) as session:
            seed_week(session, taxonomy, random.Random(args.seed), until=until.astimezone(UTC))
        with Session(engine) as session:
            stats = ticket_stats(session=session, since=since, until=until)
        engine.dispose()

    last_day = until - timedelta(days=1)
    title = f"邻里周报 · {since.month}月{since.day}日–{last_day.month}月{last_day.day}日"
    png = weekly_chart(stats, names=names, title=title)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(png)
    print(weekly_summary(stats, names=names))
    print()
    print(stats_text(stats, names=names, period="7d", tz=TZ))
    print(f"\n{args.out} ({len(png) // 1024} KB)")


if __name__ == "__main__":
    main()
