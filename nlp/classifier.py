"""Keyword classification of resident reports: scores every category of a taxonomy and explains why."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from functools import cache

from nlp.location import extract_location, mask_locations
from nlp.matcher import EXACT, FUZZY, FUZZY_FACTOR, PINYIN_FACTOR, Hit, TermIndex, keep_longest
from nlp.normalize import normalize_prefix
from nlp.phonetic import reading_table
from nlp.result import Classification, Match
from nlp.segment import Segmenter
from nlp.taxonomy import Taxonomy, configured_taxonomy_path, load_taxonomy


@cache
def shared_segmenter() -> Segmenter:
    """The one jieba tokenizer of the process (loading it takes ~0.6 s and ~80 MB)."""
    return Segmenter()


class Classifier:
    """Scores text against a :class:`Taxonomy`. Build once, then call :meth:`classify` for each message."""

    def __init__(self, taxonomy: Taxonomy, segmenter: Segmenter | None = None) -> None:
        self.taxonomy = taxonomy
        self._settings = taxonomy.settings
        self._ids = taxonomy.ids
        self._urgency_slot = len(self._ids)
        self._fallback_slot = self._ids.index(taxonomy.fallback)
        self._names = tuple((category.id, category.name) for category in taxonomy.categories)
        vocabularies = [category.vocabulary for category in taxonomy.categories]
        vocabularies.append(taxonomy.urgency.vocabulary)
        fuzzy = self._settings.fuzzy
        self._index = TermIndex(vocabularies, reading_table() if fuzzy else None)
        self._segmenter = (segmenter or shared_segmenter()) if fuzzy else None
        self._category_terms = frozenset(
            term for term, uses in self._index.uses.items() if any(u.slot < self._urgency_slot for u in uses)
        )
        self._urgency_terms = frozenset(
            term for term, uses in self._index.uses.items() if any(u.slot == self._urgency_slot for u in uses)
        )

    def classify(self, text: str) -> Classification:
        settings = self._settings
        norm = normalize_prefix(text, settings.max_chars)
        found = self._index.find_exact(norm)
        if self._segmenter is not None and norm:
            found += self._index.find_typos(mask_locations(norm), found, self._segmenter)
        hits = [hit for hit in found if hit.term in self._index.uses]
        category_hits = [hit for hit in hits if hit.term in self._category_terms]
        urgency_hits = [hit for hit in hits if hit.term in self._urgency_terms]
        if settings.longest_match:
            category_hits = keep_longest(category_hits)
            urgency_hits = keep_longest(urgency_hits)

        scores = [0.0] * (self._urgency_slot + 1)
        matches: list[Match] = []
        urgent_words: list[str] = []
        negatives = {hit.term for hit in found if hit.term in self._index.negative}
        for slot, label, weight, how, surface in self._contributions(
            category_hits, urgency_hits, negatives, norm
        ):
            scores[slot] += weight
            if slot == self._urgency_slot:
                if weight > 0:
                    urgent_words.append(label)
            else:
                matches.append(
                    Match(
                        keyword=label,
                        category=self._ids[slot],
                        weight=round(weight, 4),
                        how=how,
                        found=surface,
                    )
                )
        return self._result(scores, matches, urgent_words, norm)

    def _contributions(
        self, category_hits: list[Hit], urgency_hits: list[Hit], negatives: set[str], norm: str
    ) -> Iterable[tuple[int, str, float, str, str]]:
        """(slot, keyword, points, how, found) for every distinct keyword, phrase and negative keyword."""
        urgency = self._urgency_slot
        best: dict[tuple[int, str], list] = {}
        for hits, in_group in (
            (category_hits, lambda s: s < urgency),
            (urgency_hits, lambda s: s == urgency),
        ):
            for hit in sorted(hits, key=lambda h: h.start):
                for use in self._index.uses[hit.term]:
                    if not in_group(use.slot):
                        continue
                    entry = best.get((use.slot, hit.term))
                    if entry is None:
                        best[(use.slot, hit.term)] = [use, hit, 1]
                    else:
                        entry[2] += 1
                        if _strength(hit) > _strength(entry[1]):
                            entry[1] = hit
        count_repeats = self._settings.count_repeats
        for use, hit, count in best.values():
            points = use.weight * _strength(hit)
            if count_repeats and count > 1:
                points *= 1 + math.log(count)
            yield use.slot, use.label, points, hit.how, hit.found
        for slot, phrase in self._index.find_phrases(norm, self._settings.phrase_window):
            yield slot, phrase.label, phrase.weight, EXACT, phrase.label
        for term in negatives:
            for use in self._index.negative[term]:
                yield use.slot, use.label, use.weight, EXACT, term

    def _result(
        self, scores: list[float], matches: list[Match], urgent_words: list[str], norm: str
    ) -> Classification:
        settings = self._settings
        category_scores = [max(0.0, score) for score in scores[: self._urgency_slot]]
        order = sorted(range(len(category_scores)), key=lambda i: (-category_scores[i], i))
        best = order[0]
        first = category_scores[best]
        if first <= 0:
            best, confidence = self._fallback_slot, 0.0
            top: tuple[tuple[str, float], ...] = ((self._ids[best], 0.0),)
        else:
            second = category_scores[order[1]] if len(order) > 1 else 0.0
            confidence = (first - second) / (first + settings.smoothing)
            top = tuple(
                (self._ids[i], round(category_scores[i], 4)) for i in order[:3] if category_scores[i] > 0
            )
        confident = first >= settings.min_score and confidence >= settings.min_confidence
        rank = {cid: position for position, (cid, _) in enumerate(top)}
        matches.sort(key=lambda m: (rank.get(m.category, len(rank)), -m.weight))
        urgent = scores[self._urgency_slot] >= self.taxonomy.urgency.threshold
        return Classification(
            category=self._ids[best],
            category_name=self._names[best][1],
            confidence=round(confidence, 4),
            confident=confident,
            top=top,
            matched=tuple(matches),
            urgent=urgent,
            urgent_words=tuple(dict.fromkeys(urgent_words)),
            location=extract_location(norm),
            names=self._names,
        )


def _strength(hit: Hit) -> float:
    if hit.how == EXACT:
        return 1.0
    if hit.how == FUZZY:
        return FUZZY_FACTOR * hit.similarity
    return PINYIN_FACTOR


def load_classifier(path: str | os.PathLike[str] | None = None) -> Classifier:
    """A classifier for the taxonomy file at ``path`` (``None``: the packaged default)."""
    return Classifier(load_taxonomy(path))


@cache
def load_default_classifier() -> Classifier:
    """The process-wide classifier: ``LINLI_TAXONOMY_FILE`` if set, else the packaged default taxonomy."""
    return load_classifier(configured_taxonomy_path())
