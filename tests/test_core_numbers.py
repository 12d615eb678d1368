"""/stats, /export and the weekly report, through the core."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlmodel import Session, select

from handlers import texts
from handlers.actions import EditMessage, SendMessage
from handlers.numbers import texts as number_texts
from handlers.tickets.buttons import Rate
from storage.models import PendingExport, Ticket
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


async def export(h: Harness, text: str) -> SendMessage:
    """/export as staff see it: 正在生成… at once; after the clock's tick, the file and the notice edited
    to the result."""
    assert h.say(STAFF_CHAT, STAFF, text) == []  # nothing is built inside the update
    asked = h.last_message_id
    [notice] = await h.deliveries()
    assert isinstance(notice, SendMessage) and notice.text.startswith("正在生成") and notice.reply_to == asked
    h.core.tick()
    [document, edit] = await h.deliveries()
    assert isinstance(document, SendMessage) and document.media is not None and document.media.upload
    assert document.reply_to == asked and document.chat_id == STAFF_CHAT.id
    assert isinstance(edit, EditMessage) and edit.chat_id == STAFF_CHAT.id
    assert "正在生成" not in edit.text and edit.text.startswith("已生成")
    h.core.tick()
    assert await h.deliveries() == []  # built once
    return document


async def test_export_xlsx_and_csv(engine) -> None:
    h = Harness(engine)
    setup(h)
    await h.deliveries()
    sheet = await export(h, "/export")
    assert sheet.media is not None and sheet.media.upload is not None
    assert sheet.media.upload.filename.endswith("-30d.xlsx")
    book = load_workbook(io.BytesIO(sheet.media.upload.data))
    assert book.sheetnames == ["报事", "处理记录"] and book["报事"].max_row == 3
    table = await export(h, "/export 7d csv")
    rows = list(csv.reader(io.StringIO(table.media.upload.data.decode("utf-8-sig"))))
    assert len(rows) == 3 and "修好了" in "".join(rows[1] + rows[2])
    assert table.text == number_texts.EXPORT_CAPTION.format(days=7, count=2)
    [refusal] = h.say(GROUP_3, RESIDENT, "/export")
    assert refusal.text == texts.DENY_STAFF_ONLY
    [usage] = h.say(STAFF_CHAT, STAFF, "/export forever")
    assert usage.text == number_texts.EXPORT_USAGE
    h.core.tick()
    assert [d for d in await h.deliveries() if isinstance(d, SendMessage) and d.media] == []


async def test_export_notice_becomes_the_result(engine) -> None:
    h = Harness(engine)
    setup(h)
    await h.deliveries()
    assert h.say(STAFF_CHAT, STAFF, "/export 7d") == []
    [notice] = await h.deliveries()
    assert notice.text == number_texts.EXPORT_BUILDING.format(days=7)
    h.core.tick()
    sent_before = h.api.calls[: h.api.calls.index(notice)]
    notice_id = 1000 + sum(isinstance(c, SendMessage) for c in sent_before)  # CollectingApi's numbering
    [document, edit] = await h.deliveries()
    assert document.text == number_texts.EXPORT_CAPTION.format(days=7, count=2)
    assert edit == EditMessage(
        chat_id=STAFF_CHAT.id,
        message_id=notice_id,
        text=number_texts.EXPORT_READY.format(days=7, count=2),
    )


async def test_export_is_built_for_the_moment_it_was_asked(engine) -> None:
    """The window is the request's: a report filed before the tick builds the file is not in it."""
    h = Harness(engine)
    setup(h)
    await h.deliveries()
    assert h.say(STAFF_CHAT, STAFF, "/export csv") == []
    await h.deliveries()
    h.advance(timedelta(minutes=1))
    h.say(GROUP_3, RESIDENT, "报事 3号楼门禁坏了")
    h.core.tick()
    [document] = [d for d in await h.deliveries() if isinstance(d, SendMessage) and d.media]
    rows = list(csv.reader(io.StringIO(document.media.upload.data.decode("utf-8-sig"))))
    assert len(rows) == 3 and document.text == number_texts.EXPORT_CAPTION.format(days=30, count=2)


async def test_export_waits_for_its_notice_then_goes_out_without_it(engine) -> None:
    h = Harness(engine)
    setup(h)
    await h.deliveries()
    assert h.say(STAFF_CHAT, STAFF, "/export csv") == []
    h.core.tick()  # the notice has not been sent: the file waits so that the notice can become the result
    with Session(engine) as session:
        assert session.exec(select(PendingExport)).one().done_at is None
    h.advance(timedelta(minutes=2))
    h.core.tick()  # still not sent: the file goes out anyway, and no message is edited
    with Session(engine) as session:
        assert session.exec(select(PendingExport)).one().done_at is not None
    delivered = await h.deliveries()
    assert [d.text.startswith("正在生成") for d in delivered if isinstance(d, SendMessage)] == [True, False]
    assert not [d for d in delivered if isinstance(d, EditMessage)]


async def exported_csv(h: Harness) -> dict[int, dict[str, str]]:
    """/export csv as the staff read it: ticket number → column header → cell."""
    table = await export(h, "/export csv")
    header, *rows = csv.reader(io.StringIO(table.media.upload.data.decode("utf-8-sig")))
    return {int(row[0]): dict(zip(header, row, strict=True)) for row in rows}


async def exported_xlsx(h: Harness) -> dict[int, dict[str, object]]:
    sheet = await export(h, "/export")
    tickets = load_workbook(io.BytesIO(sheet.media.upload.data))[number_texts.EXPORT_TICKETS_SHEET]
    header = [c.value for c in tickets[1]]
    return {
        row[0]: dict(zip(header, row, strict=True)) for row in tickets.iter_rows(min_row=2, values_only=True)
    }


async def test_export_names_whoever_resolved_a_ticket_nobody_accepted(engine) -> None:
    h = Harness(engine)
    setup(h)  # #1 accepted, then resolved; #2 untouched
    h.say(STAFF_CHAT, STAFF, "/resolve 2 已上门劝导")  # straight from 已收到: no 受理, no owner
    await h.deliveries()
    for table in (await exported_csv(h), await exported_xlsx(h)):
        assert table[1][number_texts.EXPORT_COLUMN_ASSIGNEE] == STAFF.first_name
        assert table[2][number_texts.EXPORT_COLUMN_STATUS] == texts.STATUS_NAMES["resolved"]
        assert table[2][number_texts.EXPORT_COLUMN_ASSIGNEE] == STAFF.first_name


async def test_export_urgent_reads_yes_or_no(engine) -> None:
    h = Harness(engine)
    setup(h)
    h.say(GROUP_3, RESIDENT, "报事 5楼楼道里着火了，好多烟！")
    await h.deliveries()
    for table in (await exported_csv(h), await exported_xlsx(h)):
        urgent = {number: row[number_texts.EXPORT_COLUMN_URGENT] for number, row in table.items()}
        assert urgent == {1: "否", 2: "否", 3: "是"}


async def test_export_shows_a_rating_reason_only_with_unsatisfied(engine) -> None:
    h = Harness(engine)
    h.say(private(RESIDENT), RESIDENT, "/start")
    setup(h)
    await h.deliveries()
    h.press(private(RESIDENT), RESIDENT, Rate(1, "unsatisfied").encode())
    h.say(private(RESIDENT), RESIDENT, "电梯还是时好时坏")
    await h.deliveries()
    row = (await exported_csv(h))[1]
    assert row[number_texts.EXPORT_COLUMN_RATING] == "不满意"
    assert row[number_texts.EXPORT_COLUMN_RATING_COMMENT] == "电梯还是时好时坏"

    h.say(STAFF_CHAT, STAFF, "/resolve 1 换了控制板")
    h.press(private(RESIDENT), RESIDENT, Rate(1, "satisfied").encode())
    await h.deliveries()
    row = (await exported_csv(h))[1]
    assert row[number_texts.EXPORT_COLUMN_RATING] == "满意"
    assert row[number_texts.EXPORT_COLUMN_RATING_COMMENT] == ""
    assert "电梯还是时好时坏" in row[number_texts.EXPORT_COLUMN_HISTORY]  # the history still tells it

    # A ticket rated before the workflow cleared the old reason still holds it: the export leaves it out.
    with Session(engine) as session:
        ticket = session.get(Ticket, 1)
        ticket.rating_comment = "电梯还是时好时坏"
        session.add(ticket)
        session.commit()
    for table in (await exported_csv(h), await exported_xlsx(h)):
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
