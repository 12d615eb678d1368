"""Writing a :class:`Taxonomy` back to TOML (``linli nlp mine`` output, reviewed and edited by staff)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import fields
from datetime import timedelta

from nlp.taxonomy import Keyword, MiningSettings, Phrase, Settings, Sla, Taxonomy, Vocabulary

_UNITS = (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def format_duration(value: timedelta) -> str:
    seconds = round(value.total_seconds())
    for unit, size in _UNITS:
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _key(text: str) -> str:
    # JSON string escapes are a subset of TOML basic-string escapes.
    return json.dumps(text, ensure_ascii=False)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4g}" if value != int(value) else str(int(value))
    if isinstance(value, int):
        return str(value)
    return _key(str(value))


def _terms(table: str, terms: Iterable[Keyword | Phrase]) -> list[str]:
    items = sorted(terms, key=lambda term: (-term.weight, term.label))
    if not items:
        return []
    return ["", f"[{table}]", *(f"{_key(term.label)} = {_value(term.weight)}" for term in items)]


def _vocabulary(prefix: str, vocabulary: Vocabulary) -> list[str]:
    return [
        *_terms(f"{prefix}.keywords", vocabulary.keywords),
        *_terms(f"{prefix}.phrases", vocabulary.phrases),
        *_terms(f"{prefix}.negative", vocabulary.negative),
    ]


def _sla(table: str, sla: Sla, base: Sla | None) -> list[str]:
    lines = [
        f"{f.name} = {_key(format_duration(getattr(sla, f.name)))}"
        for f in fields(Sla)
        if base is None or getattr(sla, f.name) != getattr(base, f.name)
    ]
    return ["", f"[{table}]", *lines] if lines else []


def taxonomy_to_toml(taxonomy: Taxonomy, comments: Iterable[str] = ()) -> str:
    lines = [f"# {line}" if line else "#" for line in comments]
    lines += ["", "version = 1", f"fallback = {_key(taxonomy.fallback)}", "", "[settings]"]
    lines += [f"{f.name} = {_value(getattr(taxonomy.settings, f.name))}" for f in fields(Settings)]
    lines += _sla("sla", taxonomy.sla, None)
    lines += ["", "[mining]"]
    lines += [f"{f.name} = {_value(getattr(taxonomy.mining, f.name))}" for f in fields(MiningSettings)]
    lines += ["", "[urgency]", f"threshold = {_value(taxonomy.urgency.threshold)}"]
    lines += [f"learned = {_value(taxonomy.urgency.learned)}"]
    lines += _vocabulary("urgency", taxonomy.urgency.vocabulary)
    for category in taxonomy.categories:
        prefix = f"categories.{_key(category.id)}"
        lines += [
            "",
            f"[{prefix}]",
            f"name = {_key(category.name)}",
            f"description = {_key(category.description)}",
        ]
        lines += _sla(f"{prefix}.sla", category.sla, taxonomy.sla)
        lines += _vocabulary(prefix, category.vocabulary)
    return "\n".join(lines) + "\n"
