"""Two problems in one message: where a message is cut in two, and where it is one problem told on."""

from __future__ import annotations

import pytest

from nlp import Classifier, load_default_classifier
from nlp.problems import split_problems


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return load_default_classifier()


TWO = [
    ("电梯坏了，顺便说一下楼道灯也不亮", "电梯坏了", "楼道灯也不亮"),
    ("楼道灯不亮了，另外垃圾桶满了好几天没人倒", "楼道灯不亮了", "垃圾桶满了好几天没人倒"),
    ("门禁坏了，再说一下，电梯也经常停", "门禁坏了", "电梯也经常停"),
    ("楼下车位被占了。还有，楼上天天半夜跺脚", "楼下车位被占了。", "楼上天天半夜跺脚"),
    ("水管漏水了，对了，楼道里有股煤气味", "楼道里有股煤气味", "水管漏水了"),  # the danger first
]


@pytest.mark.parametrize(("text", "primary", "second"), TWO, ids=[case[0][:10] for case in TWO])
def test_a_second_matter_is_cut_off(classifier: Classifier, text: str, primary: str, second: str) -> None:
    problems = split_problems(classifier, text)
    assert problems is not None
    assert (problems.primary_text.rstrip("。"), problems.second_text) == (primary.rstrip("。"), second)


ONE = [
    "楼道灯坏了，另外已经好几天了",  # no second matter, only more about the first
    "地下车库有辆车的电瓶在冒烟，还有焦味",  # 还有 telling more of the same
    "楼道里还有积水",
    "电梯坏了，还有人被困在里面",
    "你说对了，电梯又坏了",
    "麻烦再说一下物业电话",
]


@pytest.mark.parametrize("text", ONE)
def test_one_problem_told_on_stays_one(classifier: Classifier, text: str) -> None:
    assert split_problems(classifier, text) is None
