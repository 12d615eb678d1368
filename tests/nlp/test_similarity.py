from __future__ import annotations

import pytest

from nlp import DUPLICATE_THRESHOLD, similarity

SAME_PROBLEM = [
    ("3号楼电梯坏了", "3号楼的电梯又不动了，困了好久"),
    ("3号楼2单元电梯又坏了，按了没反应", "2单元的电梯停了，大家走楼梯吧"),
    ("7号楼电梯故障，按钮没反应", "7号楼电梯按钮按了没反应，是不是坏了"),
    ("5栋停水了", "5栋怎么没水了？"),
    ("楼下垃圾桶满了没人收", "垃圾桶都满出来了，好几天没人清运"),
    ("消防通道被车堵了", "有车停在消防通道上，堵死了"),
    ("楼上装修太吵了", "楼上装修电钻声音太大，吵死了"),
    ("单元门门禁坏了刷不开", "门禁刷卡刷不开，单元门进不去"),
    ("小区停电了", "怎么又停电了，整栋楼都没电"),
    ("有人遛狗不牵绳", "又看到遛狗不拴绳的，太吓人了"),
    ("电梯坏了!!!", "电梯又坏了"),
    ("暖气不热", "暖气片一点都不热，家里好冷"),
]

DIFFERENT_PROBLEMS = [
    ("3号楼电梯坏了", "3号楼楼道灯坏了"),
    ("3号楼电梯坏了", "3号楼停水了"),
    ("垃圾桶满了", "楼道里有老鼠"),
    ("楼上装修太吵了", "楼上漏水到我家"),
    ("我的车位被占了", "小区里车开得太快"),
    ("停水了", "停电了"),
    ("电梯坏了", "电梯里有狗屎"),
    ("楼道灯坏了", "楼道里堆满杂物"),
    ("有人遛狗不牵绳", "楼下狗叫了一晚上"),
    ("门禁坏了", "门口保安不在岗"),
    ("3号楼电梯坏了", "3号楼电梯广告太吵"),
    ("物业费太贵了", "物业客服不接电话"),
    ("小区停电了", "电动车在楼道充电"),
    ("暖气不热", "热水器没热水"),
    ("草坪没人修剪", "花坛里的花枯死了"),
]


@pytest.mark.parametrize(("a", "b"), SAME_PROBLEM)
def test_same_problem_in_other_words_is_a_duplicate(a: str, b: str) -> None:
    assert similarity(a, b) >= DUPLICATE_THRESHOLD


@pytest.mark.parametrize(("a", "b"), DIFFERENT_PROBLEMS)
def test_different_problems_are_not(a: str, b: str) -> None:
    assert similarity(a, b) < DUPLICATE_THRESHOLD


def test_range_symmetry_and_identity() -> None:
    pairs = SAME_PROBLEM + DIFFERENT_PROBLEMS
    for a, b in pairs:
        score = similarity(a, b)
        assert 0.0 <= score <= 1.0
        assert score == similarity(b, a)
    assert similarity("電梯壞了！！", "电梯坏了") == 1.0
    assert similarity("", "电梯坏了") == 0.0
    assert similarity("🙂", "🙂") == 0.0
