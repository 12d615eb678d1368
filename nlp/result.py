"""What the classifier returns: the category, how sure it is, and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from nlp.location import Location

How = Literal["exact", "pinyin", "fuzzy"]
_HOW_ZH = {"exact": "精确", "pinyin": "同音", "fuzzy": "近似"}


@dataclass(frozen=True, slots=True)
class Match:
    """One keyword that contributed to a category's score.

    ``keyword`` is the entry as written in the taxonomy, ``found`` the text it matched (a typo for
    pinyin/fuzzy matches), ``weight`` the points it added (negative for negative keywords).
    """

    keyword: str
    category: str
    weight: float
    how: How
    found: str

    def describe(self) -> str:
        shown = self.keyword if self.found == self.keyword else f"{self.keyword}←{self.found}"
        return f"{shown} ({_HOW_ZH[self.how]}, {self.weight:+.2f})"


@dataclass(frozen=True, slots=True)
class Classification:
    """The result of :meth:`nlp.Classifier.classify`.

    ``category`` is always a category id: the best-scoring one, or the taxonomy's fallback when no keyword
    matched. ``confidence`` in [0, 1] says how far the winner is ahead of the runner-up; ``confident`` is
    False when the text gave too little signal (then show the guess to staff rather than trust it).
    ``top`` holds up to three (category id, score) pairs with a positive score, best first (only the
    fallback with score 0 when nothing matched).
    ``urgent_reason`` names the danger in plain words when urgent ("燃气泄漏", "有人被困"; several are
    joined with "、"), ``urgent_words`` the words it was found by (for staff), and ``urgent_lowered`` the cues
    that made an urgent-sounding message not urgent (a negation, a near miss that is over, a warning).
    ``urgent_learned`` is True when only the learned model (``nlp.learned``) found it urgent: then no rule
    names the danger and the reason is the taxonomy's default. ``category_learned`` is True when the keywords
    were unsure and the learned category model chose ``category`` (``confident`` stays False; it comes first
    in ``top``, with its keyword score).
    """

    category: str
    category_name: str
    confidence: float
    confident: bool
    top: tuple[tuple[str, float], ...]
    matched: tuple[Match, ...]
    urgent: bool
    urgent_words: tuple[str, ...]
    location: Location | None
    names: tuple[tuple[str, str], ...] = ()
    urgent_reason: str | None = None
    urgent_lowered: tuple[str, ...] = ()
    urgent_learned: bool = False
    category_learned: bool = False

    def matches_for(self, category_id: str) -> tuple[Match, ...]:
        return tuple(match for match in self.matched if match.category == category_id)

    def explain(self) -> str:
        names = dict(self.names)
        sure = "是" if self.confident else "否（信号不足，请人工确认）"
        lines = [
            f"类别: {self.category_name} ({self.category})"
            + ("（学习模型判断）" if self.category_learned else ""),
            f"置信度: {self.confidence:.2f}  可信: {sure}",
            "前三: "
            + ("、".join(f"{names.get(cid, cid)}({cid}) {score:.2f}" for cid, score in self.top) or "无"),
        ]
        shown = [cid for cid, _ in self.top] + [
            m.category for m in self.matched if m.category not in dict(self.top)
        ]
        for cid in dict.fromkeys(shown):
            matches = self.matches_for(cid)
            if matches:
                lines.append(
                    f"  {names.get(cid, cid)}({cid}) 命中: " + "，".join(m.describe() for m in matches)
                )
        if not self.matched:
            lines.append("命中: 无（没有找到任何关键词）")
        if self.urgent:
            how = "学习模型判断" if self.urgent_learned else "、".join(self.urgent_words)
            reason = f"{self.urgent_reason}（{how}）" if self.urgent_reason else ""
            urgent = f"是 — {reason or '、'.join(self.urgent_words)}"
        else:
            urgent = "否"
        if not self.urgent and self.urgent_words:
            urgent += f"（有提示词 {'、'.join(self.urgent_words)}，未达阈值）"
        if not self.urgent and self.urgent_lowered:
            urgent += f"（已降级: {'；'.join(self.urgent_lowered)}）"
        lines.append(f"紧急: {urgent}")
        lines.append(f"位置: {self.location}" if self.location else "位置: 未识别")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.explain()
