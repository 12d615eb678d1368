"""Benchmark of the duplicate check: a new report in a building with 1,000 open tickets of its category.

Run from the repository root:  .venv/bin/python -m tests.bench.bench_duplicates  [--open 1000] [--reports 30]

A fresh SQLite database (the real migrations) holds OPEN open tickets, all in one building and one category,
all inside the duplicate window, filed by neighbours as the bot files them (with their duplicate terms;
--legacy: without, as tickets filed before migration 0007). Each new report is classified as filing does,
then the duplicate check runs: the report's terms (`nlp.report_terms`) and
`handlers.reports.filing._earlier_report`; the figure is the mean time of that check per report.
Target: at most 5 ms per report with 1,000 open tickets. Exits non-zero when the target is missed.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from handlers.context import CoreConfig, Ctx  # noqa: E402
from handlers.reports.filing import _earlier_report, _sorting  # noqa: E402
from nlp import load_default_classifier, report_terms  # noqa: E402
from storage.db import make_engine, migrate, session_scope, utcnow  # noqa: E402
from storage.models import Chat, SortState, User  # noqa: E402
from storage.people import get_or_create_building, upsert_chat, upsert_user  # noqa: E402
from storage.tickets import create_ticket  # noqa: E402

TARGET_MS = 5.0
OPEN_TICKETS = 1000
CATEGORY = "repair"
GROUP = -1003000000000
NEIGHBOURS = range(700_000, 700_050)
REPORTER = 800_000

_THINGS = (
    "电梯",
    "水管",
    "楼道灯",
    "单元门",
    "门禁",
    "井盖",
    "扶手",
    "下水道",
    "天花板",
    "外墙",
    "信箱",
    "闭门器",
)
_STATES = ("坏了", "漏水", "不亮了", "有异响", "松动了", "开裂了", "刷不开", "老化了", "掉漆了", "锈蚀了")
_WHERE = ("", "2单元", "一楼", "顶楼", "地下车库", "东侧")
# Reports the new reporter files: the same problems in other words, and others.
NEW_REPORTS = (
    "电梯又坏了，按了没反应",
    "楼道灯不亮",
    "声控灯坏了",
    "电梯停了",
    "电梯不动",
    "水管漏水了，地上全是水",
    "单元门门禁坏了刷不开",
    "井盖松动了，走路要小心",
    "电梯广告屏太吵",
    "天花板渗水，墙皮都掉了",
)


def _open_texts(count: int) -> list[str]:
    combos = itertools.cycle(itertools.product(_WHERE, _THINGS, _STATES))
    picked = itertools.islice(combos, count)
    return [f"{where}{thing}{state}，麻烦来看看（{n}）" for n, (where, thing, state) in enumerate(picked)]


def run(open_count: int, reports: int, *, legacy: bool = False) -> float:
    classifier = load_default_classifier()
    config = CoreConfig(
        admin_ids=frozenset(),
        staff_chat_id=None,
        bot_username="linli_bot",
        tz=ZoneInfo("Asia/Shanghai"),
        classifier=classifier,
    )
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        migrate(engine)
        now = utcnow()
        with session_scope(engine) as session:
            building = get_or_create_building(session=session, name="3号楼", now=now)
            upsert_chat(session=session, chat_id=GROUP, type="supergroup", title="3号楼", now=now)
            for user_id in (*NEIGHBOURS, REPORTER):
                upsert_user(session=session, user_id=user_id, first_name="邻居", username=None, now=now)
            session.flush()
            for n, text in enumerate(_open_texts(open_count)):
                result = classifier.classify(text)
                terms = report_terms(text, result, classifier.taxonomy)
                filed = now - timedelta(hours=60) + timedelta(seconds=n * 30)
                create_ticket(
                    session=session,
                    reporter_id=NEIGHBOURS[n % len(NEIGHBOURS)],
                    chat_id=GROUP,
                    message_id=n + 1,
                    text=text,
                    building_id=building.id,
                    # Every one of them is a candidate: the same category, whatever the classifier said.
                    sorting=replace(_sorting(result, SortState.AUTO), category=CATEGORY),
                    now=filed,
                    duplicate_terms=None if legacy else terms.to_json(),
                )
            building_id = building.id
        elapsed = 0.0
        checks = 0
        found = 0
        texts = list(itertools.islice(itertools.cycle(NEW_REPORTS), reports))
        with session_scope(engine) as session:
            user = session.get(User, REPORTER)
            chat = session.get(Chat, GROUP)
            assert user is not None and chat is not None
            ctx = Ctx(session=session, config=config, now=now, user=user, chat=chat)
            for text in texts:
                result = classifier.classify(text)  # filing does this anyway
                started = time.perf_counter()
                terms = report_terms(text, result, classifier.taxonomy)
                earlier = _earlier_report(ctx, terms, building_id, CATEGORY)
                elapsed += time.perf_counter() - started
                checks += 1
                found += earlier is not None
        engine.dispose()
    per_report = elapsed / checks * 1000
    print(f"{open_count} open tickets, {checks} reports checked, {found} found a likely duplicate")
    return per_report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=OPEN_TICKETS, help="open tickets in the building")
    parser.add_argument("--reports", type=int, default=30, help="new reports to check")
    parser.add_argument(
        "--legacy", action="store_true", help="open tickets without stored terms (filed before 0007)"
    )
    args = parser.parse_args()
    per_report = run(args.open, args.reports, legacy=args.legacy)
    met = per_report <= TARGET_MS
    verdict = "OK" if met else "MISS"
    print(f"duplicate check: {per_report:.2f} ms per report (target ≤ {TARGET_MS:.0f} ms): {verdict}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
