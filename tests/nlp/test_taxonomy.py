from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from nlp import TaxonomyError, load_taxonomy
from nlp.taxonomy import parse_duration

DEFAULT_IDS = (
    "repair",
    "sanitation",
    "safety",
    "noise",
    "parking",
    "property",
    "dispute",
    "greenery",
    "pets",
    "security",
    "utilities",
    "other",
)

VALID = """
fallback = "other"

[sla]
accept = "24h"
resolve = "7d"
urgent_accept = "30m"
urgent_resolve = "24h"

[urgency.keywords]
"着火" = 1

[categories.noise]
name = "噪音扰民"

[categories.noise.keywords]
"噪音" = 3

[categories.noise.sla]
accept = "2h"

[categories.other]
name = "其他"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mytax.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_taxonomy() -> None:
    taxonomy = load_taxonomy()
    assert taxonomy.ids == DEFAULT_IDS
    assert taxonomy.fallback == "other"
    assert taxonomy.category("noise").name == "噪音扰民"
    assert all(c.name and c.description for c in taxonomy.categories)
    assert sum(len(c.vocabulary.keywords) for c in taxonomy.categories) > 1000
    assert len(taxonomy.urgency.vocabulary) > 50
    with pytest.raises(KeyError, match="unknown category 'nope'"):
        taxonomy.category("nope")


def test_sla() -> None:
    taxonomy = load_taxonomy()
    assert taxonomy.sla_for("noise", urgent=False) == (timedelta(hours=24), timedelta(days=3))
    assert taxonomy.sla_for("other", urgent=False) == (timedelta(hours=24), timedelta(days=7))
    assert taxonomy.sla_for("other", urgent=True) == (timedelta(minutes=30), timedelta(hours=24))
    assert taxonomy.sla_for("safety", urgent=True) == (timedelta(minutes=15), timedelta(hours=12))
    assert taxonomy.sla_for("no-such-category", urgent=True) == (timedelta(minutes=30), timedelta(hours=24))


def test_valid_file_and_overrides(tmp_path: Path) -> None:
    taxonomy = load_taxonomy(write(tmp_path, VALID))
    assert taxonomy.ids == ("noise", "other")
    assert taxonomy.sla_for("noise", urgent=False) == (timedelta(hours=2), timedelta(days=7))
    assert taxonomy.source.endswith("mytax.toml")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("24h", timedelta(hours=24)),
        ("7d", timedelta(days=7)),
        ("1h30m", timedelta(minutes=90)),
        ("2w", timedelta(weeks=2)),
        ("0.5h", timedelta(minutes=30)),
    ],
)
def test_durations(value: str, expected: timedelta) -> None:
    assert parse_duration(value) == expected


@pytest.mark.parametrize(
    ("old", "new", "entry", "problem"),
    [
        ('"噪音" = 3', '"噪音" = "abc"', "category 'noise' keyword '噪音'", "weight must be a number > 0"),
        ('"噪音" = 3', '"噪音" = 0', "category 'noise' keyword '噪音'", "weight must be a number > 0"),
        ('"噪音" = 3', '"噪音" = -2', "category 'noise' keyword '噪音'", "weight must be a number > 0"),
        ('"噪音" = 3', '"噪音" = true', "category 'noise' keyword '噪音'", "weight must be a number > 0"),
        ('"噪音" = 3', '"噪音" = 3\n"🙂" = 1', "category 'noise' keyword '🙂'", "empty after normalisation"),
        ('"噪音" = 3', '"噪音" = 3\n"噪 音" = 1', "category 'noise' keyword '噪 音'", "same as '噪音'"),
        ('"噪音" = 3', '"噪音" = 3\n"吵+" = 1', "category 'noise' keyword '吵+'", "phrases"),
        (
            "[categories.noise.keywords]",
            '[categories.noise.phrases]\n"吵" = 1\n[categories.noise.keywords]',
            "category 'noise' phrase '吵'",
            "two or more non-empty parts",
        ),
        (
            'name = "噪音扰民"',
            'name = "噪音扰民"\nkeywrods = 1',
            "category 'noise' key 'keywrods'",
            "unknown key",
        ),
        ('name = "噪音扰民"', "", "category 'noise'", "missing name"),
        ('fallback = "other"', 'fallback = "misc"', "fallback", "'misc' is not one of the categories"),
        ('fallback = "other"', "", "fallback", "missing"),
        ('resolve = "7d"', 'resolve = "a week"', "[sla] resolve", "cannot read duration 'a week'"),
        ('accept = "2h"', "accept = 2", "category 'noise' sla accept", "cannot read duration 2"),
        (
            "[urgency.keywords]",
            "[urgency]\nthreshold = 0\n[urgency.keywords]",
            "[urgency] threshold",
            "threshold must be a number > 0",
        ),
        (
            'fallback = "other"',
            'fallback = "other"\n[settings]\nmin_confidence = 2',
            "[settings] min_confidence",
            "between 0 and 1",
        ),
        (
            'fallback = "other"',
            'fallback = "other"\n[settings]\nfuzzy = "yes"',
            "[settings] fuzzy",
            "true or false",
        ),
        ('fallback = "other"', 'fallback = "other"\ncolour = "red"', "key 'colour'", "unknown key"),
        ('"噪音" = 3', '"噪音" = 3 3', "", "not valid TOML"),
    ],
)
def test_errors_name_file_entry_and_problem(
    tmp_path: Path, old: str, new: str, entry: str, problem: str
) -> None:
    assert old in VALID
    path = write(tmp_path, VALID.replace(old, new, 1))
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert entry in message
    assert problem in message
    assert caught.value.source == str(path)


def test_no_categories(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match=r"mytax.toml: \[categories\]: no categories defined"):
        load_taxonomy(write(tmp_path, 'fallback = "x"\n'))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match=r"nope\.toml: file not found"):
        load_taxonomy(tmp_path / "nope.toml")


def test_exact_error_message(tmp_path: Path) -> None:
    path = write(tmp_path, VALID.replace('"噪音" = 3', '"噪音" = "loud"'))
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(path)
    assert (
        str(caught.value)
        == f"{path}: category 'noise' keyword '噪音': weight must be a number > 0 (got 'loud')"
    )
