"""Keyword classification of resident reports: scores every category of a taxonomy and explains why."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from functools import cache
from itertools import pairwise
from operator import attrgetter

from nlp.learned import load_packaged_category_model, load_packaged_model
from nlp.location import Mentions, extract_location, location_mentions, location_spans, mask_locations
from nlp.matcher import EXACT, FUZZY, FUZZY_FACTOR, PINYIN_FACTOR, Hit, TermIndex, keep_longest
from nlp.normalize import normalize_prefix
from nlp.phonetic import reading_table
from nlp.result import Classification, Match
from nlp.segment import Segmenter
from nlp.taxonomy import Taxonomy, configured_taxonomy_path, load_taxonomy
from nlp.urgency import Danger, Grammar

_START = attrgetter("start")


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
        grammar = taxonomy.urgency.grammar
        # The urgency grammar's hazards and signals share the one index (one scan, one typo search) in slots
        # of their own.
        self._grammar = Grammar(grammar, taxonomy.urgency.vocabulary) if grammar is not None else None
        self._model = load_packaged_model() if taxonomy.urgency.learned else None
        self._category_model = load_packaged_category_model() if self._settings.learned_category else None
        keywords = {k.text for v in vocabularies for k in (*v.keywords, *v.negative)}
        if self._grammar is not None:
            vocabularies.extend(self._grammar.vocabularies)
        exact_only: frozenset[str] = frozenset()
        if self._grammar is not None:
            # A grammar word that is also a category or urgency keyword keeps its typo matching.
            exact_only = self._grammar.exact_only - keywords
        self._index = TermIndex(vocabularies, reading_table() if fuzzy else None, exact_only)
        self._segmenter = (segmenter or shared_segmenter()) if fuzzy else None
        self._category_terms = frozenset(
            term for term, uses in self._index.uses.items() if any(u.slot < self._urgency_slot for u in uses)
        )
        self._urgency_terms = frozenset(
            term for term, uses in self._index.uses.items() if any(u.slot == self._urgency_slot for u in uses)
        )
        self._main_terms = self._category_terms | self._urgency_terms | frozenset(self._index.negative)
        # Each term's uses in the category slots and in the urgency slot, split once here rather than
        # filtered for every hit of every message.
        self._category_uses = {
            term: tuple(u for u in uses if u.slot < self._urgency_slot)
            for term, uses in self._index.uses.items()
        }
        self._urgency_uses = {
            term: tuple(u for u in uses if u.slot == self._urgency_slot)
            for term, uses in self._index.uses.items()
        }
        # The hazard an urgency keyword speaks of, for a lowering of only some hazards (抽烟: not the fire).
        self._keyword_hazard = self._grammar.keyword_hazard if self._grammar is not None else {}
        self._urgency_negative = frozenset(k.text for k in taxonomy.urgency.vocabulary.negative)
        # An urgent report filed under none of its hazards' categories leans to the first of them (or to the
        # grammar's category) by ``category_weight``: a man collapsed in the car park is not about parking.
        self._lean_weight = grammar.category_weight if grammar is not None else 0.0
        slot = self._slots = {cid: i for i, cid in enumerate(self._ids)}
        self._lean_default = slot.get(grammar.category) if grammar is not None and grammar.category else None
        self._hazard_slots = (
            tuple(tuple(slot[c] for c in hazard.categories) for hazard in grammar.hazards)
            if grammar is not None
            else ()
        )

    def classify(self, text: str) -> Classification:
        settings = self._settings
        norm = normalize_prefix(text, settings.max_chars)
        # The character pairs of the text serve both the exact and the typo search.
        pairs = list(pairwise(norm))
        found = self._index.find_exact(norm, pairs)
        exact_terms = {hit.term for hit in found}
        mentions: Mentions | None = None
        if self._segmenter is not None and norm:
            # Only category and urgency keywords mark text as covered, so the grammar's words never hide
            # a keyword's typo.
            covered = found if self._grammar is None else [h for h in found if h.term in self._main_terms]
            mentions = location_mentions(norm)
            spans = location_spans(norm, mentions)
            masked = mask_locations(norm, spans)
            for start, end in spans:
                # Only the pairs touching a blanked mention change.
                low = max(0, start - 1)
                pairs[low:end] = pairwise(masked[low : end + 1])
            found += self._index.find_typos(masked, covered, self._segmenter, pairs)
        # Both term sets lie inside the index's keywords, so no pass over ``found`` for those is needed first.
        category_terms, urgency_terms = self._category_terms, self._urgency_terms
        category_hits = [hit for hit in found if hit.term in category_terms]
        urgency_hits = [hit for hit in found if hit.term in urgency_terms]
        if settings.longest_match:
            category_hits = keep_longest(category_hits)
            urgency_hits = keep_longest(urgency_hits)
        danger = self._danger(norm, found, category_hits, bool(urgency_hits)) if norm else None
        if danger is not None and danger.denies:
            # 没有闻到煤气味，就是水压低 is not about gas.
            assert self._grammar is not None
            signals = self._grammar.signal_terms
            category_hits = [h for h in category_hits if h.term not in signals or not danger.denied(h.start)]
        lowered_words: list[str] = []
        if urgency_hits:
            # An urgency word inside a longer category keyword is that keyword (落水 in 落水管).
            by_start: dict[int, int] = {}
            for c in category_hits:
                by_start[c.start] = max(by_start.get(c.start, 0), c.end)
            urgency_hits = [
                hit
                for hit in urgency_hits
                if not any(
                    by_start.get(start, 0) >= hit.end and by_start[start] - start > hit.end - hit.start
                    for start in range(max(0, hit.start - 8), hit.start + 1)
                )
            ]
        hazard_of = self._keyword_hazard.get
        if danger is not None and urgency_hits:
            kept = []
            for hit in urgency_hits:
                # Every urgency hit has a use in the urgency slot: its label names the hazard.
                if danger.lowered(hit.start, hazard_of(self._urgency_uses[hit.term][0].label)):
                    lowered_words.extend(
                        use.label for use in self._index.uses[hit.term] if use.slot == self._urgency_slot
                    )
                else:
                    kept.append(hit)
            urgency_hits = kept

        scores = [0.0] * (self._urgency_slot + 1)
        matches: list[Match] = []
        urgent_words: list[str] = []
        # In the order found, not a set's: that order changes with the hash seed, and with it the order of
        # the matches staff see and of the float sums behind the scores.
        negatives = list(dict.fromkeys(hit.term for hit in found if hit.term in self._index.negative))
        for slot, label, weight, how, surface in self._contributions(
            category_hits, urgency_hits, negatives, norm, exact_terms
        ):
            if slot == self._urgency_slot and weight > 0 and danger is not None:
                phrase_at = norm.find(surface.split("+", 1)[0]) if "+" in surface else -1
                if phrase_at >= 0 and danger.lowered(phrase_at, hazard_of(label)):
                    lowered_words.append(label)
                    continue
            elif (
                slot != self._urgency_slot
                and danger is not None
                and danger.denies
                and "+" in surface
                and _denied_phrase(norm, surface, danger)
            ):
                continue
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
        learned = False
        if (
            self._model is not None
            and norm
            and scores[self._urgency_slot] < self.taxonomy.urgency.threshold
            and not (danger is not None and danger.matches)
        ):
            learned, danger = self._learned(norm, found, category_hits, danger)
        return self._result(scores, matches, urgent_words, norm, danger, lowered_words, mentions, learned)

    def _learned(
        self, norm: str, found: list[Hit], category_hits: list[Hit], danger: Danger | None
    ) -> tuple[bool, Danger | None]:
        """Whether the learned model adds urgency the grammar did not find, and the grammar's full view.

        Its word is taken where nothing lowered urgency, or only cues it may overrule (a negation that tells
        the danger: 敲门没人应); the grammar skips its lowering cues when it finds no hazard and no state, so
        it is asked again in full first when it stopped early.
        """
        assert self._model is not None
        if not self._model.urgent(norm):
            return False, danger
        if danger is None or not danger.complete:
            danger = self._danger(norm, found, category_hits, True)
        if danger is None:
            return True, danger
        assert self._grammar is not None
        return not danger.matches and not danger.kinds - self._grammar.overruled, danger

    def _danger(self, norm: str, found: list[Hit], category_hits: list[Hit], keywords: bool) -> Danger | None:
        if self._grammar is None:
            return None
        # The urgency grammar ignores what an urgency negative word covers (打不着火 holds 着火) and signals
        # inside a longer category keyword (落水 in 落水管).
        negative = self._urgency_negative
        blocked = [(hit.start, hit.end) for hit in found if hit.term in negative] if negative else []
        return self._grammar.evaluate(norm, found, blocked, category_hits, keywords)

    def _contributions(
        self,
        category_hits: list[Hit],
        urgency_hits: list[Hit],
        negatives: list[str],
        norm: str,
        exact_terms: set[str] | None = None,
    ) -> Iterable[tuple[int, str, float, str, str]]:
        """(slot, keyword, points, how, found) for every distinct keyword, phrase and negative keyword."""
        best: dict[tuple[int, str], list] = {}
        for hits, group_uses in ((category_hits, self._category_uses), (urgency_hits, self._urgency_uses)):
            for hit in sorted(hits, key=_START) if len(hits) > 1 else hits:
                term = hit.term
                for use in group_uses[term]:
                    key = (use.slot, term)
                    entry = best.get(key)
                    if entry is None:
                        best[key] = [use, hit, 1]
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
        for slot, phrase in self._index.find_phrases(norm, self._settings.phrase_window, exact_terms):
            yield slot, phrase.label, phrase.weight, EXACT, phrase.label
        for term in negatives:
            for use in self._index.negative[term]:
                yield use.slot, use.label, use.weight, EXACT, term

    def _result(
        self,
        scores: list[float],
        matches: list[Match],
        urgent_words: list[str],
        norm: str,
        danger: Danger | None = None,
        lowered_words: list[str] | None = None,
        mentions: Mentions | None = None,
        learned: bool = False,
    ) -> Classification:
        settings = self._settings
        urgent = learned or scores[self._urgency_slot] >= self.taxonomy.urgency.threshold
        if danger is not None:
            urgent = urgent or bool(danger.matches)
        # What the grammar's rules found urgent. The learned model names no hazard: its reports get the
        # taxonomy's default reason and lean to its default category.
        hazards = danger.matches if danger is not None else []
        if urgent and self._lean_weight > 0:
            self._lean(scores, hazards)
        category_scores = [max(0.0, score) for score in scores[: self._urgency_slot]]
        # Best first; a reverse sort keeps equal scores in slot order, as the (-score, slot) key did.
        order = sorted(range(len(category_scores)), key=category_scores.__getitem__, reverse=True)
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
        category_learned = False
        # Only where the keywords found something and are unsure: text they find nothing in is no report the
        # model was trained on (weather talk, a greeting).
        if self._category_model is not None and first > 0 and not confident:
            label, probability = self._category_model.best(norm)
            slot = self._slots.get(label)
            if probability >= self._category_model.threshold and slot is not None and slot != best:
                # Still a guess for staff to confirm: only the keywords make a result confident.
                best, category_learned = slot, True
                top = ((label, round(category_scores[slot], 4)), *(t for t in top if t[0] != label))[:3]
        rank = {cid: position for position, (cid, _) in enumerate(top)}
        matches.sort(key=lambda m: (rank.get(m.category, len(rank)), -m.weight))
        reason = None
        lowered: tuple[str, ...] = ()
        if danger is not None:
            urgent_words = urgent_words + [words for _, words in hazards]
            lowered = tuple(dict.fromkeys([*danger.cues, *(lowered_words or ())]))
        if urgent:
            reason = self._reason(urgent_words, hazards)
        return Classification(
            category=self._ids[best],
            category_name=self._names[best][1],
            confidence=round(confidence, 4),
            confident=confident,
            top=top,
            matched=tuple(matches),
            urgent=urgent,
            urgent_words=tuple(dict.fromkeys(urgent_words)),
            location=extract_location(norm, mentions),
            names=self._names,
            urgent_reason=reason,
            urgent_lowered=lowered if not urgent else (),
            urgent_learned=learned,
            category_learned=category_learned,
        )

    def _lean(self, scores: list[float], hazards: list[tuple[int, str]]) -> None:
        slots: tuple[int, ...] = ()
        for hazard, _ in hazards:
            slots += self._hazard_slots[hazard]
        if not slots:
            if self._lean_default is None:
                return
            slots = (self._lean_default,)
        best = max(range(self._urgency_slot), key=lambda i: (scores[i], -i))
        if scores[best] > 0 and best in slots:
            return
        scores[slots[0]] += self._lean_weight

    def _reason(self, urgent_words: list[str], hazards: list[tuple[int, str]]) -> str | None:
        """The hazards' plain words (燃气泄漏、有人被困), in the order the taxonomy lists them."""
        grammar = self._grammar
        if grammar is None:
            return None
        # The grammar's hazards when it found any; otherwise what the urgency keywords speak of.
        found = {hazard for hazard, _ in hazards}
        if not found:
            found = {h for h in map(grammar.keyword_hazard.get, urgent_words) if h is not None}
        if not found:
            return grammar.default_reason
        reasons = [grammar.reasons[h] for h in sorted(found)]
        return "、".join(dict.fromkeys(reasons))


def _denied_phrase(norm: str, surface: str, danger: Danger) -> bool:
    """A phrase all of whose parts start where a denial reaches (没有闻到+煤气)."""
    for part in surface.split("+"):
        at = norm.find(part)
        if at < 0 or not danger.denied(at):
            return False
    return True


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
