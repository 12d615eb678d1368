"""How alike two reports are, for spotting the same problem reported twice in one building.

A report's :class:`ReportTerms` are worked out once when it is filed (from the classification filing made
anyway) and stored with its ticket, so checking a new report against the open ones classifies nothing again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from nlp.classifier import load_default_classifier
from nlp.concepts import concept_keys
from nlp.normalize import normalize
from nlp.result import Classification
from nlp.taxonomy import Taxonomy

# Reports scoring at least this are "very similar". Chosen on hand-written pairs in
# tests/nlp/test_similarity.py: at 0.6 every same-problem pair in other words passes and no pair of different
# problems in one building does. Synonyms that share no character (楼道灯不亮 / 声控灯坏了) pass through
# their concept keys (0.83; 0.4 on wording and keywords alone).
DUPLICATE_THRESHOLD = 0.6

# Words that say nothing about the problem itself; building numbers are stripped too, because the bot
# compares reports of one building with each other anyway.
_FILLER = re.compile(
    r"[^\u3400-\u9fff]|号楼|单元|[栋幢座楼层室区号]|"
    r"[的了吗呢吧啊呀哦嘛么又还都也就很太真快我你他她它们这那个些在是有和跟与给把被让]|"
    r"请问|麻烦|谢谢|一下|怎么|什么|为什么|今天|昨天|现在|已经|好几|一直|"
    r"[零〇一二三四五六七八九十百几两]"
)
LEXICAL_WEIGHT = 0.4


# 停水/没水/断水 all mean the supply is out; fold the verbs so the same outage is recognised.
_OUTAGE = str.maketrans({"没": "停", "断": "停"})
_KEYWORD_FILLER = re.compile(r"[了的不吗]")


# Bumped when what ReportTerms holds changes: terms stored under another version are computed again.
TERMS_VERSION = 1


@dataclass(frozen=True, slots=True)
class ReportTerms:
    """What similarity needs of a report, worked out once when it is filed and stored with its ticket.

    ``content`` is the normalised text without filler and building numbers, ``chars`` the characters of
    the taxonomy keywords it matched with their weights, ``concepts`` its concept keys (:mod:`nlp.concepts`)
    and ``category`` the classifier's category for it.
    """

    content: str
    chars: Mapping[str, float]
    concepts: frozenset[str]
    category: str

    def to_json(self) -> dict[str, Any]:
        return {
            "v": TERMS_VERSION,
            "content": self.content,
            "chars": dict(self.chars),
            "concepts": sorted(self.concepts),
            "category": self.category,
        }

    @classmethod
    def from_json(cls, data: Any) -> ReportTerms | None:
        """Terms as stored; None for anything else (not stored, an older version, malformed)."""
        if not isinstance(data, dict) or data.get("v") != TERMS_VERSION:
            return None
        try:
            content, chars, concepts = data["content"], data["chars"], data["concepts"]
            category = data["category"]
            if not (isinstance(content, str) and isinstance(category, str)):
                return None
            return cls(
                content=content,
                chars={str(c): float(w) for c, w in chars.items()},
                concepts=frozenset(str(key) for key in concepts),
                category=category,
            )
        except (KeyError, AttributeError, TypeError, ValueError):
            return None


def report_terms(
    text: str, result: Classification | None = None, taxonomy: Taxonomy | None = None
) -> ReportTerms:
    """The terms of a report, from the classification filing already made (else the default classifier's)."""
    if result is None or taxonomy is None:
        classifier = load_default_classifier()
        result = result or classifier.classify(text)
        taxonomy = taxonomy or classifier.taxonomy
    normalized = normalize(text)
    chars: dict[str, float] = {}
    for match in result.matched:
        # Phrases restate their keywords, and negative keywords are not something the report is about.
        if match.weight <= 0 or "+" in match.keyword:
            continue
        for char in _KEYWORD_FILLER.sub("", normalize(match.keyword).translate(_OUTAGE)):
            chars[char] = max(chars.get(char, 0.0), match.weight)
    content = _FILLER.sub("", normalized.translate(_OUTAGE))
    concepts = concept_keys(normalized, result.matched, taxonomy)
    return ReportTerms(content=content, chars=chars, concepts=concepts, category=result.category)


def _keyword_overlap(a: ReportTerms, b: ReportTerms) -> float:
    """Overlap coefficient of the characters of the matched keywords, weighted by keyword weight.

    Characters rather than whole keywords, because residents name the same thing through different
    compounds (电梯故障 / 电梯按钮 / 电梯 all share 电梯)."""
    if not a.chars or not b.chars:
        return 0.0
    shared = sum(min(a.chars[c], b.chars[c]) for c in a.chars.keys() & b.chars.keys())
    return shared / min(sum(a.chars.values()), sum(b.chars.values()))


def _concept_overlap(a: ReportTerms, b: ReportTerms) -> float:
    """Jaccard index of the concept keys: {light, broken} against {light, broken} is 1, against
    {elevator, broken} a third."""
    union = len(a.concepts | b.concepts)
    return len(a.concepts & b.concepts) / union if union else 0.0


def terms_similarity(a: ReportTerms, b: ReportTerms) -> float:
    """Similarity in [0, 1] of two reports' terms; :data:`DUPLICATE_THRESHOLD` and above means very similar.

    Blends how alike the wording is (rapidfuzz on normalised text without building numbers and filler
    words) with the better of two views of what the reports are about: how much they share of the taxonomy
    keywords they matched, weighted by keyword weight (the 电梯 in "电梯坏了" and "电梯又不动了"), and how
    many of their concept keys are the same (楼道灯不亮 / 声控灯坏了, which share no character). Reports put
    into different categories count half on that side.
    """
    if a.content and a.content == b.content:
        return 1.0
    if a.content and b.content:
        lexical = (
            max(
                fuzz.ratio(a.content, b.content),
                fuzz.token_set_ratio(" ".join(a.content), " ".join(b.content)),
            )
            / 100
        )
    else:
        lexical = 0.0
    about = max(_keyword_overlap(a, b), _concept_overlap(a, b))
    if a.category != b.category:
        about *= 0.5
    return round(min(1.0, LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * about), 4)


def similarity(a: str, b: str) -> float:
    """Similarity of two texts in [0, 1] (:func:`terms_similarity` of their terms, default classifier)."""
    if not a.strip() or not b.strip():
        return 0.0
    return terms_similarity(report_terms(a), report_terms(b))
