"""The household roll sent as an Excel file in the private chat, end to end on both adapters: the worker
fetches it from the sandbox (getFile, then the file) and the core imports it as it would a paste."""

from __future__ import annotations

import io

from openpyxl import Workbook

from bot.playground import Playground
from handlers.owners import texts
from tests.e2e.test_foundation import staff_and_building

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def roll_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (
        ["单元", "房号", "面积", "业主姓名", "Telegram ID"],
        [1, 501, 100, "张阿姨", 1003],
        [1, 502, 89.5, "陈姐", None],
        [1, 503, "100.25", "刘先生", None],
    ):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_staff_send_the_roll_as_an_xlsx_file(pg: Playground) -> None:
    await staff_and_building(pg)
    staff = pg.actor("王师傅").id
    pg.sandbox.send_document(
        chat_id=staff,
        user_id=staff,
        data=roll_xlsx(),
        file_name="3号楼业主名单.xlsx",
        mime_type=XLSX_TYPE,
        caption="/roll 3号楼",
    )
    imported = await pg.sandbox.wait_message("已导入 3号楼", chat_id=staff)
    assert imported["text"] == texts.ROLL_IMPORTED.format(
        building="3号楼", added=3, updated=0, unchanged=0, households=3, area="289.75"
    )
    assert await pg.sandbox.wait_calls("getFile")
    pg.say("王师傅", "私聊", texts.BTN_DONE)
    await pg.sandbox.wait_message("3号楼 的名单已保存：共 3 户，业主 3 人，总面积 289.75㎡", chat_id=staff)


async def test_an_old_xls_file_gets_one_line_and_is_not_fetched(pg: Playground) -> None:
    await staff_and_building(pg)
    staff = pg.actor("王师傅").id
    pg.sandbox.send_document(
        chat_id=staff, user_id=staff, data=b"\xd0\xcf\x11\xe0", file_name="名单.xls", caption="/roll 3号楼"
    )
    said = await pg.sandbox.wait_message(texts.ROLL_FILE_TYPE[:8], chat_id=staff)
    assert said["text"] == texts.ROLL_FILE_TYPE
    assert not pg.sandbox.calls_of("getFile")


async def test_a_failed_download_asks_for_the_file_again_and_the_next_one_goes_in(pg: Playground) -> None:
    await staff_and_building(pg)
    staff = pg.actor("王师傅").id
    pg.sandbox.fail_next("getFile", error_code=502)
    pg.sandbox.send_document(
        chat_id=staff, user_id=staff, data=roll_xlsx(), file_name="名单.xlsx", caption="/roll 3号楼"
    )
    said = await pg.sandbox.wait_message(texts.ROLL_FILE_MISSING, chat_id=staff)
    assert said["text"] == texts.ROLL_FILE_MISSING
    # The /roll flow is open: the file sent again, without a caption, is imported.
    pg.sandbox.send_document(chat_id=staff, user_id=staff, data=roll_xlsx(), file_name="名单.xlsx")
    await pg.sandbox.wait_message("已导入 3号楼：新增 3 户", chat_id=staff)
