from __future__ import annotations

import pytest

from nlp import normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("單元門的閉門器壞了", "单元门的闭门器坏了"),
        ("３号楼ＡＢＣ", "3号楼abc"),
        ("又坏了!!!！！", "又坏了!"),
        ("真的吗？？？", "真的吗?"),
        ("电梯坏了🙄🙄", "电梯坏了"),
        ("电 梯 坏 了", "电梯坏了"),
        ("a\x00b\u200dc", "a b c"),
        ("  \n\t ", ""),
        ("", ""),
        ("。。。", "。"),
        ("KTV音乐", "ktv音乐"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_is_idempotent() -> None:
    text = "３號樓的電梯壞了😡😡！！！ 快來人"
    assert normalize(normalize(text)) == normalize(text)


@pytest.mark.parametrize("text", ["电梯一坏就是好几天", "一坏就没人管", "一 坏"])
def test_simplified_text_is_not_rewritten_by_the_phrase_table(text: str) -> None:
    """Regression: OpenCC t2s turned Simplified "一坏" into "一坯", losing the word 坏."""
    assert "坏" in normalize(text)
    assert normalize(normalize(text)) == normalize(text)
