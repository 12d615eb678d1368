"""/stats, /export and the weekly report, through the core."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from handlers import texts
from tests.support import ADMIN, GROUP_3, RESIDENT, STAFF, STAFF_CHAT, Harness

SHANGHAI = ZoneInfo("Asia/Shanghai")


def setup(h: Harness) -> None:
    h.say(STAFF_CHAT, ADMIN, f"/staff {STAFF.id}")
    h.say(GROUP_3, STAFF, "/bind 3号楼")
    h.say(GROUP_3, RESIDENT, "报事 3号楼电梯坏了")
    h.say(GROUP_3, RESIDENT, "报事 楼下广场舞太吵了")
    h.say(STAFF_CHAT, STAFF, "/accept 1")
    h.say(STAFF_CHAT, STAFF, "/resolve 1 修好了")


def test_stats_for_staff_only(engine) -> None:
    h = Harness(engine)
    setup(h)
    [reply] = h.say(STAFF_CHAT, STAFF, "/stats 30d")
    assert "近30天" in reply.text and "新报事 2 件" in reply.text and "设施报修 1" in reply.text
    [refusal] = h.say(GROUP_3, RESIDENT, "/stats")
    assert refusal.text == texts.DENY_STAFF_ONLY
    [usage] = h.say(STAFF_CHAT, STAFF, "/stats forever")
    assert usage.text == texts.STATS_USAGE


def test_export_xlsx_and_csv(engine) -> None:
    h = Harness(engine)
    setup(h)
    [sheet] = h.say(STAFF_CHAT, STAFF, "/export")
    assert sheet.media is not None and sheet.media.upload is not None
    assert sheet.media.upload.filename.endswith("-30d.xlsx")
    book = load_workbook(io.BytesIO(sheet.media.upload.data))
    assert book.sheetnames == ["报事", "处理记录"] and book["报事"].max_row == 3
    [table] = h.say(STAFF_CHAT, STAFF, "/export 7d csv")
    rows = list(csv.reader(io.StringIO(table.media.upload.data.decode("utf-8-sig"))))
    assert len(rows) == 3 and "修好了" in "".join(rows[1] + rows[2])
    [refusal] = h.say(GROUP_3, RESIDENT, "/export")
    assert refusal.text == texts.DENY_STAFF_ONLY


async def test_weekly_report_posts_once_after_monday_nine(engine) -> None:
    h = Harness(engine, weekly_slot=(0, time(9)))
    sunday_evening = datetime(2026, 11, 22, 20, 0, tzinfo=SHANGHAI)  # 2026-11-23 is a Monday
    h.clock_value = sunday_evening
    setup(h)
    await h.deliveries()
    h.clock_value = sunday_evening + timedelta(hours=12, minutes=59)  # Monday 08:59
    h.core.tick()
    assert [d for d in await h.deliveries() if d.media] == []
    h.clock_value += timedelta(minutes=2)
    h.core.tick()
    h.core.tick()
    reports = [d for d in await h.deliveries() if d.media]
    assert len(reports) == 1
    [report] = reports
    assert report.chat_id == STAFF_CHAT.id and report.media.kind == "photo"
    assert report.media.upload.data.startswith(b"\x89PNG")
    assert report.text.startswith("邻里周报 · 11-16 至 11-22") and len(report.text.splitlines()) == 4
    h.clock_value += timedelta(days=7)
    h.core.tick()
    assert len([d for d in await h.deliveries() if d.media]) == 1  # next week's
