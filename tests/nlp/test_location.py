from __future__ import annotations

import pytest

from nlp import Location, extract_location, normalize
from nlp.location import chinese_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3号楼2单元1102", Location(building="3号楼", unit="2单元", room="1102")),
        ("5栋", Location(building="5栋")),
        ("12幢门口", Location(building="12幢")),
        ("B区7号楼", Location(area="B区", building="7号楼")),
        ("一单元", Location(unit="1单元")),
        ("8栋顶楼1802漏水", Location(building="8栋", room="1802")),
        ("三号楼", Location(building="3号楼")),
        ("十二栋楼下", Location(building="12栋")),
        ("３号樓２單元", Location(building="3号楼", unit="2单元")),
        ("3-2-1102 漏水", Location(building="3号楼", unit="2单元", room="1102")),
        ("3栋东单元", Location(building="3栋", unit="东单元")),
        ("二期那边", Location(area="2期")),
        ("A座电梯", Location(building="A座")),
        ("楼上1202卫生间漏水", Location(room="1202")),
        ("1502家的狗", Location(room="1502")),
        ("6栋802家里水管爆了", Location(building="6栋", room="802")),
        ("5栋2单元302住户", Location(building="5栋", unit="2单元", room="302")),
    ],
)
def test_locations(text: str, expected: Location) -> None:
    assert extract_location(normalize(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "停车管理费从150涨到300",
        "住18楼",
        "星期二",
        "社区什么时候体检",
        "两栋楼之间",
        "今天1点",
        "小区门口",
        "",
    ],
)
def test_no_location(text: str) -> None:
    assert extract_location(normalize(text)) is None


def test_location_prints_compactly() -> None:
    assert str(Location(area="B区", building="7号楼", unit="2单元", room="1102")) == "B区7号楼2单元1102"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("三", 3),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十一", 21),
        ("一百零二", 102),
        ("一一零二", 1102),
        ("12", 12),
        ("东", None),
    ],
)
def test_chinese_numbers(text: str, value: int | None) -> None:
    assert chinese_number(text) == value
