"""Finding a taxonomy's keywords in normalised text: exactly, by sound and by spelling.

Exact matching scans the string once with an index keyed by each keyword's first two characters.
What exact matching left uncovered is segmented with jieba and compared, window by window (windows are
runs of whole tokens), with keywords that sound the same (homophone typos from pinyin input: 电悌 → 电梯)
or differ by one character (消防通路 → 消防通道, four characters or more).

A typo match must look like a typo: the window must not be a common word of its own (电话 is not a typo of
电梯; pinyin differs anyway), must not cut through a word (楼道 is not in 楼到底, where 到底 is a word), must
share at least half of its characters with the keyword, and every changed character must sit in a token
that is either a single character or a rare word (jieba's dictionary even lists typos like 燥音).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from nlp.phonetic import reading_keys
from nlp.segment import Segmenter
from nlp.taxonomy import Phrase, Vocabulary

EXACT, PINYIN, FUZZY = "exact", "pinyin", "fuzzy"
# A typo match is worth a little less than the word itself.
PINYIN_FACTOR = 0.9
FUZZY_FACTOR = 0.9
# jieba dictionary frequency from which a word counts as common (小区 414, 楼下 737; typos like 燥音 have 3).
COMMON_WORD_FREQ = 100
MIN_PINYIN_LEN = 2
MIN_FUZZY_LEN = 4
# Inserted or dropped characters are only accepted in long keywords, where the rest still says enough.
MIN_INDEL_LEN = 5
MAX_TYPO_LEN = 8

_HAN = re.compile(r"^[\u3400-\u9fff]+$")
_HAN_RUN = re.compile(r"[\u3400-\u9fff]{2,}")
_ASCII_WORD = re.compile(r"[a-z0-9]")


@dataclass(frozen=True, slots=True)
class Use:
    """A term's role in one slot (a category index, or the urgency slot)."""

    slot: int
    weight: float
    label: str


@dataclass(frozen=True, slots=True)
class Hit:
    term: str
    start: int
    end: int
    how: str
    similarity: float
    found: str


class TermIndex:
    """All terms of a set of vocabularies (one per slot), compiled for fast lookup."""

    def __init__(self, vocabularies: Iterable[Vocabulary], readings: dict[str, tuple[str, ...]] | None) -> None:
        self.uses: dict[str, list[Use]] = {}
        self.negative: dict[str, list[Use]] = {}
        self.phrases: list[tuple[int, Phrase]] = []
        for slot, vocabulary in enumerate(vocabularies):
            for keyword in vocabulary.keywords:
                self.uses.setdefault(keyword.text, []).append(Use(slot, keyword.weight, keyword.label))
            for keyword in vocabulary.negative:
                self.negative.setdefault(keyword.text, []).append(Use(slot, -keyword.weight, keyword.label))
            self.phrases.extend((slot, phrase) for phrase in vocabulary.phrases)
        terms = set(self.uses) | set(self.negative)
        # Latin and digit terms must stand alone: 110 is not in 1102, tv is not in ktv.
        self.bounded = frozenset(term for term in terms if _ASCII_WORD.match(term[0]) or _ASCII_WORD.match(term[-1]))
        self.singles = frozenset(term for term in terms if len(term) == 1)
        self.starts = frozenset(term[0] for term in terms)
        by_prefix: dict[str, list[str]] = {}
        for term in sorted((t for t in terms if len(t) > 1), key=len, reverse=True):
            by_prefix.setdefault(term[:2], []).append(term)
        self.by_prefix = by_prefix
        self.readings = readings
        self.by_sound: dict[tuple[str, ...], list[str]] = {}
        self.by_deletion: dict[str, list[str]] = {}
        self.max_typo_len = 0
        if readings is not None:
            self._index_typos(readings)

    def _index_typos(self, readings: dict[str, tuple[str, ...]]) -> None:
        for term in self.uses.keys() | self.negative.keys():
            if not (MIN_PINYIN_LEN <= len(term) <= MAX_TYPO_LEN and _HAN.match(term)):
                continue
            self.max_typo_len = max(self.max_typo_len, len(term) + (len(term) >= MIN_FUZZY_LEN))
            for key in reading_keys(term, readings):
                self.by_sound.setdefault(key, []).append(term)
            if len(term) >= MIN_FUZZY_LEN:
                for key in {term, *_deletions(term)}:
                    self.by_deletion.setdefault(key, []).append(term)

    def find_exact(self, text: str) -> list[Hit]:
        hits: list[Hit] = []
        starts, singles, by_prefix, bounded = self.starts, self.singles, self.by_prefix, self.bounded
        for i, char in enumerate(text):
            if char not in starts:
                continue
            if char in singles and (char not in bounded or _stands_alone(text, i, i + 1)):
                hits.append(Hit(char, i, i + 1, EXACT, 1.0, char))
            candidates = by_prefix.get(text[i : i + 2])
            if candidates:
                for term in candidates:
                    end = i + len(term)
                    if text.startswith(term, i) and (term not in bounded or _stands_alone(text, i, end)):
                        hits.append(Hit(term, i, end, EXACT, 1.0, term))
        return hits

    def find_phrases(self, text: str, window: int) -> Iterator[tuple[int, Phrase]]:
        for slot, phrase in self.phrases:
            if _phrase_span_fits(text, phrase.parts, window):
                yield slot, phrase

    def find_typos(self, text: str, covered: list[Hit], segmenter: Segmenter) -> list[Hit]:
        """Pinyin and one-edit matches in the Han runs of ``text``.

        Windows made only of characters in ``covered`` (exact hits) are skipped; a window may overlap
        exact hits, because a short exact keyword (消防) can be part of a typo of a longer one (消防通到).
        """
        readings = self.readings
        if readings is None or not self.max_typo_len:
            return []
        free = [1] * len(text)
        for hit in covered:
            free[hit.start : hit.end] = [0] * (hit.end - hit.start)
        hits: list[Hit] = []
        for run_match in _HAN_RUN.finditer(text):
            run, offset = run_match.group(), run_match.start()
            free_before = [0]
            for flag in free[offset : run_match.end()]:
                free_before.append(free_before[-1] + flag)
            if not free_before[-1]:
                continue
            tokens = segmenter.cut(run)
            bounds = [0]
            for token in tokens:
                bounds.append(bounds[-1] + len(token))
            primary = [readings.get(char, ("?",))[0] for char in run]
            for a in range(len(tokens)):
                for b in range(a + 1, len(tokens) + 1):
                    start, end = bounds[a], bounds[b]
                    size = end - start
                    if size > self.max_typo_len:
                        break
                    if size < MIN_PINYIN_LEN or free_before[end] == free_before[start]:
                        continue
                    window = run[start:end]
                    for term in self.by_sound.get(tuple(primary[start:end]), ()):
                        diffs = [i for i in range(size) if window[i] != term[i]]
                        if diffs and 2 * len(diffs) <= size and self._typo_is_plausible(
                                window, tokens[a:b], diffs, segmenter):
                            hits.append(Hit(term, offset + start, offset + end, PINYIN, 1.0, window))
                    if size >= MIN_FUZZY_LEN - 1:
                        hits.extend(self._one_edit(window, tokens[a:b], offset + start, segmenter))
        return hits

    def _one_edit(self, window: str, tokens: list[str], start: int, segmenter: Segmenter) -> Iterator[Hit]:
        seen: set[str] = set()
        for key in (window, *_deletions(window)):
            for term in self.by_deletion.get(key, ()):
                # A window that contains the whole keyword (or lies inside it) is an exact match plus
                # or minus a neighbouring character, not a typo.
                if term in seen or term in window or window in term:
                    continue
                seen.add(term)
                if Levenshtein.distance(window, term, score_cutoff=1) > 1:
                    continue
                if len(window) != len(term) and len(term) < MIN_INDEL_LEN:
                    continue
                ops = Levenshtein.editops(window, term)
                # A swapped character must sound alike (fuzzy pinyin: zh/z, n/l, -ng/-n...): 砸到我家 is not
                # a typo of 滴到我家.
                if any(op.tag == "replace" and not self._sounds_alike(window[op.src_pos], term[op.dest_pos])
                       for op in ops):
                    continue
                diffs = [min(op.src_pos, len(window) - 1) for op in ops]
                if self._typo_is_plausible(window, tokens, diffs, segmenter):
                    yield Hit(term, start, start + len(window), FUZZY, fuzz.ratio(window, term) / 100, window)

    def _sounds_alike(self, a: str, b: str) -> bool:
        readings = self.readings or {}
        first = {_fuzzy_syllable(r) for r in readings.get(a, ())}
        second = {_fuzzy_syllable(r) for r in readings.get(b, ())}
        return any(_close(x, y) for x in first for y in second)

    @staticmethod
    def _typo_is_plausible(window: str, tokens: list[str], diffs: list[int], segmenter: Segmenter) -> bool:
        if segmenter.word_frequency(window) >= COMMON_WORD_FREQ:
            return False
        position = 0
        for token in tokens:
            end = position + len(token)
            if len(token) > 1 and segmenter.word_frequency(token) >= COMMON_WORD_FREQ and any(
                    position <= d < end for d in diffs):
                return False
            position = end
        return True


def _fuzzy_syllable(syllable: str) -> tuple[str, str]:
    """(initial, final) with the distinctions pinyin typists often blur folded together."""
    for initial in ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x",
                    "r", "z", "c", "s", "y", "w"):
        if syllable.startswith(initial):
            head, tail = initial, syllable[len(initial):]
            break
    else:
        head, tail = "", syllable
    head = {"zh": "z", "ch": "c", "sh": "s", "n": "l", "f": "h"}.get(head, head)
    if tail.endswith("ng"):
        tail = tail[:-1]
    return head, tail


def _close(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Same syllable after folding, or the same final with a blurred initial, or the same initial and a
    final one letter away."""
    if a == b:
        return True
    if a[1] == b[1]:
        return True
    return a[0] == b[0] and Levenshtein.distance(a[1], b[1]) <= 1


def _stands_alone(text: str, start: int, end: int) -> bool:
    return not (start > 0 and _ASCII_WORD.match(text[start - 1])) and not (
        end < len(text) and _ASCII_WORD.match(text[end]))


def _deletions(word: str) -> list[str]:
    return [word[:i] + word[i + 1 :] for i in range(len(word))]


def _phrase_span_fits(text: str, parts: tuple[str, ...], window: int) -> bool:
    """True if every part occurs and some choice of occurrences spans at most ``window`` characters."""
    positions: list[list[tuple[int, int]]] = []
    for part in parts:
        found = []
        at = text.find(part)
        while at != -1 and len(found) < 8:
            found.append((at, at + len(part)))
            at = text.find(part, at + 1)
        if not found:
            return False
        positions.append(found)
    for anchor_start, anchor_end in positions[0]:
        low, high = anchor_start, anchor_end
        for occurrences in positions[1:]:
            best = min(occurrences, key=lambda span: max(high, span[1]) - min(low, span[0]))
            low, high = min(low, best[0]), max(high, best[1])
        if high - low <= window:
            return True
    return False


def keep_longest(hits: list[Hit]) -> list[Hit]:
    """Drop hits lying inside a longer hit: the more specific keyword wins (充电桩 over 充电)."""
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.start - h.end, h.start)):
        size = hit.end - hit.start
        if not any(k.start <= hit.start and hit.end <= k.end and k.end - k.start > size for k in kept):
            kept.append(hit)
    return kept


