from __future__ import annotations

import pytest

from handlers.parsing import Command, first_int, parse_command, strip_mention, strip_report_prefix
from handlers.reports import texts as report_texts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start", Command("start", "")),
        ("/Resolve 12 已修好", Command("resolve", "12 已修好")),
        ("/bind@linli_bot 3号楼", Command("bind", "3号楼")),
        ("/bind@LINLI_BOT 3号楼", Command("bind", "3号楼")),
        ("/bind@other_bot 3号楼", None),
        ("报事 /bind", None),
        ("/报事", None),
        ("/", None),
    ],
)
def test_parse_command(text: str, expected: Command | None) -> None:
    assert parse_command(text, "linli_bot") == expected


@pytest.mark.parametrize(
    ("text", "body"),
    [
        ("报事 电梯坏了", "电梯坏了"),
        ("#报事：电梯坏了", "电梯坏了"),
        ("＃报事 电梯", "电梯"),
        ("报事", ""),
        ("我要报事", None),
    ],
)
def test_report_prefix(text: str, body: str | None) -> None:
    assert strip_report_prefix(text, report_texts.REPORT_PREFIXES) == body


def test_mention_is_whole_word() -> None:
    assert strip_mention("@linli_bot 电梯坏了", "linli_bot") == "电梯坏了"
    assert strip_mention("@linli_botx 电梯坏了", "linli_bot") is None


@pytest.mark.parametrize(("text", "parsed"), [("12 已修好", (12, "已修好")), ("#7", (7, "")), ("abc", None)])
def test_first_int(text: str, parsed: tuple[int, str] | None) -> None:
    assert first_int(text) == parsed
