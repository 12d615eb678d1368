"""A staff-written taxonomy with categories the code has never heard of works without code changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp import Classifier, load_classifier, load_default_classifier, load_taxonomy
from nlp.taxonomy import TAXONOMY_ENV

CUSTOM = """
name = "商铺街区"
fallback = "misc"

[settings]
min_score = 2

[urgency]
threshold = 1

[urgency.keywords]
"打架" = 1

[categories.hygiene]
name = "卫生"
description = "垃圾、油污"

[categories.hygiene.keywords]
"垃圾" = 3
"油污" = 3
"下水道" = 2

[categories.hawkers]
name = "占道经营"

[categories.hawkers.keywords]
"摆摊" = 3
"占道" = 3

[categories.hawkers.phrases]
"摊+人行道" = 2

[categories.hawkers.sla]
accept = "1h"
urgent_accept = "10m"

[categories.misc]
name = "其他事项"
"""


@pytest.fixture
def custom(tmp_path: Path) -> Path:
    path = tmp_path / "street.toml"
    path.write_text(CUSTOM, encoding="utf-8")
    return path


def test_custom_categories(custom: Path) -> None:
    classifier = load_classifier(custom)
    assert classifier.taxonomy.ids == ("hygiene", "hawkers", "misc")
    result = classifier.classify("店门口的垃级和油污没人管")
    assert result.category == "hygiene"
    assert result.category_name == "卫生"
    assert any(m.found == "垃级" and m.how == "pinyin" for m in result.matched)
    assert classifier.classify("人行道上全是摆摊的").category == "hawkers"
    nothing = classifier.classify("今天天气不错")
    assert (nothing.category, nothing.confident) == ("misc", False)
    assert classifier.classify("两个摊主在打架").urgent


def test_custom_sla(custom: Path) -> None:
    taxonomy = load_taxonomy(custom)
    assert taxonomy.sla_for("hawkers", urgent=True)[0].total_seconds() == 600
    assert taxonomy.sla_for("hawkers", urgent=False)[0].total_seconds() == 3600
    assert taxonomy.sla_for("misc", urgent=False)[1].days == 7


def test_environment_variable_replaces_default(custom: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_default_classifier.cache_clear()
    monkeypatch.setenv(TAXONOMY_ENV, str(custom))
    try:
        assert load_default_classifier().taxonomy.ids == ("hygiene", "hawkers", "misc")
    finally:
        load_default_classifier.cache_clear()
    monkeypatch.delenv(TAXONOMY_ENV)
    assert load_default_classifier().taxonomy.fallback == "other"


def test_fuzzy_can_be_switched_off(custom: Path, tmp_path: Path) -> None:
    strict = tmp_path / "strict.toml"
    strict.write_text(CUSTOM.replace("min_score = 2", "min_score = 2\nfuzzy = false"), encoding="utf-8")
    assert Classifier(load_taxonomy(strict)).classify("垃级").category == "misc"
    assert Classifier(load_taxonomy(custom)).classify("垃级").category == "hygiene"
