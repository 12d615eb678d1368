"""/stats, /export and the weekly report, through the core."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlmodel import Session

from handlers import texts
from handlers.numbers import texts as number_texts
from handlers.tickets.buttons import Rate
from storage.models import Ticket
from tests.support import ADMIN, GROUP_3, RESIDENT, STAFF, STAFF_CHAT, Harness, private

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
    assert usage.text == number_texts.STATS_USAGE


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


def exported_csv(h: Harness) -> dict[int, dict[str, str]]:
    """/export csv as the staff read it: ticket number → column header → cell."""
    [table] = h.say(STAFF_CHAT, STAFF, "/export csv")
    header, *rows = csv.reader(io.StringIO(table.media.upload.data.decode("utf-8-sig")))
    return {int(row[0]): dict(zip(header, row, strict=True)) for row in rows}


def exported_xlsx(h: Harness) -> dict[int, dict[str, object]]:
    [sheet] = h.say(STAFF_CHAT, STAFF, "/export")
    tickets = load_workbook(io.BytesIO(sheet.media.upload.data))[number_texts.EXPORT_TICKETS_SHEET]
    header = [c.value for c in tickets[1]]
    return {
        row[0]: dict(zip(header, row, strict=True)) for row in tickets.iter_rows(min_row=2, values_only=True)
    }


def test_export_names_whoever_resolved_a_ticket_nobody_accepted(engine) -> None:
    h = Harness(engine)
    setup(h)  # #1 accepted, then resolved; #2 untouched
    h.say(STAFF_CHAT, STAFF, "/resolve 2 已上门劝导")  # straight from 已收到: no 受理, no owner
    for table in (exported_csv(h), exported_xlsx(h)):
        assert table[1][number_texts.EXPORT_COLUMN_ASSIGNEE] == STAFF.first_name
        assert table[2][number_texts.EXPORT_COLUMN_STATUS] == texts.STATUS_NAMES["resolved"]
        assert table[2][number_texts.EXPORT_COLUMN_ASSIGNEE] == STAFF.first_name


def test_export_urgent_reads_yes_or_no(engine) -> None:
    h = Harness(engine)
    setup(h)
    h.say(GROUP_3, RESIDENT, "报事 5楼楼道里着火了，好多烟！")
    for table in (exported_csv(h), exported_xlsx(h)):
        urgent = {number: row[number_texts.EXPORT_COLUMN_URGENT] for number, row in table.items()}
        assert urgent == {1: "否", 2: "否", 3: "是"}


async def test_export_shows_a_rating_reason_only_with_unsatisfied(engine) -> None:
    h = Harness(engine)
    h.say(private(RESIDENT), RESIDENT, "/start")
    setup(h)
    await h.deliveries()
    h.press(private(RESIDENT), RESIDENT, Rate(1, "unsatisfied").encode())
    h.say(private(RESIDENT), RESIDENT, "电梯还是时好时坏")
    row = exported_csv(h)[1]
    assert row[number_texts.EXPORT_COLUMN_RATING] == "不满意"
    assert row[number_texts.EXPORT_COLUMN_RATING_COMMENT] == "电梯还是时好时坏"

    h.say(STAFF_CHAT, STAFF, "/resolve 1 换了控制板")
    h.press(private(RESIDENT), RESIDENT, Rate(1, "satisfied").encode())
    row = exported_csv(h)[1]
    assert row[number_texts.EXPORT_COLUMN_RATING] == "满意"
    assert row[number_texts.EXPORT_COLUMN_RATING_COMMENT] == ""
    assert "电梯还是时好时坏" in row[number_texts.EXPORT_COLUMN_HISTORY]  # the history still tells it

    # A ticket rated before the workflow cleared the old reason still holds it: the export leaves it out.
    with Session(engine) as session:
        ticket = session.get(Ticket, 1)
        ticket.rating_comment = "电梯还是时好时坏"
        session.add(ticket)
        session.commit()
    for table in (exported_csv(h), exported_xlsx(h)):
        assert table[1][number_texts.EXPORT_COLUMN_RATING] == "满意"
        assert table[1][number_texts.EXPORT_COLUMN_RATING_COMMENT] in ("", None)


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
