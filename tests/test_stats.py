"""Numbers for staff: /stats, the weekly chart and the export, on whichever database the run uses."""

from __future__ import annotations

import csv
import io
import logging
import struct
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from matplotlib import font_manager
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from handlers import texts
from handlers.numbers import charts
from handlers.numbers.export import _Minutes, export_csv, export_xlsx
from handlers.numbers.summaries import (
    BUILDING_NAMES,
    breakdown,
    building_label,
    duration,
    period_label,
    stats_text,
    weekly_summary,
)
from handlers.texts import STATUS_NAMES
from storage.db import session_scope
from storage.models import Building, Rating, Ticket, TicketEvent, TicketStatus
from storage.people import get_or_create_building, upsert_user
from storage.stats import (
    TicketStats,
    claim_exports,
    finish_export,
    iter_export,
    queue_export,
    read_snapshot,
    ticket_stats,
    tickets_for_export,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)  # a window start (09:00 in Shanghai)
UNTIL = T0 + timedelta(days=7)
REPORTER, STAFF, SHY = 1001, 2002, 3003
NAMES = {
    "repair": "设施报修",
    "noise": "噪音扰民",
    "sanitation": "环境卫生",
    "other": "其他",
    "parking": "停车交通",
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

S = TicketStatus
_message_ids = count(1)


def _h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def _ticket(session: Session, *, created: datetime, building: Building | None, **fields: Any) -> Ticket:
    # Rows are written directly: the accept/resolve/rate workflow functions are still moving, and these tests
    # need exact timestamps on every field the statistics read.
    fields.setdefault("reporter_id", REPORTER)
    ticket = Ticket(
        building_id=building.id if building else None,
        chat_id=-100123,
        message_id=next(_message_ids),
        text=fields.pop("text", "楼道灯坏了"),
        created_at=created,
        updated_at=created,
        **fields,
    )
    session.add(ticket)
    session.flush()
    return ticket


@pytest.fixture
def week(engine: Engine) -> Iterator[dict[str, Ticket]]:
    """Tickets around the window [T0, T0 + 7 days), with the edge cases the numbers must get right."""
    with session_scope(engine) as session:
        upsert_user(session=session, user_id=REPORTER, first_name="王阿姨", username=None, now=T0)
        upsert_user(session=session, user_id=STAFF, first_name="李师傅", username="li", now=T0)
        upsert_user(session=session, user_id=SHY, first_name="张三", username="zhang3", now=T0)
        b3 = get_or_create_building(session=session, name="3号楼", now=T0)
        b5 = get_or_create_building(session=session, name="5号楼", now=T0)
        t: dict[str, Ticket] = {}
        # Created exactly at the window's start: inside.
        t["at_start"] = _ticket(
            session, created=T0, building=b3, category="repair", status=S.RATED, accepted_at=_h(1 / 6),
            resolved_at=_h(1), rating=Rating.NEUTRAL, rated_at=_h(2),
        )  # fmt: skip
        t["rated"] = _ticket(
            session, created=_h(1), building=b3, category="repair", status=S.RATED, accepted_at=_h(1.5),
            resolved_at=_h(5), rating=Rating.SATISFIED, rated_at=_h(6), accept_due_at=_h(1.2),
            assignee_id=STAFF, resolution_note="已更换灯泡", rating_comment="很快，谢谢",
        )  # fmt: skip
        t["resolved"] = _ticket(
            session, created=_h(2), building=b3, category="repair", status=S.RESOLVED, accepted_at=_h(3),
            resolved_at=_h(50), resolve_due_at=_h(24), assignee_id=STAFF,
        )  # fmt: skip
        t["late_work"] = _ticket(
            session, created=_h(24), building=b5, category="noise", status=S.IN_PROGRESS, accepted_at=_h(26),
            resolve_due_at=_h(48), assignee_id=STAFF,
        )  # fmt: skip
        t["late_accept"] = _ticket(
            session, created=_h(72), building=None, category="sanitation", status=S.RECEIVED,
            accept_due_at=_h(73), anonymous=True, reporter_id=SHY, text="=HYPERLINK(\"http://x\")垃圾没人收\x07",
        )  # fmt: skip
        t["waiting"] = _ticket(
            session, created=_h(96), building=b5, category="repair", status=S.RECEIVED,
            accept_due_at=UNTIL + timedelta(days=1), urgent=True, location="B2车库",
        )  # fmt: skip
        t["merged"] = _ticket(
            session, created=_h(97), building=b5, category="repair", status=S.MERGED,
            duplicate_of=t["waiting"].id,
        )  # fmt: skip
        t["rejected"] = _ticket(
            session, created=_h(120), building=b3, category="other", status=S.REJECTED,
            rejection_reason="不属于物业范围",
        )  # fmt: skip
        # Created exactly at the window's end: outside; its deadline is the end itself, so not overdue yet.
        t["at_end"] = _ticket(session, created=UNTIL, building=b3, category="repair", accept_due_at=UNTIL)
        # Created before the window: not counted as new, but its resolution and rating in the window count.
        t["older"] = _ticket(
            session, created=_h(-24), building=b3, category="parking", status=S.RATED, accepted_at=_h(-20),
            resolved_at=_h(4), rating=Rating.UNSATISFIED, rated_at=_h(5),
        )  # fmt: skip
        # Everything before the window.
        t["ancient"] = _ticket(
            session, created=_h(-72), building=b5, category="repair", status=S.RATED, accepted_at=_h(-71),
            resolved_at=_h(-48), rating=Rating.SATISFIED, rated_at=_h(-24),
        )  # fmt: skip

        # History, added out of time order: the export must sort it.
        def step(
            ticket: Ticket, at: datetime, actor: int | None, src: str, dst: str, note: str | None = None
        ) -> None:
            session.add(
                TicketEvent(
                    ticket_id=ticket.id or 0, at=at, actor_id=actor, from_status=src, to_status=dst, note=note
                )
            )

        step(t["rated"], _h(5), STAFF, S.ACCEPTED, S.RESOLVED, "已更换灯泡 | 楼道")
        step(t["rated"], _h(1), REPORTER, "", S.RECEIVED)
        step(t["rated"], _h(1.5), STAFF, S.RECEIVED, S.ACCEPTED)
        step(t["rated"], _h(6), REPORTER, S.RESOLVED, S.RATED, "很快，谢谢")
        step(t["late_accept"], _h(72), SHY, "", S.RECEIVED)
        step(t["late_accept"], _h(74), None, S.RECEIVED, S.RECEIVED, "超时提醒")
        step(t["late_accept"], _h(75), STAFF, S.RECEIVED, S.RECEIVED, "已联系保洁")
    yield t  # committed: the tests read it in sessions of their own


# --- ticket_stats


def test_counts_exclude_merged_and_respect_the_window(engine: Engine, week: dict[str, Ticket]) -> None:
    with Session(engine) as session:
        stats = ticket_stats(session=session, since=T0, until=UNTIL)
    assert stats.total == 7
    assert list(stats.by_status.items()) == [
        ("received", 2),
        ("in_progress", 1),
        ("resolved", 1),
        ("rated", 2),
        ("rejected", 1),
    ]
    assert list(stats.by_category.items()) == [("repair", 4), ("noise", 1), ("other", 1), ("sanitation", 1)]
    assert list(stats.by_building.items()) == [("3号楼", 4), ("5号楼", 2), (None, 1)]  # None: no building
    assert sum(stats.by_building.values()) == sum(stats.by_category.values()) == stats.total


def test_medians_satisfaction_and_overdue(engine: Engine, week: dict[str, Ticket]) -> None:
    with Session(engine) as session:
        stats = ticket_stats(session=session, since=T0, until=UNTIL)
    # Accepted in the window after 10, 30, 60 and 120 minutes (the older ticket was accepted before it).
    assert stats.median_accept == timedelta(minutes=45)
    # Resolved in the window after 1, 4, 28 (created before the window) and 48 hours.
    assert stats.resolve_hours == pytest.approx([1, 4, 28, 48])
    assert stats.median_resolve == timedelta(hours=16)
    assert stats.resolved == 4
    assert (stats.rated, stats.satisfied, stats.neutral, stats.unsatisfied) == (3, 1, 1, 1)
    assert stats.satisfaction == pytest.approx(1 / 3)
    # In progress past its resolve deadline, received past its accept deadline; the resolved ticket past its
    # resolve deadline is done, and a deadline equal to `until` has not passed yet.
    assert stats.overdue_now == 2


def test_window_in_another_zone_means_the_same_instants(engine: Engine, week: dict[str, Ticket]) -> None:
    # SQLite compares stored UTC text: a window given in local time must reach it converted.
    with Session(engine) as session:
        utc = ticket_stats(session=session, since=T0, until=UNTIL)
        local = ticket_stats(session=session, since=T0.astimezone(SHANGHAI), until=UNTIL.astimezone(SHANGHAI))
    assert local == utc


def test_narrow_and_empty_windows(engine: Engine, week: dict[str, Ticket]) -> None:
    with Session(engine) as session:
        first_hour = ticket_stats(session=session, since=T0, until=_h(1))  # `until` is exclusive
        empty = ticket_stats(session=session, since=_h(-1000), until=_h(-900))
        with pytest.raises(ValueError, match="aware"):
            ticket_stats(session=session, since=T0.replace(tzinfo=None), until=UNTIL)
    assert first_hour.total == 1 and first_hour.median_accept == timedelta(minutes=10)
    assert first_hour.median_resolve is None and first_hour.rated == 0
    assert empty.total == 0 and empty.by_status == {} and empty.by_building == {}
    assert empty.median_accept is None and empty.median_resolve is None
    assert empty.satisfaction is None and empty.resolve_hours == []


# --- /stats and the weekly summary


def test_stats_text(engine: Engine, week: dict[str, Ticket]) -> None:
    with Session(engine) as session:
        stats = ticket_stats(session=session, since=T0, until=UNTIL)
    text = stats_text(stats, names=NAMES, period="7d", tz=SHANGHAI)
    lines = text.splitlines()
    assert lines[0] == "📊 近7天报事统计（11-16 至 11-23）"
    assert lines[1] == "新报事 7 件｜当前超时 2 件"
    assert lines[2] == "状态：已收到 2 · 处理中 1 · 已解决 1 · 已评价 2 · 已驳回 1"
    assert lines[3] == "分类：设施报修 4 · 噪音扰民 1 · 其他 1 · 环境卫生 1"
    assert lines[4] == "楼栋：3号楼 4 · 5号楼 2 · 未知楼栋 1"
    assert lines[5] == "中位受理：45分钟｜中位解决：16小时（4 件）"
    assert lines[6] == "满意率：33%（3 条评价：满意 1 · 一般 1 · 不满意 1）"
    assert stats_text(stats, names=NAMES, period="本月").startswith("📊 本月报事统计\n")


def test_weekly_summary_is_three_lines(engine: Engine, week: dict[str, Ticket]) -> None:
    with Session(engine) as session:
        stats = ticket_stats(session=session, since=T0, until=UNTIL)
        empty = ticket_stats(session=session, since=_h(-1000), until=_h(-900))
    assert weekly_summary(stats, names=NAMES).splitlines() == [
        "本周新报事 7 件，已解决 4 件；最多的是设施报修（4 件），最多的楼栋是3号楼（4 件）",
        "中位受理 45分钟，中位解决 16小时",
        "满意率 33%（3 条评价），当前超时 2 件",
    ]
    assert weekly_summary(empty, names=NAMES).splitlines() == [
        "本周没有新报事，已解决 0 件",
        "中位受理 —，中位解决 —",
        f"满意率 —（暂无评价），当前超时 {empty.overdue_now} 件",
    ]


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (None, "—"),
        (timedelta(seconds=20), "不到1分钟"),
        (timedelta(minutes=45), "45分钟"),
        (timedelta(hours=3), "3小时"),
        (timedelta(hours=3, minutes=20), "3小时20分"),
        (timedelta(hours=3, minutes=19, seconds=40), "3小时20分"),
        (timedelta(days=2), "2天"),
        (timedelta(days=2, hours=5, minutes=10), "2天5小时"),
    ],
)
def test_duration(delta: timedelta | None, expected: str) -> None:
    assert duration(delta) == expected


def test_breakdown_and_labels() -> None:
    counts = {f"{i}号楼": 10 - i for i in range(1, 9)}
    assert breakdown(counts, {}, limit=3) == "1号楼 9 · 2号楼 8 · 3号楼 7 · 其余 20"
    assert breakdown({}, {}) == "—"
    assert breakdown({"pets": 2}, NAMES) == "pets 2"  # an id the names do not know is shown as is
    assert period_label("30d") == "近30天" and period_label("上周") == "上周"
    # Every state has a name; tickets without a building are shown with the bot's one word for that.
    assert set(STATUS_NAMES) == {s.value for s in TicketStatus}
    assert breakdown({"3号楼": 2, None: 1}, BUILDING_NAMES) == f"3号楼 2 · {texts.UNKNOWN_BUILDING} 1"
    assert building_label(None) == texts.UNKNOWN_BUILDING and building_label("5号楼") == "5号楼"


# --- export


def test_tickets_for_export(engine: Engine, week: dict[str, Ticket]) -> None:
    with Session(engine) as session:
        rows = tickets_for_export(session=session, since=T0, until=UNTIL)
    ids = [r.ticket.id for r in rows]
    expected = ["at_start", "rated", "resolved", "late_work", "late_accept", "waiting", "merged", "rejected"]
    assert ids == [week[key].id for key in expected]  # merged included, the window's end excluded
    by_key = dict(zip(expected, rows, strict=True))
    assert by_key["merged"].ticket.status == S.MERGED

    # Raw values: the people as users, no building as None; the export puts them into words.
    rated = by_key["rated"]
    assert rated.building == "3号楼" and rated.resolver is None  # written without resolved_by
    assert (rated.reporter.id, rated.assignee.id) == (REPORTER, STAFF)
    assert [e.event.to_status for e in rated.events] == [S.RECEIVED, S.ACCEPTED, S.RESOLVED, S.RATED]
    assert [e.actor.id for e in rated.events] == [REPORTER, STAFF, STAFF, REPORTER]
    assert not any(e.by_anonymous_reporter for e in rated.events)

    shy = by_key["late_accept"]
    assert shy.building is None and shy.assignee is None
    # Storage never hands out an anonymous reporter: not as the reporter, not in the history.
    assert shy.reporter is None and shy.ticket.anonymous
    assert [(e.actor and e.actor.id, e.by_anonymous_reporter) for e in shy.events] == [
        (None, True),
        (None, False),  # the bot itself
        (STAFF, False),
    ]
    people = [p for r in rows for p in (r.reporter, r.assignee, r.resolver, *(e.actor for e in r.events))]
    assert SHY not in {p.id for p in people if p is not None}


def test_export_xlsx(engine: Engine, week: dict[str, Ticket]) -> None:
    with Session(engine) as session:
        rows = tickets_for_export(session=session, since=T0, until=UNTIL)
    book = load_workbook(io.BytesIO(export_xlsx(rows, names=NAMES, tz=SHANGHAI)))
    assert book.sheetnames == ["报事", "处理记录"]
    tickets, history = book["报事"], book["处理记录"]
    assert tickets.freeze_panes == "A2" and history.freeze_panes == "A2"
    header = [c.value for c in tickets[1]]
    assert header == [
        "编号", "创建时间", "楼栋", "位置", "分类", "紧急", "状态", "报事人", "负责人", "内容",
        "受理时间", "解决时间", "处理说明", "驳回理由", "评价", "评价说明",
    ]  # fmt: skip
    assert tickets.max_row == 1 + len(rows)
    assert tickets.column_dimensions["J"].width >= 40  # the report text gets room

    table = {
        row[0]: dict(zip(header, row, strict=True)) for row in tickets.iter_rows(min_row=2, values_only=True)
    }
    rated = table[week["rated"].id]
    assert rated["创建时间"] == datetime(2026, 11, 16, 10, 0)  # 02:00 UTC, in Shanghai wall-clock time
    assert rated["解决时间"] == datetime(2026, 11, 16, 14, 0)
    assert (rated["楼栋"], rated["分类"], rated["状态"], rated["评价"]) == (
        "3号楼",
        "设施报修",
        "已评价",
        "满意",
    )
    assert (rated["报事人"], rated["负责人"], rated["处理说明"]) == ("王阿姨", "李师傅", "已更换灯泡")
    assert table[week["merged"].id]["状态"] == "已合并"
    assert table[week["waiting"].id]["紧急"] == "是" and table[week["waiting"].id]["位置"] == "B2车库"
    assert table[week["rejected"].id]["驳回理由"] == "不属于物业范围"

    shy_row = next(r for r in tickets.iter_rows(min_row=2) if r[0].value == week["late_accept"].id)
    content = shy_row[header.index("内容")]
    # A resident's "=…" stays text, and the control character that would break the file is gone.
    assert content.data_type == "s" and content.value == '=HYPERLINK("http://x")垃圾没人收'
    assert shy_row[header.index("报事人")].value == "匿名"

    steps = list(history.iter_rows(min_row=2, values_only=True))
    assert len(steps) == sum(len(r.events) for r in rows) == 7
    assert steps[0] == (week["rated"].id, datetime(2026, 11, 16, 10, 0), "王阿姨", "创建", "已收到", None)
    assert steps[4][2:] == ("匿名", "创建", "已收到", None)
    assert steps[5][2] == "系统"


def test_export_csv(engine: Engine, week: dict[str, Ticket]) -> None:
    with Session(engine) as session:
        rows = tickets_for_export(session=session, since=T0, until=UNTIL)
    data = export_csv(rows, names=NAMES, tz=SHANGHAI)
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 Chinese only with the BOM
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][0] == "编号" and table[0][-1] == "处理记录"
    assert len(table) == 1 + len(rows)
    by_id = {int(r[0]): r for r in table[1:]}
    rated = by_id[week["rated"].id]
    assert rated[1] == "2026-11-16 10:00"
    assert rated[-1] == (
        "2026-11-16 10:00 王阿姨 创建 | 2026-11-16 10:30 李师傅 已收到→已受理 | "
        "2026-11-16 14:00 李师傅 已受理→已解决（已更换灯泡 ｜ 楼道） | "
        "2026-11-16 15:00 王阿姨 已解决→已评价（很快，谢谢）"
    )
    shy = by_id[week["late_accept"].id]
    assert shy[7] == "匿名" and "张三" not in ",".join(shy)
    assert shy[9].startswith("'=HYPERLINK")  # neutralised for spreadsheets
    assert export_csv([], names=NAMES, tz=SHANGHAI).decode("utf-8-sig").count("\n") == 1


def test_the_csv_words_each_moment_by_its_own_local_minute() -> None:
    minutes = _Minutes(SHANGHAI)
    at = T0 + timedelta(seconds=59, microseconds=999_999)
    assert minutes.text(at) == "2026-11-16 09:00"
    assert minutes.text(T0.astimezone(SHANGHAI)) == "2026-11-16 09:00"  # the same minute, however zoned
    assert minutes.text(at + timedelta(microseconds=1)) == "2026-11-16 09:01"
    assert minutes.text(T0 + timedelta(hours=15)) == "2026-11-17 00:00"  # past local midnight


def test_export_streams_what_the_list_holds(engine: Engine, week: dict[str, Ticket]) -> None:
    with Session(engine) as session:
        listed = tickets_for_export(session=session, since=T0, until=UNTIL)
        streamed = iter_export(session=session, since=T0, until=UNTIL)
        assert next(streamed) == listed[0]  # one row at a time, not the whole window first
        assert [listed[0], *streamed] == listed
    # Times come back aware and in UTC, as the models give them.
    assert listed[0].ticket.created_at == week["at_start"].created_at.astimezone(UTC)
    assert all(e.event.at.tzinfo is UTC for r in listed for e in r.events)


def test_read_snapshot_takes_no_write_lock(engine: Engine, week: dict[str, Ticket]) -> None:
    with read_snapshot(engine) as snapshot:
        before = snapshot.exec(select(func.count()).select_from(Ticket)).one()
        # An update commits while the export reads: it neither waits for the reader nor shows in its snapshot.
        with session_scope(engine) as session:
            get_or_create_building(session=session, name="9号楼", now=T0)
            _ticket(session, created=_h(2), building=None)
        assert snapshot.exec(select(func.count()).select_from(Ticket)).one() == before
    with read_snapshot(engine) as snapshot:
        assert snapshot.exec(select(func.count()).select_from(Ticket)).one() == before + 1


def test_an_export_is_claimed_once(engine: Engine) -> None:
    lease, wait = timedelta(minutes=10), timedelta(minutes=1)
    with session_scope(engine) as session:
        queue_export(
            session=session, chat_id=-100, reply_to=7, user_id=STAFF, days=30, csv=True,
            since=T0 - timedelta(days=30), until=T0, notice_outbox_id=None, now=T0,
        )  # fmt: skip
    with session_scope(engine) as session:
        [claimed] = claim_exports(session=session, now=T0, lease=lease, notice_wait=wait)
        assert (claimed.chat_id, claimed.reply_to, claimed.days, claimed.csv) == (-100, 7, 30, True)
        assert claimed.since == T0 - timedelta(days=30) and claimed.until == T0
    with session_scope(engine) as session:
        assert (
            claim_exports(session=session, now=T0 + timedelta(minutes=9), lease=lease, notice_wait=wait) == []
        )
    with session_scope(engine) as session:  # the builder died: its lease ran out, another takes it
        [again] = claim_exports(
            session=session, now=T0 + timedelta(minutes=11), lease=lease, notice_wait=wait
        )
        finish_export(session=session, export=again, now=T0 + timedelta(minutes=12))
    with session_scope(engine) as session:
        assert (
            claim_exports(session=session, now=T0 + timedelta(hours=1), lease=lease, notice_wait=wait) == []
        )


# --- the weekly chart


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_chinese_font_comes_from_the_package() -> None:
    family = charts.cjk_font()
    assert family == "Noto Sans CJK SC"
    path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    assert Path(path).name == "NotoSansCJK-Regular.ttc" and "noto_cjk_sans_otc" in path


def test_weekly_chart_draws_chinese_without_missing_glyphs(
    engine: Engine, week: dict[str, Ticket], caplog: pytest.LogCaptureFixture
) -> None:
    with Session(engine) as session:
        stats = ticket_stats(session=session, since=T0, until=UNTIL)
    assert charts.cjk_font() is not None  # else the chart is drawn in English and proves nothing here
    caplog.set_level(logging.WARNING, logger="matplotlib")
    with warnings.catch_warnings():
        # matplotlib warns "Glyph … missing from font(s)" for every character it would draw as a box.
        warnings.simplefilter("error")
        png = charts.weekly_chart(stats, names=NAMES, title="邻里周报 · 11月16日–11月22日")
    assert not [r for r in caplog.records if r.name.startswith("matplotlib")]  # no font fallback either
    assert _png_size(png) == (1200, 900)
    assert 20_000 < len(png) < 400_000


def test_weekly_chart_with_nothing_to_show() -> None:
    empty = TicketStats(
        since=T0, until=UNTIL, total=0, by_status={}, by_category={}, by_building={}, median_accept=None,
        median_resolve=None, rated=0, satisfied=0, neutral=0, unsatisfied=0, satisfaction=None, overdue_now=0,
        resolve_hours=[],
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _png_size(charts.weekly_chart(empty, names=NAMES, title="邻里周报")) == (1200, 900)


def test_without_a_chinese_font_the_chart_falls_back_to_english(
    engine: Engine, week: dict[str, Ticket], monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(engine) as session:
        stats = ticket_stats(session=session, since=T0, until=UNTIL)
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # English and pinyin only: DejaVu Sans has every glyph
        png = charts.weekly_chart(stats, names=NAMES, title="邻里周报 · 11月16日–11月22日")
    assert _png_size(png) == (1200, 900)
    assert charts._ascii("3号楼") == "3HaoLou" and charts._ascii("B座") == "BZuo"
    assert charts._ascii("报事（紧急）") == "BaoShi?JinJi?"
