"""The points file: the packaged one loads, and each kind of broken file is named by file, entry, problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.points.book import PointsFileError, default_book, load_book, parse_book

DEFAULT = (Path(__file__).parents[1] / "handlers" / "points" / "default_points.toml").read_text(
    encoding="utf-8"
)


def test_the_packaged_book_holds_the_communitys_rules() -> None:
    book = default_book()
    assert [(r.code, r.amount) for r in book.rules][:5] == [
        ("report", 5),
        ("discussion", 10),
        ("poll", 2),
        ("volunteer", 10),
        ("suggestion", 20),
    ]
    assert [(level.name, level.min) for level in book.levels] == [
        ("居民", 0),
        ("热心居民", 50),
        ("社区达人", 200),
        ("治理专家", 500),
    ]
    assert book.titles_for(500) == ["社区治理标兵"] and book.titles_for(499) == []
    assert book.reward("meal") is not None and book.reward("meal").price == 100
    assert book.hand_rule("议事").code == "discussion" and book.hand_rule("报事") is None
    assert book.level(60)[0].name == "热心居民" and book.level(60)[1].name == "社区达人"
    assert book.level(900)[1] is None


@pytest.mark.parametrize(
    ("change", "entry", "problem"),
    [
        (("amount = 5\n", "amount = 0\n"), "rules[0].amount", "greater than 0"),
        (('code = "poll"', 'code = "report"'), "rules[2] (report)", "used twice"),
        (('code = "poll"', 'code = "vote"'), "rules", "'poll' is missing"),
        (("min = 50", "min = 0"), "levels[1]", "larger than the one before"),
        (('name = "居民"\nmin = 0', 'name = "居民"\nmin = 5'), "levels[0]", "start at min = 0"),
        (("price = 100", "price = 100\ncolour = 1"), "rewards[0].colour", "Extra inputs"),
        (("daily_cap = 15", "daily_cap = 150"), "rules[0] (report)", "daily_cap is larger than monthly_cap"),
        (("[[levels]]", "[[levels]"), "", "not valid TOML"),
        (
            ('words = ["建议", "建议采纳"]', 'words = ["议事"]'),
            "rules[4] (suggestion)",
            "also names discussion",
        ),
    ],
)
def test_a_broken_file_names_the_entry_and_the_problem(
    change: tuple[str, str], entry: str, problem: str
) -> None:
    old, new = change
    assert old in DEFAULT
    with pytest.raises(PointsFileError) as caught:
        parse_book(DEFAULT.replace(old, new, 1), "mine.toml")
    assert caught.value.source == "mine.toml"
    assert caught.value.entry == entry and problem in caught.value.problem


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(PointsFileError, match=r"nope\.toml: cannot be read"):
        load_book(str(tmp_path / "nope.toml"))
