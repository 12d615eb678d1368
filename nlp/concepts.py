"""Concept keys: what a report is about, in words that do not depend on how it was phrased.

楼道灯不亮 and 声控灯坏了 share no character, yet both say {light, broken}. The keys come from the
taxonomy (the parts of its phrases, "电梯+坏" → 电梯, 坏, and the keywords made of them) and from the small
synonym table ``concepts.toml``, which says which of those words are one concept. See that file for the rules.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from nlp.normalize import normalize
from nlp.result import Match
from nlp.taxonomy import PHRASE_SEPARATOR, Taxonomy

CONCEPTS_FILE = "concepts.toml"
_KINDS = ("things", "states")


class ConceptError(ValueError):
    """The synonym table is malformed."""


@dataclass(frozen=True, slots=True)
class Concepts:
    """The synonym table: each word (normalised) and the concept it names."""

    things: Mapping[str, str]
    states: Mapping[str, str]

    def concept_of(self, word: str) -> str:
        """The concept a word names: its group's name, or the word itself when no group lists it."""
        return self.things.get(word) or self.states.get(word) or word


def parse_concepts(text: str, source: str = "<string>") -> Concepts:
    """Read and check a synonym table (the format of ``concepts.toml``)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConceptError(f"{source}: {exc}") from None
    unknown = set(data) - set(_KINDS)
    if unknown:
        raise ConceptError(f"{source}: unknown tables {sorted(unknown)}; use {', '.join(_KINDS)}")
    seen: dict[str, str] = {}
    kinds: dict[str, dict[str, str]] = {}
    for kind in _KINDS:
        groups: Any = data.get(kind, {})
        if not isinstance(groups, dict):
            raise ConceptError(f"{source}: [{kind}] must be a table of concept = [words]")
        words: dict[str, str] = {}
        for name, terms in groups.items():
            where = f"{source}: {kind}.{name}"
            if name in seen.values():
                raise ConceptError(f"{where}: the concept is defined twice")
            if not isinstance(terms, list) or not terms or not all(isinstance(t, str) for t in terms):
                raise ConceptError(f"{where}: must be a non-empty list of words")
            for term in terms:
                word = normalize(term)
                if not word or PHRASE_SEPARATOR in word:
                    raise ConceptError(f"{where}: {term!r} is not a word")
                if word in seen:
                    raise ConceptError(f"{where}: {term!r} is already in {seen[word]}")
                seen[word] = name
                words[word] = name
        kinds[kind] = words
    return Concepts(things=kinds["things"], states=kinds["states"])


@cache
def load_concepts() -> Concepts:
    """The packaged synonym table."""
    text = resources.files(__package__).joinpath(CONCEPTS_FILE).read_text("utf-8")
    return parse_concepts(text, CONCEPTS_FILE)


@dataclass(frozen=True, slots=True)
class _Index:
    concepts: Concepts
    anchors: Mapping[str, frozenset[str]]  # per category: the words a keyword may be made of
    free: tuple[str, ...]  # words that count in a report's own text, longest first


_INDEXES: dict[int, tuple[Taxonomy, _Index]] = {}


def _index(taxonomy: Taxonomy) -> _Index:
    cached = _INDEXES.get(id(taxonomy))
    if cached is not None and cached[0] is taxonomy:
        return cached[1]
    concepts = load_concepts()
    table = frozenset(concepts.things) | frozenset(concepts.states)
    anchors = {
        category.id: table | {part for phrase in category.vocabulary.phrases for part in phrase.parts}
        for category in taxonomy.categories
    }
    free = tuple(sorted((word for word in table if len(word) >= 2), key=len, reverse=True))
    index = _Index(concepts=concepts, anchors=anchors, free=free)
    if len(_INDEXES) >= 8:  # a process has one taxonomy; `linli nlp eval --folds` makes a few
        _INDEXES.clear()
    _INDEXES[id(taxonomy)] = (taxonomy, index)
    return index


def _cover(keyword: str, anchors: frozenset[str]) -> tuple[list[str], str] | None:
    """The anchors a keyword is made of, longest first from the left, and what precedes the first;
    None when something else comes between or after them."""
    longest = max(map(len, anchors), default=0)
    found: list[str] = []
    prefix = ""
    start = 0
    while start < len(keyword):
        word = next(
            (
                keyword[start:end]
                for end in range(min(len(keyword), start + longest), start, -1)
                if keyword[start:end] in anchors
            ),
            None,
        )
        if word is None:
            if found:
                return None
            start += 1
            continue
        if not found:
            prefix = keyword[:start]
        found.append(word)
        start += len(word)
    return (found, prefix) if found else None


def _keyword_keys(keyword: str, category: str, index: _Index) -> list[str]:
    cover = _cover(keyword, index.anchors.get(category, frozenset()))
    if cover is not None:
        words, prefix = cover
        # 楼道灯: a modifier before a thing; 门锁坏 is not just "broken", so states take no modifier.
        if not prefix or words[0] in index.concepts.things:
            return [index.concepts.concept_of(word) for word in words]
    return [keyword]


def concept_keys(text: str, matches: Iterable[Match], taxonomy: Taxonomy) -> frozenset[str]:
    """The concept keys of a report: its normalised text and the classifier's matches for it."""
    index = _index(taxonomy)
    keys: set[str] = set()
    for match in matches:
        if match.weight <= 0:
            continue
        if PHRASE_SEPARATOR in match.keyword:
            parts = (normalize(part) for part in match.keyword.split(PHRASE_SEPARATOR))
            keys.update(index.concepts.concept_of(part) for part in parts if part)
        else:
            keys.update(_keyword_keys(normalize(match.keyword), match.category, index))
    rest = text
    for word in index.free:
        if word in rest:
            keys.add(index.concepts.concept_of(word))
            rest = rest.replace(word, " ")
    return frozenset(keys)
