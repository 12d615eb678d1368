from __future__ import annotations

import pytest

from nlp import (
    DUPLICATE_THRESHOLD,
    ReportTerms,
    load_default_classifier,
    report_terms,
    similarity,
    terms_similarity,
)
from nlp.concepts import ConceptError, concept_keys, load_concepts, parse_concepts

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


# Synonyms that share no character: they match through concept keys (nlp/concepts.py, concepts.toml).
SYNONYMS = [
    ("楼道灯不亮", "声控灯坏了"),
    ("电梯停了", "电梯不动"),
    ("感应灯不工作", "3号楼楼道灯坏了"),
    ("路灯灭了", "路灯不亮了"),
    ("电梯卡住了", "电梯停运了"),
]

# Different problems about the same thing, or the same state of different things.
DIFFERENT_ABOUT_ONE_THING = [
    ("电梯坏了", "电梯广告屏太吵"),
    ("电梯坏了", "楼道灯坏了"),
    ("声控灯坏了", "电梯停了"),
    ("楼道灯不亮", "楼道里电动车充电"),
    ("楼道里堆满杂物", "楼道里电动车充电"),
    ("水管漏水", "楼道灯不亮"),
]


@pytest.mark.parametrize(("a", "b"), SYNONYMS)
def test_synonyms_sharing_no_character_are_a_duplicate(a: str, b: str) -> None:
    assert similarity(a, b) >= DUPLICATE_THRESHOLD


@pytest.mark.parametrize(("a", "b"), DIFFERENT_ABOUT_ONE_THING)
def test_one_thing_with_different_problems_is_not(a: str, b: str) -> None:
    assert similarity(a, b) < DUPLICATE_THRESHOLD


def test_concept_keys_of_the_synonym_pairs() -> None:
    light_broken = frozenset({"light", "broken"})
    assert report_terms("楼道灯不亮").concepts == report_terms("声控灯坏了").concepts == light_broken
    elevator_stopped = frozenset({"elevator", "stopped"})
    assert report_terms("电梯停了").concepts == report_terms("电梯不动").concepts == elevator_stopped
    # A state takes no modifier: 门锁坏 stays itself beside "broken"; 停水 is not "stopped".
    assert report_terms("门锁坏了").concepts == {"门锁坏", "broken"}
    assert "stopped" not in report_terms("停水了").concepts


def test_terms_come_from_the_filing_classification_and_survive_storage() -> None:
    classifier = load_default_classifier()
    text = "3号楼的电梯又不动了，困了好久"
    terms = report_terms(text, classifier.classify(text), classifier.taxonomy)
    assert terms == report_terms(text)
    stored = ReportTerms.from_json(terms.to_json())
    assert stored == terms
    assert terms_similarity(stored, report_terms("3号楼电梯坏了")) == similarity(text, "3号楼电梯坏了")


@pytest.mark.parametrize(
    "stored", [None, {}, [], "x", {"v": 0}, {"v": 1, "content": 3}, {"v": 1, "chars": 1}]
)
def test_terms_not_stored_or_malformed_read_as_none(stored: object) -> None:
    assert ReportTerms.from_json(stored) is None


def test_concept_keys_without_matches_come_from_the_text() -> None:
    taxonomy = load_default_classifier().taxonomy
    assert concept_keys("灯不工作了", (), taxonomy) == {"broken"}
    assert concept_keys("停水", (), taxonomy) == frozenset()


def test_the_synonym_table_loads_and_is_checked() -> None:
    concepts = load_concepts()
    assert concepts.concept_of("声控灯") == "声控灯"
    assert concepts.concept_of("灯") == "light" and concepts.concept_of("不亮") == "broken"
    with pytest.raises(ConceptError, match="already in"):
        parse_concepts('[states]\nbroken = ["坏"]\nstopped = ["坏"]')
    with pytest.raises(ConceptError, match="unknown tables"):
        parse_concepts('[verbs]\nbroken = ["坏"]')
    with pytest.raises(ConceptError, match="non-empty list"):
        parse_concepts("[things]\nlight = []")
    with pytest.raises(ConceptError, match="not a word"):
        parse_concepts('[things]\nlight = ["🙂"]')
    with pytest.raises(ConceptError, match="defined twice"):
        parse_concepts('[things]\nlight = ["灯"]\n[states]\nlight = ["坏"]')
