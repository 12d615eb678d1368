"""How alike two reports are, for spotting the same problem reported twice in one building."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from nlp.classifier import load_default_classifier
from nlp.normalize import normalize

# Reports scoring at least this are "very similar". Chosen on hand-written pairs in
# tests/nlp/test_similarity.py: at 0.6 every same-problem pair in other words passes and no pair of different
# problems in one building does. Known miss: synonyms that share no character (楼道灯不亮 / 声控灯坏了: 0.4).
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


@dataclass(frozen=True, slots=True)
class _Profile:
    content: str
    chars: dict[str, float]
    category: str


def _profile(text: str) -> _Profile:
    result = load_default_classifier().classify(text)
    chars: dict[str, float] = {}
    for match in result.matched:
        # Phrases restate their keywords, and negative keywords are not something the report is about.
        if match.weight <= 0 or "+" in match.keyword:
            continue
        for char in _KEYWORD_FILLER.sub("", normalize(match.keyword).translate(_OUTAGE)):
            chars[char] = max(chars.get(char, 0.0), match.weight)
    content = _FILLER.sub("", normalize(text).translate(_OUTAGE))
    return _Profile(content, chars, result.category)


def _keyword_overlap(a: _Profile, b: _Profile) -> float:
    """Overlap coefficient of the characters of the matched keywords, weighted by keyword weight.

    Characters rather than whole keywords, because residents name the same thing through different
    compounds (电梯故障 / 电梯按钮 / 电梯 all share 电梯)."""
    if not a.chars or not b.chars:
        return 0.0
    shared = sum(min(a.chars[c], b.chars[c]) for c in a.chars.keys() & b.chars.keys())
    return shared / min(sum(a.chars.values()), sum(b.chars.values()))


def similarity(a: str, b: str) -> float:
    """Similarity of two reports in [0, 1]; :data:`DUPLICATE_THRESHOLD` and above means very similar.

    Blends how alike the wording is (rapidfuzz on normalised text without building numbers and filler
    words) with how much the two share of the taxonomy keywords they matched, weighted by keyword weight
    (the 电梯 in "电梯坏了" and "电梯又不动了"), using the default classifier. Reports put into different
    categories count half on the keyword side.
    """
    if not a.strip() or not b.strip():
        return 0.0
    left, right = _profile(a), _profile(b)
    if left.content and left.content == right.content:
        return 1.0
    if left.content and right.content:
        lexical = (
            max(
                fuzz.ratio(left.content, right.content),
                fuzz.token_set_ratio(" ".join(left.content), " ".join(right.content)),
            )
            / 100
        )
    else:
        lexical = 0.0
    overlap = _keyword_overlap(left, right)
    if left.category != right.category:
        overlap *= 0.5
    return round(min(1.0, LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * overlap), 4)
