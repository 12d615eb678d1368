from __future__ import annotations

import dataclasses

import pytest

from nlp import Classification, Classifier, load_default_classifier, load_taxonomy
from tests.nlp.cases import CASES, NO_SIGNAL


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return load_default_classifier()


@pytest.mark.parametrize(("text", "expected", "also_ok", "urgent"), CASES, ids=[c[0][:12] for c in CASES])
def test_resident_messages(
    classifier: Classifier, text: str, expected: str, also_ok: tuple[str, ...], urgent: bool
) -> None:
    result = classifier.classify(text)
    assert result.category in (expected, *also_ok), result.explain()
    assert result.urgent is urgent, result.explain()


def test_cases_cover_every_category(classifier: Classifier) -> None:
    assert {case[1] for case in CASES} == set(classifier.taxonomy.ids)


@pytest.mark.parametrize("text", NO_SIGNAL)
def test_no_signal_is_not_confident(classifier: Classifier, text: str) -> None:
    result = classifier.classify(text)
    assert not result.confident
    assert result.category in classifier.taxonomy.ids


def test_nothing_matched_gives_fallback(classifier: Classifier) -> None:
    result = classifier.classify("看图")
    assert result.category == "other"
    assert result.confidence == 0.0
    assert result.top == (("other", 0.0),)
    assert result.matched == ()


def test_bare_complaint_guesses_but_is_not_confident(classifier: Classifier) -> None:
    result = classifier.classify("又坏了!!!")
    assert result.category == "repair"
    assert not result.confident


def _found(result: Classification, keyword: str) -> list[tuple[str, str]]:
    return [(m.found, m.how) for m in result.matched if m.keyword == keyword]


@pytest.mark.parametrize(
    ("text", "keyword", "typo"),
    [
        ("电悌门关不上了", "电梯", "电悌"),
        ("楼到里全是杂物", "楼道", "楼到"),
        ("门口垃级没人收", "垃圾", "垃级"),
        ("燥音太大了吧", "噪音", "燥音"),
        ("物页的人呢", "物业", "物页"),
        ("我的车味被人占了", "车位", "车味"),
    ],
)
def test_homophone_typos_match_by_pinyin(classifier: Classifier, text: str, keyword: str, typo: str) -> None:
    result = classifier.classify(text)
    # The typo may also complete a longer keyword (电悌门 → 电梯门); either way it is matched by sound.
    assert any(m.how == "pinyin" and typo in m.found and keyword in m.keyword for m in result.matched), (
        result.explain()
    )


def test_one_character_typo_in_long_keyword(classifier: Classifier) -> None:
    result = classifier.classify("消防通到被车堵死了")
    assert result.category == "safety"
    assert any(m.keyword == "消防通道" and m.found == "消防通到" for m in result.matched)


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("楼到底有几层", "楼道"),  # 到底 is a word: 楼道 must not be read into 楼到底
        ("给物业打电话没人接", "电梯"),  # 电话 is not a typo of 电梯
        ("在家看电视", "电梯"),
        ("有人砸到我家车了", "滴到我家"),  # 砸/滴 do not sound alike
        ("安全出行很重要", "安全出口"),  # 出行 is a common word
    ],
)
def test_common_words_do_not_fuzz_into_keywords(classifier: Classifier, text: str, keyword: str) -> None:
    assert _found(classifier.classify(text), keyword) == []


def test_traditional_fullwidth_and_emoji(classifier: Classifier) -> None:
    result = classifier.classify("３號樓的電梯壞了😡😡！！！")
    assert result.category == "repair"
    assert result.location is not None and result.location.building == "3号楼"
    assert any("电梯" in m.keyword for m in result.matched)


def test_numbers_match_only_as_whole_numbers(classifier: Classifier) -> None:
    assert classifier.classify("1102").matched == ()
    # The keyword itself, not the category: the learned model may call a call to the police urgent, and an
    # urgent report leans to safety.
    matched = classifier.classify("刚才打了110报警").matched
    assert ("110", "security") in [(m.keyword, m.category) for m in matched]


def test_negative_keyword_subtracts(classifier: Classifier) -> None:
    result = classifier.classify("消防通道上停满了车")
    assert result.category == "safety"
    assert any(m.category == "parking" and m.weight < 0 for m in result.matched)


def test_longest_keyword_wins(classifier: Classifier) -> None:
    result = classifier.classify("充电桩坏了")
    keywords = {m.keyword for m in result.matched}
    assert "充电桩" in keywords and "充电" not in keywords


def test_result_shape(classifier: Classifier) -> None:
    result = classifier.classify("3号楼2单元1102 楼上漏水，天花板都泡了，快来人")
    assert 0.0 <= result.confidence <= 1.0
    assert 1 <= len(result.top) <= 3
    scores = [score for _, score in result.top]
    # A category the learned model chose comes first, with its keyword score; the others best first.
    ranked = scores[1:] if result.category_learned else scores
    assert ranked == sorted(ranked, reverse=True)
    assert result.top[0][0] == result.category
    assert result.category_name == load_taxonomy().category(result.category).name
    assert all(m.how in ("exact", "pinyin", "fuzzy") for m in result.matched)
    assert result.location is not None and str(result.location) == "3号楼2单元1102"
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.category = "x"  # type: ignore[misc]


def test_explain_is_readable(classifier: Classifier) -> None:
    text = classifier.classify("8栋有户人家阳台在冒黑烟！！好像着火了").explain()
    assert "安全隐患 (safety)" in text
    assert "紧急: 是" in text
    assert "冒烟" in text or "黑烟" in text
    assert "位置: 8栋" in text
    assert str(classifier.classify("看图")).startswith("类别: 其他 (other)")


def test_default_classifier_is_cached() -> None:
    assert load_default_classifier() is load_default_classifier()


def test_long_input_is_capped(classifier: Classifier) -> None:
    limit = classifier.taxonomy.settings.max_chars
    text = "今天天气不错。" * (limit // 7 + 10) + "电梯坏了"
    assert classifier.classify(text).category == "other"
    assert classifier.classify("电梯坏了" + text).category == "repair"
