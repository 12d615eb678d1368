"""A household roll sent as a file in the private chat: the intake carries the document, the worker fetches
a small roll file's content for the core, and the core imports a CSV or XLSX all or nothing, as a paste."""

from __future__ import annotations

import asyncio
import io
import itertools
from typing import Any

import pytest
from openpyxl import Workbook

from bot.delivery import Transient
from bot.intake.updates import to_event
from bot.intake.workers import Workers
from handlers import texts as common
from handlers.actions import Action
from handlers.events import ChatRef, Document, IncomingMessage, Person
from handlers.owners import texts
from handlers.owners.roll import FILE_LIMIT, read_rows, wants_content
from tests.support import ADMIN, GROUP_3, RESIDENT, STAFF, STAFF_CHAT, Harness, private

HEADER = ["单元", "房号", "面积", "业主姓名", "Telegram ID"]
ROWS = [[1, 501, 89.5, "张阿姨", None], [1, 502, "100.25", "刘大爷", None], [2, 601, 120, "陈先生", 1234]]
IMPORTED = texts.ROLL_IMPORTED.format(
    building="3号楼", added=3, updated=0, unchanged=0, households=3, area="309.75"
)
_ids = itertools.count(10_000)


def xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.create_sheet("备注").append(["这张表不读"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8-sig") -> bytes:
    lines = (",".join("" if cell is None else str(cell) for cell in row) for row in rows)
    return "\r\n".join(lines).encode(encoding)


def send_file(
    h: Harness, chat: ChatRef, who: Person, name: str, data: bytes | None, caption: str = ""
) -> list[Action]:
    size = len(data) if data is not None else None
    event = IncomingMessage(
        update_id=next(_ids),
        chat=chat,
        sender=who,
        message_id=next(_ids),
        text=caption,
        document=Document(file_id=f"BQ{next(_ids)}", file_name=name, mime_type=None, size=size, data=data),
    )
    return h.core.handle(event)


@pytest.fixture
def h(engine) -> Harness:
    h = Harness(engine)
    h.say(private(STAFF), STAFF, "/start")
    h.say(STAFF_CHAT, ADMIN, f"/staff {STAFF.id}")
    h.say(private(RESIDENT), RESIDENT, "/start")
    return h


def test_an_xlsx_with_the_roll_command_as_caption_is_imported(h: Harness) -> None:
    [answer] = send_file(h, private(STAFF), STAFF, "3号楼名单.XLSX", xlsx([HEADER, *ROWS]), "/roll 3号楼")
    assert answer.text == IMPORTED
    # The flow is open: 完成 gives the roll's totals, as after a paste.
    [saved] = h.say(private(STAFF), STAFF, texts.BTN_DONE)
    assert saved.text.startswith("3号楼 的名单已保存：共 3 户，业主 3 人，总面积 309.75㎡。")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_a_csv_sent_while_the_roll_flow_is_open_is_imported(h: Harness, encoding: str) -> None:
    h.say(private(STAFF), STAFF, "/roll 3号楼")
    [answer] = send_file(h, private(STAFF), STAFF, "roll.csv", csv_bytes([HEADER, *ROWS], encoding))
    assert answer.text == IMPORTED
    # Sent again it changes nothing.
    [again] = send_file(h, private(STAFF), STAFF, "roll.csv", csv_bytes(ROWS, encoding))
    assert "没变 3 户" in again.text


def test_a_bad_file_is_explained_and_nothing_is_imported(h: Harness) -> None:
    rows = [HEADER, [1, 501, 89.5, "张阿姨"], [1, 502, "八十", "刘大爷"]]
    [answer] = send_file(h, private(STAFF), STAFF, "roll.xlsx", xlsx(rows), "/roll 3号楼")
    assert answer.text.splitlines() == [
        "这一批没有导入，请改好再发：",
        "第 3 行：" + texts.ROLL_BAD_AREA.format(area="八十"),
    ]
    assert h.say(private(STAFF), STAFF, texts.BTN_DONE)[0].text == texts.ROLL_NOTHING.format(building="3号楼")


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("roll.xls", b"\xd0\xcf\x11\xe0", texts.ROLL_FILE_TYPE),
        ("照片.pdf", b"%PDF-1.4", texts.ROLL_FILE_TYPE),
        ("roll.xlsx", b"not a zip", texts.ROLL_FILE_UNREADABLE),
        ("roll.csv", b"\xff\xfe\x00\xd8\x00\xdc", texts.ROLL_FILE_UNREADABLE),
        ("roll.xlsx", None, texts.ROLL_FILE_MISSING),  # the download failed
        ("roll.csv", b"1" * (FILE_LIMIT + 1), texts.ROLL_FILE_TOO_BIG),
    ],
)
def test_files_that_cannot_be_read_get_one_line(h: Harness, name: str, data: bytes | None, said: str) -> None:
    h.say(private(STAFF), STAFF, "/roll 3号楼")
    [answer] = send_file(h, private(STAFF), STAFF, name, data)
    assert answer.text == said
    assert "\n" not in said


def test_a_residents_file_is_refused_as_the_command_is(h: Harness) -> None:
    [answer] = send_file(h, private(RESIDENT), RESIDENT, "roll.xlsx", xlsx(ROWS), "/roll 3号楼")
    assert answer.text == common.DENY_STAFF_ONLY
    [answer] = send_file(h, GROUP_3, STAFF, "roll.xlsx", xlsx(ROWS), "/roll 3号楼")
    assert answer.text == texts.ROLL_PRIVATE_ONLY


def test_the_help_text_says_files_can_be_sent() -> None:
    assert ".xlsx" in texts.ROLL_ASK and "读不了" not in texts.ROLL_ASK
    assert ".xlsx" in texts.ROLL_USAGE


def test_read_rows_takes_the_first_sheet_and_strips_nothing_else() -> None:
    assert read_rows(xlsx([HEADER, ROWS[0]]), "a.xlsx") == [HEADER, ["1", "501", "89.5", "张阿姨", ""]]
    assert read_rows(csv_bytes([["1", "501", "89.5", "张阿姨"]]), "a.csv") == [["1", "501", "89.5", "张阿姨"]]


# --- the intake and the worker


def test_the_intake_carries_a_document() -> None:
    update = {
        "update_id": 5,
        "message": {
            "message_id": 9,
            "date": 1_700_000_000,
            "chat": {"id": 42, "type": "private", "first_name": "王师傅"},
            "from": {"id": 42, "is_bot": False, "first_name": "王师傅"},
            "caption": "/roll 3号楼",
            "document": {
                "file_id": "BQ1",
                "file_unique_id": "u1",
                "file_name": "名单.xlsx",
                "mime_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "file_size": 4096,
            },
        },
    }
    event = to_event(update)
    assert isinstance(event, IncomingMessage)
    assert event.text == "/roll 3号楼"
    assert event.document == Document(
        "BQ1", "名单.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 4096
    )
    # Only the id is required.
    update["message"]["document"] = {"file_id": "BQ2"}
    event = to_event(update)
    assert isinstance(event, IncomingMessage)
    assert event.document == Document("BQ2")
    del update["message"]["document"]
    event = to_event(update)
    assert isinstance(event, IncomingMessage)
    assert event.document is None


def test_document_content_stays_out_of_its_repr() -> None:
    assert "secret" not in repr(Document("BQ1", "a.csv", data=b"secret"))


@pytest.mark.parametrize(
    ("name", "size", "wanted"),
    [
        ("a.csv", 10, True),
        ("A.XLSX", None, True),
        ("a.xlsx", FILE_LIMIT, True),
        ("a.xlsx", FILE_LIMIT + 1, False),
        ("a.xls", 10, False),  # openpyxl cannot read it: the handler explains without the bytes
        ("a.pdf", 10, False),
    ],
)
def test_which_documents_are_fetched(name: str, size: int | None, wanted: bool) -> None:
    assert wants_content(Document("BQ1", name, size=size)) is wanted


class Downloads:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.asked: list[str] = []

    async def download(self, file_id: str) -> bytes:
        self.asked.append(file_id)
        if self.fail:
            raise Transient("502 Bad Gateway")
        return b"1,501,89.5,A"


def _fetcher(api: Downloads) -> Workers:
    workers = object.__new__(Workers)
    workers.api = api  # type: ignore[assignment]
    return workers


def _doc_message(chat: ChatRef, name: str = "roll.csv") -> IncomingMessage:
    return IncomingMessage(1, chat, STAFF, 2, document=Document("BQ9", name, size=12))


def test_the_worker_fetches_a_private_roll_file_and_only_that() -> None:
    api = Downloads()
    fetched = asyncio.run(_fetcher(api)._fetch(_doc_message(private(STAFF))))
    assert isinstance(fetched, IncomingMessage) and fetched.document is not None
    assert fetched.document.data == b"1,501,89.5,A"
    for event in (_doc_message(GROUP_3), _doc_message(private(STAFF), "photo.pdf")):
        assert asyncio.run(_fetcher(api)._fetch(event)) is event
    assert api.asked == ["BQ9"]


def test_a_failed_download_hands_the_event_on_without_content(caplog: pytest.LogCaptureFixture) -> None:
    event = _doc_message(private(STAFF))
    assert asyncio.run(_fetcher(Downloads(fail=True))._fetch(event)) is event
    assert "Transient" in caplog.text and "1,501" not in caplog.text


def test_a_roll_file_without_the_command_asks_which_building(h: Harness) -> None:
    [answer] = send_file(h, private(STAFF), STAFF, "roll.xlsx", xlsx(ROWS))
    assert answer.text == texts.ROLL_FILE_WHICH
    # A resident's file is not a roll to them: the usual help.
    [answer] = send_file(h, private(RESIDENT), RESIDENT, "roll.xlsx", xlsx(ROWS))
    assert answer.text != texts.ROLL_FILE_WHICH
