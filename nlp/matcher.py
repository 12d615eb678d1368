"""Finding a taxonomy's keywords in normalised text: exactly, by sound and by spelling.

Exact matching scans the string once with an index keyed by each keyword's first two characters.
Then the Chinese text is segmented with jieba and compared, window by window (a window is a run of whole
tokens holding at least one character no exact match covered), with keywords that sound the same (homophone
typos from pinyin input: 电悌 → 电梯) or differ by one similar-sounding character (消防通到 → 消防通道; only
keywords of four characters or more, insertions and deletions from five).

A typo match must look like a typo: the window must not be a common word of its own (电话 is not a typo of
电梯; pinyin differs anyway), must not cut through a word (楼道 is not in 楼到底, where 到底 is a word), must
share at least half of its characters with the keyword, and every changed character must sit in a token
that is either a single character or a rare word (jieba's dictionary even lists typos like 燥音).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate, compress, count, pairwise, repeat
from operator import attrgetter, is_not
from typing import NamedTuple

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
# Character pairs whose typo gates are remembered (a few MB at most); the memo starts over when full.
MAX_PAIR_GATES = 100_000

_HAN = re.compile(r"^[\u3400-\u9fff]+$")
_HAN_RUN = re.compile(r"[\u3400-\u9fff]{2,}")
_ASCII_WORD = re.compile(r"[a-z0-9]")


@dataclass(frozen=True, slots=True)
class Use:
    """A term's role in one slot (a category index, or the urgency slot)."""

    slot: int
    weight: float
    label: str


# eq=False: gates are told apart by identity only, which keeps ``None in gates`` a C-level scan.
@dataclass(frozen=True, slots=True, eq=False)
class _PairGate:
    """For one character pair: lengths of keywords whose sound starts like it, and keywords starting or
    ending with it (candidates for one edit)."""

    sound: tuple[int, ...]
    # (window length, (keyword, its character at the fixed end, the rest) for keywords one edit from a
    # window of that length); the parts are cut once here rather than for every window.
    first: tuple[tuple[int, tuple[tuple[str, str, str], ...]], ...]
    last: tuple[tuple[int, tuple[tuple[str, str, str], ...]], ...]


# The remembered answer for a pair that can start no typo window.
_NO_GATE = _PairGate((), (), ())


class Hit(NamedTuple):
    # A named tuple rather than a frozen dataclass: a message makes dozens of hits, and building a tuple
    # costs a fraction of a frozen dataclass's per-field ``object.__setattr__``.
    term: str
    start: int
    end: int
    how: str
    similarity: float
    found: str


_START = attrgetter("start")
# ``_new_hit(Hit, (term, start, end, how, similarity, found))`` builds a Hit at C speed: the named tuple's
# own ``__new__`` is a Python function, and a long message makes a hundred hits.
_new_hit = tuple.__new__


class TermIndex:
    """All terms of a set of vocabularies (one per slot), compiled for fast lookup."""

    def __init__(
        self,
        vocabularies: Iterable[Vocabulary],
        readings: dict[str, tuple[str, ...]] | None,
        exact_only: frozenset[str] = frozenset(),
    ) -> None:
        """``exact_only``: terms found only as written, never as a typo (a state strong enough alone)."""
        self.uses: dict[str, list[Use]] = {}
        self.negative: dict[str, list[Use]] = {}
        self.phrases: list[tuple[int, Phrase]] = []
        for slot, vocabulary in enumerate(vocabularies):
            for keyword in vocabulary.keywords:
                self.uses.setdefault(keyword.text, []).append(Use(slot, keyword.weight, keyword.label))
            for keyword in vocabulary.negative:
                self.negative.setdefault(keyword.text, []).append(Use(slot, -keyword.weight, keyword.label))
            self.phrases.extend((slot, phrase) for phrase in vocabulary.phrases)
        # Phrases by first part, each with its place in ``phrases`` so they are still found in that order.
        self.phrases_by_first: dict[str, list[int]] = {}
        for position, (_, phrase) in enumerate(self.phrases):
            self.phrases_by_first.setdefault(phrase.parts[0], []).append(position)
        terms = set(self.uses) | set(self.negative)
        # Latin and digit terms must stand alone: 110 is not in 1102, tv is not in ktv.
        self.bounded = frozenset(
            term for term in terms if _ASCII_WORD.match(term[0]) or _ASCII_WORD.match(term[-1])
        )
        self.singles = frozenset(term for term in terms if len(term) == 1)
        # Phrase first parts that are terms found anywhere they occur (not only standing alone): find_exact
        # has already said whether they are in a text.
        self._term_first_parts = frozenset(
            part for part in self.phrases_by_first if part in terms and part not in self.bounded
        )
        self._searched_first_parts = tuple(
            (part, positions)
            for part, positions in self.phrases_by_first.items()
            if part not in self._term_first_parts
        )
        # Terms found only as written play no part in the typo search.
        self.exact_prefixes = frozenset(term[:2] for term in terms - exact_only if len(term) > 1)
        by_prefix: dict[str, dict[int, dict[str, str]]] = {}
        for term in (t for t in terms if len(t) > 1):
            by_prefix.setdefault(term[:2], {}).setdefault(len(term), {})[term] = term
        # Compiled for find_exact: per prefix, (length, the two-character term, the longer terms of that
        # length) longest first. One lookup per length rather than a test per term: a common prefix
        # (好几, 厨房) starts dozens of terms. Keyed by the prefix's two characters as a tuple:
        # ``itertools.pairwise`` gives those faster than adding strings gives two-character strings.
        self._exact_by_pair: dict[tuple[str, str], tuple[tuple[int, str, dict[str, str]], ...]] = {
            (prefix[0], prefix[1]): tuple(
                (size, *group[size], {}) if size == 2 else (size, "", group[size])
                for size in sorted(group, reverse=True)
            )
            for prefix, group in by_prefix.items()
        }
        # One-character terms are found by a C-level scan instead of a test at every position.
        self._singles_pattern = (
            re.compile("|".join(re.escape(term) for term in sorted(self.singles))) if self.singles else None
        )
        self.readings = readings
        self.exact_only = exact_only
        self.by_sound: dict[tuple[str, ...], list[str]] = {}
        self.sound_prefixes: set[tuple[str, ...]] = set()
        self.edit_first: dict[str, list[str]] = {}
        self.edit_last: dict[str, list[str]] = {}
        self.sound_lengths: set[int] = set()
        # Sound prefix → the lengths of keywords starting with it (in ``sound_lengths`` order), and the
        # per-pair gate answers of ``find_typos`` (keyed like ``_exact_by_pair``), worked out once per
        # character pair and kept.
        self.sound_prefix_lengths: dict[tuple[str, ...], tuple[int, ...]] = {}
        self._pair_gates: dict[tuple[str, str], _PairGate] = {}
        self._alike: dict[str, bool] = {}
        # Each character's most common reading, the one the sound index is keyed by.
        self._primary: dict[str, str] = {}
        if readings is not None:
            self._primary = {char: values[0] for char, values in readings.items()}
            self._index_typos(readings)

    def _index_typos(self, readings: dict[str, tuple[str, ...]]) -> None:
        # In sorted order: a set's order changes with the process's hash seed, and two homophones that fit
        # one typo would come out in either order from one process to the next.
        for term in sorted((self.uses.keys() | self.negative.keys()) - self.exact_only):
            if not (MIN_PINYIN_LEN <= len(term) <= MAX_TYPO_LEN and _HAN.match(term)):
                continue
            for key in reading_keys(term, readings):
                self.by_sound.setdefault(key, []).append(term)
                self.sound_prefixes.add(key[:2])
            self.sound_lengths.add(len(term))
            if len(term) >= MIN_FUZZY_LEN:
                # One edit in a keyword of four or more characters leaves its first two or its last two
                # characters in place, so these two indexes find every candidate window.
                self.edit_first.setdefault(term[:2], []).append(term)
                self.edit_last.setdefault(term[-2:], []).append(term)
        lengths_by_prefix: dict[tuple[str, ...], set[int]] = {}
        for key, terms in self.by_sound.items():
            lengths_by_prefix.setdefault(key[:2], set()).update(len(term) for term in terms)
        self.sound_prefix_lengths = {
            prefix: tuple(n for n in self.sound_lengths if n in lengths)
            for prefix, lengths in lengths_by_prefix.items()
        }

    def _pair_gate(self, chars: tuple[str, str]) -> _PairGate:
        """What a window starting (or, for one edit, ending) with ``chars`` may be a typo of, or _NO_GATE."""
        readings = self.readings or {}
        sound: tuple[int, ...] = ()
        pair = chars[0] + chars[1]
        if pair not in self.exact_prefixes:
            key = (readings.get(pair[0], ("?",))[0], readings.get(pair[1], ("?",))[0])
            sound = self.sound_prefix_lengths.get(key, ())
        first = tuple(
            (n, tuple((term, term[-1], term[:-1]) for term in terms))
            for n, terms in _by_window_length(self.edit_first.get(pair, ()))
        )
        last = tuple(
            (n, tuple((term, term[0], term[1:]) for term in terms))
            for n, terms in _by_window_length(self.edit_last.get(pair, ()))
        )
        gate = _PairGate(sound, first, last) if sound or first or last else _NO_GATE
        if len(self._pair_gates) >= MAX_PAIR_GATES:
            self._pair_gates.clear()
        self._pair_gates[chars] = gate
        return gate

    def find_exact(self, text: str, pairs: list[tuple[str, str]] | None = None) -> list[Hit]:
        """Every term occurrence, by start; at one start a one-character term first, then longest first.

        ``pairs``: ``list(itertools.pairwise(text))`` when the caller has it (it serves find_typos too).
        """
        hits: list[Hit] = []
        # Every character pair of the text is looked up at C speed; only pairs that start a term cost a
        # Python step.
        starting = list(map(self._exact_by_pair.get, pairwise(text) if pairs is None else pairs))
        bounded_terms = self.bounded
        # Only the positions whose pair starts a term (a quarter of them) are visited.
        for i in compress(count(), starting):
            for size, pair_term, longer in starting[i]:  # type: ignore[union-attr]
                end = i + size
                # The pair matched, so a two-character term is there.
                term = pair_term or longer.get(text[i:end])
                if term is not None and (term not in bounded_terms or _stands_alone(text, i, end)):
                    hits.append(_new_hit(Hit, (term, i, end, EXACT, 1.0, term)))
        if self._singles_pattern is not None:
            singles = [
                _new_hit(Hit, (char, i, i + 1, EXACT, 1.0, char))
                for match in self._singles_pattern.finditer(text)
                for char, i in ((match.group(), match.start()),)
                if char not in bounded_terms or _stands_alone(text, i, i + 1)
            ]
            if singles:
                # A stable sort by start puts each single before the longer terms found at its position.
                hits = sorted(singles + hits, key=_START)
        return hits

    def find_phrases(
        self, text: str, window: int, exact_terms: set[str] | None = None
    ) -> Iterator[tuple[int, Phrase]]:
        """Phrases whose parts occur close together; ``exact_terms``: the terms find_exact found."""
        # Many phrases share a first part (漏水 …); each distinct first part is looked for once, most of them
        # among the few terms already found rather than by searching the text.
        by_first = self.phrases_by_first
        if exact_terms is None:
            found = [
                position for part, positions in by_first.items() if part in text for position in positions
            ]
        else:
            known = self._term_first_parts
            found = [position for part in exact_terms if part in known for position in by_first[part]]
            found += [
                position
                for part, positions in self._searched_first_parts
                if part in text
                for position in positions
            ]
        found.sort()
        for position in found:
            slot, phrase = self.phrases[position]
            parts = phrase.parts
            if parts[1] in text and _phrase_span_fits(text, parts, window):
                yield slot, phrase

    def find_typos(
        self, text: str, covered: list[Hit], segmenter: Segmenter, pairs: list[tuple[str, str]] | None = None
    ) -> list[Hit]:
        """Pinyin and one-edit matches in the Han runs of ``text`` (``pairs``: as for find_exact).

        Windows made only of characters in ``covered`` (exact hits) are skipped; a window may overlap
        exact hits, because a short exact keyword (消防) can be part of a typo of a longer one (消防通到).
        """
        if self.readings is None or not self.sound_lengths:
            return []
        # The pair gates of the whole text are looked up at C speed in one go (only a pair never seen before
        # costs a Python step); runs without a gate, most of a message, are then passed over.
        gates = self._pair_gates
        if pairs is None:
            pairs = list(pairwise(text))
        looked_up = list(map(gates.get, pairs))
        if None in looked_up:
            looked_up = [
                self._pair_gate(pair) if gate is None else gate
                for pair, gate in zip(pairs, looked_up, strict=True)
            ]
        starts = list(compress(count(), map(is_not, looked_up, repeat(_NO_GATE))))
        if not starts:
            return []
        free = bytearray(b"\x01") * len(text)
        for hit in covered:
            free[hit.start : hit.end] = bytes(hit.end - hit.start)
        # free_before[p]: how many characters before p no exact hit covers (a window [i, end) has a free
        # character when free_before[end] != free_before[i]); counted once for the whole text.
        free_before = [0, *accumulate(free)]
        hits: list[Hit] = []
        for run_match in _HAN_RUN.finditer(text):
            offset, stop = run_match.span()
            # Gates of pairs inside the run: at offset .. stop - 2.
            low, high = bisect_left(starts, offset), bisect_left(starts, stop - 1)
            if low < high and free_before[stop] != free_before[offset]:
                found = [(i - offset, looked_up[i]) for i in starts[low:high]]
                run_free = free_before[offset : stop + 1]
                self._typos_in_run(run_match.group(), offset, run_free, found, segmenter, hits)
        # A window can be found both by sound and by one edit; keep one hit per span and keyword.
        return list({(hit.start, hit.end, hit.term): hit for hit in hits}.values())

    def _typos_in_run(
        self,
        run: str,
        offset: int,
        free_before: list[int],
        found: list[tuple[int, _PairGate]],
        segmenter: Segmenter,
        hits: list[Hit],
    ) -> None:
        """Typo matches in one run of Chinese characters, given its pair gates other than _NO_GATE and
        ``free_before`` (find_typos's counts, from the run's start: only their differences matter).

        Candidates are found by position first, through cheap gates: a homophone typo starts with two
        characters that sound like a keyword's start but are not spelled like one (电悌 for 电梯); one edit
        in a keyword of four or more characters leaves its first two or its last two characters in place.
        Only a run with a candidate is segmented, which most messages never need.
        """
        size = len(run)
        candidates: list[tuple[int, int, str, list[int], str, float]] = []
        primary: list[str | None] | None = None
        by_sound = self.by_sound
        # One pass over the gates: sound candidates in gate order, one-edit windows into ``spans`` (tested in
        # sorted order below).
        spans: set[tuple[int, int, str]] = set()
        for i, gate in found:
            for length in gate.sound:
                end = i + length
                if end > size or free_before[end] == free_before[i]:
                    continue
                if primary is None:
                    # A character without a reading (None) is in no sound key, as "?" never was.
                    primary = list(map(self._primary.get, run))
                window = run[i:end]
                for term in by_sound.get(tuple(primary[i:end]), ()):
                    diffs = [k for k in range(length) if window[k] != term[k]]
                    if diffs and 2 * len(diffs) <= length:
                        candidates.append((i, end, term, diffs, PINYIN, 1.0))
            # The window starts like these keywords, so only its end needs the quick test of _one_edit.
            for n, terms in gate.first:
                end = i + n
                if end <= size and free_before[end] != free_before[i]:
                    window = run[i:end]
                    last, head = window[-1], window[:-1]
                    for term, term_last, term_head in terms:
                        if last == term_last or term.startswith(head) or window.startswith(term_head):
                            spans.add((i, end, term))
            end = i + 2
            for n, terms in gate.last:
                start = end - n
                if start >= 0 and free_before[end] != free_before[start]:
                    window = run[start:end]
                    first, tail = window[0], window[1:]
                    for term, term_first, term_tail in terms:
                        if first == term_first or term.endswith(tail) or window.endswith(term_tail):
                            spans.add((start, end, term))
        for start, end, term in sorted(spans) if spans else ():
            edit = self._one_edit(run[start:end], term)
            if edit is not None:
                candidates.append((start, end, term, *edit))
        if not candidates:
            return  # most runs: nothing to check against the dictionary or to segment
        # A window that is a common word of its own is no typo (see _typo_is_plausible); dropping those first
        # spares segmenting a run none of whose candidates could pass.
        frequency = segmenter.word_frequency
        candidates = [
            candidate
            for candidate in candidates
            if frequency(run[candidate[0] : candidate[1]]) < COMMON_WORD_FREQ
        ]
        if not candidates:
            return
        tokens = segmenter.cut(run)
        bounds = [0]
        for token in tokens:
            bounds.append(bounds[-1] + len(token))
        token_at = {position: index for index, position in enumerate(bounds)}
        for start, end, term, diffs, how, similarity in candidates:
            a, b = token_at.get(start), token_at.get(end)
            if a is None or b is None:
                continue  # the window would cut through a word
            window = run[start:end]
            if self._typo_is_plausible(window, tokens[a:b], diffs, segmenter):
                hits.append(Hit(term, offset + start, offset + end, how, similarity, window))

    def _one_edit(self, window: str, term: str) -> tuple[list[int], str, float] | None:
        """(changed positions, how, similarity) if ``term`` is one similar-sounding edit from ``window``."""
        # One edit leaves the first characters equal unless it is at the front, and the last ones unless it
        # is at the end: a cheap test that turns most candidate windows away before any edit distance.
        if not (
            (window[0] == term[0] or term.endswith(window[1:]) or window.endswith(term[1:]))
            and (window[-1] == term[-1] or term.startswith(window[:-1]) or window.startswith(term[:-1]))
        ):
            return None
        # A window that contains the whole keyword (or lies inside it) is an exact match plus or minus a
        # neighbouring character, not a typo.
        if term in window or window in term or Levenshtein.distance(window, term, score_cutoff=1) > 1:
            return None
        ops = Levenshtein.editops(window, term)
        # A swapped character must sound alike (fuzzy pinyin: zh/z, n/l, -ng/-n...): 砸到我家 is not a typo
        # of 滴到我家.
        if any(
            op.tag == "replace" and not self._sounds_alike(window[op.src_pos], term[op.dest_pos])
            for op in ops
        ):
            return None
        diffs = [min(op.src_pos, len(window) - 1) for op in ops]
        # A same-sounding swap found this way (the window starts with an exact keyword prefix, so the sound
        # index skipped it) is a homophone typo all the same.
        if len(window) == len(term) and all(
            self._same_sound(window[op.src_pos], term[op.dest_pos]) for op in ops
        ):
            return diffs, PINYIN, 1.0
        return diffs, FUZZY, fuzz.ratio(window, term) / 100

    def _same_sound(self, a: str, b: str) -> bool:
        readings = self.readings or {}
        return not set(readings.get(a, ())).isdisjoint(readings.get(b, ("?",)))

    def _sounds_alike(self, a: str, b: str) -> bool:
        known = self._alike.get(a + b)
        if known is not None:
            return known
        readings = self.readings or {}
        first = {_fuzzy_syllable(r) for r in readings.get(a, ())}
        second = {_fuzzy_syllable(r) for r in readings.get(b, ())}
        alike = any(_close(x, y) for x in first for y in second)
        if len(self._alike) >= MAX_PAIR_GATES:
            self._alike.clear()
        self._alike[a + b] = alike
        return alike

    @staticmethod
    def _typo_is_plausible(window: str, tokens: list[str], diffs: list[int], segmenter: Segmenter) -> bool:
        if segmenter.word_frequency(window) >= COMMON_WORD_FREQ:
            return False
        position = 0
        for token in tokens:
            end = position + len(token)
            if (
                len(token) > 1
                and segmenter.word_frequency(token) >= COMMON_WORD_FREQ
                and any(position <= d < end for d in diffs)
            ):
                return False
            position = end
        return True


def _fuzzy_syllable(syllable: str) -> tuple[str, str]:
    """(initial, final) with the distinctions pinyin typists often blur folded together."""
    for initial in (
        "zh",
        "ch",
        "sh",
        "b",
        "p",
        "m",
        "f",
        "d",
        "t",
        "n",
        "l",
        "g",
        "k",
        "h",
        "j",
        "q",
        "x",
        "r",
        "z",
        "c",
        "s",
        "y",
        "w",
    ):
        if syllable.startswith(initial):
            head, tail = initial, syllable[len(initial) :]
            break
    else:
        head, tail = "", syllable
    head = {"zh": "z", "ch": "c", "sh": "s", "n": "l", "f": "h"}.get(head, head)
    if tail.endswith("ng"):
        tail = tail[:-1]
    return head, tail


def _close(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Same syllable after folding the initials typists blur (zh/z, n/l, f/h…), or the same initial and a
    final one letter away (-ng/-n folded already). A shared final alone is no likeness: 个 ge and 烟 yan
    would read 屋里有个 as 屋里有烟, 撞 zhuang and 关 guan 撞到人了 as 关到人了."""
    if a == b:
        return True
    return a[0] == b[0] and Levenshtein.distance(a[1], b[1]) <= 1


def _stands_alone(text: str, start: int, end: int) -> bool:
    return not (start > 0 and _ASCII_WORD.match(text[start - 1])) and not (
        end < len(text) and _ASCII_WORD.match(text[end])
    )


def _edit_lengths(term: str) -> tuple[int, ...]:
    """Window lengths one edit can give: the same, and one more or less for long keywords."""
    size = len(term)
    return (size - 1, size, size + 1) if size >= MIN_INDEL_LEN else (size,)


def _by_window_length(terms: Iterable[str]) -> tuple[tuple[int, tuple[str, ...]], ...]:
    groups: dict[int, list[str]] = {}
    for term in terms:
        for n in _edit_lengths(term):
            groups.setdefault(n, []).append(term)
    return tuple((n, tuple(group)) for n, group in sorted(groups.items()))


def _phrase_span_fits(text: str, parts: tuple[str, ...], window: int) -> bool:
    """True if every part occurs and some choice of occurrences spans at most ``window`` characters."""
    positions: list[list[int]] = []
    for part in parts:
        found = []
        at = text.find(part)
        while at != -1 and len(found) < 8:
            found.append(at)
            at = text.find(part, at + 1)
        if not found:
            return False
        positions.append(found)
    lengths = [len(part) for part in parts]
    for anchor in positions[0]:
        low, high = anchor, anchor + lengths[0]
        for found, length in zip(positions[1:], lengths[1:], strict=True):
            # Nearest occurrence to the span so far.
            start = min(found, key=lambda at, lo=low, hi=high, n=length: max(hi, at + n) - min(lo, at))
            low, high = min(low, start), max(high, start + length)
        if high - low <= window:
            return True
    return False


def keep_longest(hits: list[Hit]) -> list[Hit]:
    """Drop hits lying inside a longer hit: the more specific keyword wins (充电桩 over 充电)."""
    if len(hits) < 2:
        return hits
    # reach[p]: the furthest end of a kept, longer hit that covers position p. Hits are taken longest
    # first, one length at a time, so everything in ``reach`` is strictly longer than the current length.
    reach = [0] * (max(hit.end for hit in hits) + 1)
    kept: list[Hit] = []
    # Longest first, by start within a length (ties in the given order): bucketing by length and sorting
    # each bucket by start gives the order a (-length, start) key gave, without a Python key per hit.
    by_size: dict[int, list[Hit]] = {}
    for hit in hits:
        by_size.setdefault(hit.end - hit.start, []).append(hit)
    for size in sorted(by_size, reverse=True):
        group = by_size[size]
        if len(group) > 1:
            group.sort(key=_START)
        group = [hit for hit in group if reach[hit.start] < hit.end]
        for hit in group:
            end = hit.end
            for position in range(hit.start, end):
                if reach[position] < end:
                    reach[position] = end
        kept.extend(group)
    return kept
