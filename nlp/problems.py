"""One message, two problems: "电梯坏了，顺便说一下楼道灯也不亮" is two reports, the more severe one first.

The split is at the words people use to add a second matter; each side is classified on its own. It is two
problems only when both sides carry a signal of their own, so "电梯坏了，另外已经好几天了" stays one report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.classifier import Classifier
from nlp.result import Classification

# What joins a second matter to the first, longest first so "顺便说一下" wins over "顺便".
_JOINERS = (
    "顺便说一下",
    "顺便说一声",
    "顺便反映一下",
    "顺便反映",
    "顺便提一下",
    "顺便问一下",
    "顺便问下",
    "顺便说下",
    "另外还有",
    "还有一件事",
    "还有个事",
    "还有件事",
    "另外",
    "此外",
    "顺便",
    "另外就是",
    "再有就是",
    "再就是",
    "仲有",
    "另外嘅",
)
# Words that join a second matter only after a break, as inside a clause they mean something else (说对了,
# 麻烦再说一下). 还有 only as a word of its own (还有，…): "，还有股焦味" goes on about the same problem.
_JOINERS_AFTER_A_BREAK = ("对了", "再说一下", "再说个事", "顺带说一下", "顺带", "还有(?=[，,：:])")
_SPLIT = re.compile(
    "(?:[，,。；;！!？?\\s]*(?:"
    + "|".join(sorted(map(re.escape, _JOINERS), key=len, reverse=True))
    + ")|[，,。；;！!？?\\s]+(?:"
    + "|".join(_JOINERS_AFTER_A_BREAK)
    + "))[，,：:、\\s]*"
)


@dataclass(frozen=True, slots=True)
class Problems:
    """The primary problem (what the report is filed as) and the second one, each with its classification."""

    primary_text: str
    primary: Classification
    second_text: str
    second: Classification


def _signal(result: Classification, fallback: str) -> bool:
    return result.urgent or any(score > 0 and cid != fallback for cid, score in result.top)


def split_problems(classifier: Classifier, text: str) -> Problems | None:
    """Two problems in one message, or None. The primary is the urgent one, else the first."""
    match = _SPLIT.search(text)
    if match is None or match.start() == 0:
        return None
    first, second = text[: match.start()].strip(), text[match.end() :].strip()
    if not first or not second:
        return None
    fallback = classifier.taxonomy.fallback
    one, two = classifier.classify(first), classifier.classify(second)
    if not (_signal(one, fallback) and _signal(two, fallback)):
        return None
    if two.urgent and not one.urgent:
        return Problems(second, two, first, one)
    return Problems(first, one, second, two)
