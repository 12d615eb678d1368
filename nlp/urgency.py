"""Urgency as a grammar: a hazard in a live state (near people, where a rule wants that), within a window.

The taxonomy's `[urgency.grammar]` says which words name a hazard, a live state and an exposure, which
hazard × state (× exposure) is urgent, and which cues lower it (a negation, a near miss that is over, a fixed
past event, a hypothetical, a warning) over what scope. The classifier finds every word in one scan of its
index; this module decides from those hits what is urgent, and why.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from nlp.matcher import EXACT, Hit
from nlp.taxonomy import UrgencyGrammar, Vocabulary

# Where a sentence ends, and where a clause ends (normalised text: full-width marks are already half-width).
SENTENCE_ENDS = frozenset("。!?;\n")
CLAUSE_ENDS = SENTENCE_ENDS | frozenset(",、~…:")
# The hazard named first may be followed by its state past an exclamation (煤气!4栋!气味好大), not past a full
# stop or a question.
HARD_ENDS = SENTENCE_ENDS - {"!"}
# ... and past at most this many commas (大爷从台阶上滚下去了，脑袋撞到了，爬不起来), within the window.
CLAUSE_MARKS = CLAUSE_ENDS - SENTENCE_ENDS
MAX_MARKS = 2
# Roles of the lowering cues' words, which are never cut by a longer keyword.
CUE_KINDS = frozenset({"lower", "with", "unless", "not_with"})


class Danger:
    """What the urgency grammar found in one message: (hazard index, words) matches and the lowering cues."""

    __slots__ = ("_all", "_denied", "_hazard_masks", "_mask", "complete", "cues", "kinds", "matches")

    def __init__(self, size: int) -> None:
        self.matches: list[tuple[int, str]] = []
        self.cues: list[str] = []
        # The ids of the lowerings applied, all of them (``cues`` keeps the first few, for staff).
        self.kinds: set[str] = set()
        # False when the grammar stopped early, finding nothing its lowering cues could apply to.
        self.complete = False
        self._all = False
        self._mask = bytearray(size + 1)
        # Where a lowering that ``denies`` reaches (没有 of 没有闻到煤气味), or None.
        self._denied: bytearray | None = None
        # Where a lowering of only some hazards reaches, by hazard (抽烟 lowers the fire, not the gas).
        self._hazard_masks: dict[int, bytearray] = {}

    def lower(
        self,
        start: int,
        end: int,
        kind: str,
        label: str,
        *,
        denies: bool = False,
        hazards: Iterable[int] = (),
    ) -> None:
        size = len(self._mask)
        masks = [self._hazard_masks.setdefault(h, bytearray(size)) for h in hazards] or [self._mask]
        for mask in masks:
            mask[start:end] = b"\x01" * (end - start)
        if denies:
            if self._denied is None:
                self._denied = bytearray(size)
            self._denied[start:end] = b"\x01" * (end - start)
        self.kinds.add(kind)
        if len(self.cues) < 8:
            self.cues.append(f"{kind}: {label}")

    def lower_all(self, kind: str, label: str) -> None:
        self._all = True
        self.kinds.add(kind)
        self.cues.append(f"{kind}: {label}")

    def lowered(self, position: int, hazard: int | None = None) -> bool:
        """Whether a lowering reaches ``position``: one of every hazard, or one of ``hazard``'s."""
        if self._all or self._mask[position]:
            return True
        mask = self._hazard_masks.get(hazard) if hazard is not None else None
        return mask is not None and bool(mask[position])

    @property
    def denies(self) -> bool:
        return self._denied is not None

    def denied(self, position: int) -> bool:
        """Whether a denying lowering reaches ``position`` (as ``lowered``, where words start)."""
        return self._denied is not None and bool(self._denied[position])


class Grammar:
    """The taxonomy's urgency grammar, compiled: hazard × live state (× exposure) within a window."""

    def __init__(self, grammar: UrgencyGrammar, vocabulary: Vocabulary) -> None:
        self.window = grammar.window
        self.exposure_window = grammar.exposure_window
        self.default_reason = grammar.default_reason
        self.reasons = tuple(h.reason for h in grammar.hazards)
        self.rules = grammar.rules
        self.lowering = grammar.lowering
        self.overruled = frozenset(lowering.id for lowering in grammar.lowering if lowering.learned_overrules)
        hazard_at = {h.id: i for i, h in enumerate(grammar.hazards)}
        self.rule_hazards = tuple(hazard_at[r.hazard] for r in grammar.rules)
        # Per lowering, the hazards it alone lowers (none: every one).
        self._lowers = tuple(tuple(hazard_at[h] for h in lowering.hazards) for lowering in grammar.lowering)
        # The rules (not urgent alone) of each hazard, by position: a message names a hazard or two, and
        # only their rules need a look.
        self._hazard_rules: dict[int, tuple[int, ...]] = {}
        for position, (rule, h) in enumerate(zip(grammar.rules, self.rule_hazards, strict=True)):
            if not rule.alone:
                self._hazard_rules[h] = (*self._hazard_rules.get(h, ()), position)
        vocabularies: list[Vocabulary] = []
        self.roles: list[tuple[str, object]] = []
        for i, hazard in enumerate(grammar.hazards):
            vocabularies.append(Vocabulary(keywords=hazard.terms))
            self.roles.append(("hazard", i))
            if hazard.signals:
                vocabularies.append(Vocabulary(keywords=hazard.signals))
                self.roles.append(("signal", i))
        groups = {group.id: group for group in grammar.states}
        for r, rule in enumerate(grammar.rules):
            if rule.alone:
                terms = {t.text: t for sid in rule.states for t in groups[sid].terms}
                vocabularies.append(Vocabulary(keywords=tuple(terms.values())))
                self.roles.append(("alone", r))
        for group in grammar.states:
            vocabularies.append(Vocabulary(keywords=group.terms))
            self.roles.append(("state", group.id))
        for group in grammar.exposure:
            vocabularies.append(Vocabulary(keywords=group.terms))
            self.roles.append(("exposure", group.id))
        for i, lowering in enumerate(grammar.lowering):
            vocabularies.append(Vocabulary(keywords=lowering.terms))
            self.roles.append(("lower", i))
            if lowering.with_terms:
                vocabularies.append(Vocabulary(keywords=lowering.with_terms))
                self.roles.append(("with", i))
            if lowering.unless:
                vocabularies.append(Vocabulary(keywords=lowering.unless))
                self.roles.append(("unless", i))
            if lowering.not_with:
                vocabularies.append(Vocabulary(keywords=lowering.not_with))
                self.roles.append(("not_with", i))
        # Every term joins the classifier's index, so one scan finds them all. Hazards and signals are also
        # matched as typos (天然汽, 煤汽); states, exposure, lowering cues and states urgent alone only as
        # written, so they never send a message through segmentation.
        typo_roles: dict[str, list[tuple[str, object]]] = {}
        exact_roles: dict[str, list[tuple[str, object]]] = {}
        self.vocabularies = list(vocabularies)
        for group_vocabulary, role in zip(vocabularies, self.roles, strict=True):
            roles = typo_roles if role[0] in ("hazard", "signal", "alone") else exact_roles
            for keyword in group_vocabulary.keywords:
                roles.setdefault(keyword.text, []).append(role)
        self.term_roles = {term: tuple(roles) for term, roles in typo_roles.items()}
        self.exact_roles = {term: tuple(roles) for term, roles in exact_roles.items()}
        typo_terms = {term for term, roles in typo_roles.items() if any(k != "alone" for k, _ in roles)}
        self.exact_only = frozenset((set(typo_roles) | set(exact_roles)) - typo_terms)
        # The words that name a danger outright (煤气味, 着火): denied, they say what a message is not about.
        self.signal_terms = frozenset(
            term for term, roles in typo_roles.items() if any(kind == "signal" for kind, _ in roles)
        )
        self.keyword_hazard = self._keyword_hazards(grammar, vocabulary)

    @staticmethod
    def _keyword_hazards(grammar: UrgencyGrammar, vocabulary: Vocabulary) -> dict[str, int]:
        """Which hazard each urgency keyword and phrase speaks of, for the reason shown to staff: a hazard
        term with one of its rules' states in it (电梯+困), else a signal, a hazard term or a state in it. A
        state alone names a hazard only when it is the state of no other: 淹了 is as much a flooded home as
        a flooded switchboard, and says neither."""
        states = {group.id: [t.text for t in group.terms] for group in grammar.states}
        hazard_states: list[list[str]] = [[] for _ in grammar.hazards]
        at = {hazard.id: i for i, hazard in enumerate(grammar.hazards)}
        for rule in grammar.rules:
            for sid in rule.states:
                hazard_states[at[rule.hazard]].extend(states[sid])
        mapping: dict[str, int] = {}
        for i, hazard in enumerate(grammar.hazards):
            for signal in hazard.signals:
                mapping.setdefault(signal.label, i)
        entries = [(k.label, k.text) for k in vocabulary.keywords]
        entries += [(p.label, "".join(p.parts)) for p in vocabulary.phrases]
        tests = (
            lambda i, text: (
                any(t.text in text for t in grammar.hazards[i].terms)
                and any(state in text for state in hazard_states[i])
            ),
            lambda i, text: any(len(t.text) > 1 and t.text in text for t in grammar.hazards[i].signals),
            lambda i, text: any(len(t.text) > 1 and t.text in text for t in grammar.hazards[i].terms),
            lambda i, text: any(len(state) > 1 and state in text for state in hazard_states[i]),
        )
        *named_by_words, named_by_state = tests
        for label, text in entries:
            if label in mapping:
                continue
            for test in named_by_words:
                found = next((i for i in range(len(grammar.hazards)) if test(i, text)), None)
                if found is not None:
                    mapping[label] = found
                    break
            else:
                found_by_state = [i for i in range(len(grammar.hazards)) if named_by_state(i, text)]
                if len(found_by_state) == 1:
                    mapping[label] = found_by_state[0]
        return mapping

    def evaluate(
        self,
        norm: str,
        found: list[Hit],
        blocked: list[tuple[int, int]],
        longer: list[Hit],
        keywords: bool = True,
    ) -> Danger:
        """Hazard × state (× exposure) matches and lowering cues among the hits of the shared index."""
        danger = Danger(len(norm))
        typo_roles, exact_roles = self.term_roles, self.exact_roles
        tagged = [(h, typo_roles[h.term]) for h in found if h.term in typo_roles]
        if not tagged and not keywords:
            return danger  # no hazard: nothing to find, nothing to lower
        tagged += [(h, exact_roles[h.term]) for h in found if h.term in exact_roles and h.how == EXACT]
        if blocked:
            # What a negative word covers is no danger, but its cues still count (万一 of 万一着火 lowers
            # the 烟就窜上来 after it).
            tagged = [
                (h, r if not any(a <= h.start and h.end <= b for a, b in blocked) else _cues_only(r))
                for h, r in tagged
            ]
        covering: dict[int, list[Hit]] | None = None
        by_role: dict[tuple[str, object], list[Hit]] = {}
        for hit, hit_roles in tagged:
            words = None
            for role in hit_roles:
                kind = role[0]
                if kind == "alone" and hit.how != EXACT:
                    continue  # a state alone counts only as written
                if kind == "signal" or (hit.end - hit.start == 1 and kind not in CUE_KINDS):
                    if covering is None:
                        covering = _covering(longer)
                    if words is None:
                        words = covering.get(hit.start, []) + covering.get(hit.end - 1, [])
                    if words and _cut_by(hit, words, signal=kind == "signal"):
                        continue
                by_role.setdefault(role, []).append(hit)
        positions = sorted(
            position
            for kind, h in by_role
            if kind == "hazard"
            for position in self._hazard_rules.get(h, ())  # type: ignore[arg-type]
        )
        rules = [
            (self.rules[position], self.rule_hazards[position])
            for position in positions
            if any(("state", sid) in by_role for sid in self.rules[position].states)
        ]
        alone = [(r, hits) for (kind, r), hits in by_role.items() if kind == "alone" and isinstance(r, int)]
        if not rules and not alone and not keywords and not any(kind == "signal" for kind, _ in by_role):
            return danger  # nothing that lowering could apply to
        self._lower(norm, by_role, danger)
        danger.complete = True
        seen: set[int] = set()
        for (role, key), hits in by_role.items():
            if role == "signal":
                for hit in hits:
                    if not danger.lowered(hit.start, key):  # type: ignore[arg-type]
                        danger.matches.append((key, hit.found))  # type: ignore[arg-type]
                        seen.add(key)  # type: ignore[arg-type]
                        break
        for r, hits in alone:
            h = self.rule_hazards[r]
            if h in seen:
                continue
            exposure = self.rules[r].exposure
            exposure_hits = [hit for eid in exposure for hit in by_role.get(("exposure", eid), ())]
            for hit in hits:
                if danger.lowered(hit.start, h):
                    continue
                if exposure:
                    near = [e for e in exposure_hits if _gap(hit, e) <= self.exposure_window]
                    if not near:
                        continue
                    danger.matches.append((h, f"{hit.found}+{near[0].found}"))
                else:
                    danger.matches.append((h, hit.found))
                seen.add(h)
                break
        for rule, h in rules:
            if h in seen:
                continue
            words = self._rule_match(
                norm, h, rule.states, rule.exposure, by_role.get(("hazard", h), ()), by_role, danger
            )
            if words is not None:
                danger.matches.append((h, words))
                seen.add(h)
        return danger

    def _rule_match(
        self,
        norm: str,
        hazard_index: int,
        states: tuple[str, ...],
        exposure: tuple[str, ...],
        hazards: Iterable[Hit],
        by_role: dict[tuple[str, object], list[Hit]],
        danger: Danger,
    ) -> str | None:
        state_hits = sorted(
            (hit for sid in states for hit in by_role.get(("state", sid), ())), key=lambda h: h.start
        )
        if not state_hits:
            return None
        starts = [hit.start for hit in state_hits]
        reach = self.window + max(hit.end - hit.start for hit in state_hits)
        exposure_hits = [hit for eid in exposure for hit in by_role.get(("exposure", eid), ())]
        if exposure and not exposure_hits:
            return None
        for hazard in hazards:
            if danger.lowered(hazard.start, hazard_index):
                continue
            low = bisect_left(starts, hazard.start - reach)
            high = bisect_right(starts, hazard.end + self.window)
            for state in state_hits[low:high]:
                if state.start < hazard.end and hazard.start < state.end:
                    continue
                if danger.lowered(state.start, hazard_index) or _gap(hazard, state) > self.window:
                    continue
                # In one clause either way round; into the next clause only hazard first (花盆，有一盆往外滑).
                if state.start < hazard.start:
                    if _crosses(norm, hazard, state, CLAUSE_ENDS):
                        continue
                elif _crosses(norm, hazard, state, HARD_ENDS) or _marks(norm, hazard, state) > MAX_MARKS:
                    continue
                words = f"{hazard.found}+{state.found}"
                if not exposure:
                    return words
                near = [e for e in exposure_hits if _gap(hazard, e) <= self.exposure_window]
                if near:
                    return f"{words}+{near[0].found}"
        return None

    def _lower(self, norm: str, by_role: dict[tuple[str, object], list[Hit]], danger: Danger) -> None:
        # A cue inside a longer hazard or state is part of it (没 in 盖子没了), not a negation.
        words = [
            (hit.start, hit.end)
            for (kind, _), hits in by_role.items()
            if kind in ("hazard", "signal", "state")
            for hit in hits
            if hit.end - hit.start > 1
        ]
        for i, lowering in enumerate(self.lowering):
            cues = by_role.get(("lower", i))
            if not cues:
                continue
            partners = by_role.get(("with", i), [])
            if lowering.with_terms and not partners:
                continue
            unless = by_role.get(("unless", i), ())
            cancels = by_role.get(("not_with", i), ())
            for cue in cues:
                if any(a <= cue.start and cue.end <= b and b - a > cue.end - cue.start for a, b in words):
                    continue
                if any(u.start <= cue.start and cue.end <= u.end for u in unless):
                    continue
                if lowering.scope == "before":
                    # A hazard, state or keyword starting within ``reach`` characters after the cue.
                    # From the cue itself, so a keyword starting with it is lowered too (怕掉).
                    start, stop = cue.start, cue.end
                    if stop == len(norm) or norm[stop] in CLAUSE_ENDS:
                        # Nothing follows in its clause: 我一个人在家，好害怕 fears what is happening.
                        continue
                    limit = min(cue.end + lowering.reach + 1, len(norm) + 1)
                    while stop < limit and (stop == len(norm) or norm[stop] not in CLAUSE_ENDS):
                        stop += 1
                elif lowering.scope == "message":
                    start, stop = 0, len(norm) + 1
                else:
                    ends = SENTENCE_ENDS if lowering.scope == "sentence" else CLAUSE_ENDS
                    start, stop = _unit(norm, cue.start, ends)
                    if lowering.reach:
                        start = max(start, cue.start - lowering.reach)
                        stop = min(stop, cue.end + lowering.reach)
                if lowering.with_terms and not any(start <= p.start < stop for p in partners):
                    continue
                if cancels:
                    # A `before` cue reaches a few characters; what cancels it may come later in its
                    # sentence (差点砸到人，现在还在扔).
                    until = _unit(norm, cue.start, SENTENCE_ENDS)[1] if lowering.scope == "before" else stop
                    if any(start <= c.start < until for c in cancels):
                        continue
                label = cue.found
                if lowering.with_terms:
                    label = f"{next(p.found for p in partners if start <= p.start < stop)}…{label}"
                if lowering.scope == "message" and not self._lowers[i]:
                    danger.lower_all(lowering.id, label)
                    return
                danger.lower(start, stop, lowering.id, label, denies=lowering.denies, hazards=self._lowers[i])


def _cues_only(roles: tuple[tuple[str, object], ...]) -> tuple[tuple[str, object], ...]:
    return tuple(role for role in roles if role[0] in CUE_KINDS)


def _covering(words: list[Hit]) -> dict[int, list[Hit]]:
    """Position → the keywords of two or more characters covering it, as written (a typo's guess, 烟太
    heard as 烟大, does not hide the 烟 in it)."""
    covering: dict[int, list[Hit]] = {}
    for word in words:
        if word.end - word.start > 1 and word.how == EXACT:
            for position in range(word.start, word.end):
                covering.setdefault(position, []).append(word)
    return covering


def _cut_by(hit: Hit, words: list[Hit], *, signal: bool) -> bool:
    """True if a signal runs into the middle of a category keyword (全是烟 into 烟头), or a one-character
    hazard or state lies inside one before its end (烟 in 烟头)."""
    for word in words:
        crossing = hit.start < word.start < hit.end < word.end or word.start < hit.start < word.end < hit.end
        if signal and crossing:
            return True
        # A word's last character is its head (狗 in 条狗, 烟 in 浓烟); elsewhere it is part of another
        # thing (烟 in 烟头, 火 in 火锅).
        single = not signal and hit.end - hit.start == 1 < word.end - word.start
        if single and word.start <= hit.start and hit.end < word.end:
            return True
    return False


def _gap(a: Hit, b: Hit) -> int:
    """Characters between two hits (0 when they touch or overlap)."""
    return max(0, max(a.start, b.start) - min(a.end, b.end))


def _crosses(text: str, a: Hit, b: Hit, ends: frozenset[str]) -> bool:
    low, high = min(a.end, b.end), max(a.start, b.start)
    return any(text[k] in ends for k in range(low, high))


def _marks(text: str, a: Hit, b: Hit) -> int:
    """Clause marks between two hits."""
    low, high = min(a.end, b.end), max(a.start, b.start)
    return sum(1 for k in range(low, high) if text[k] in CLAUSE_MARKS)


def _unit(text: str, position: int, ends: frozenset[str]) -> tuple[int, int]:
    """The clause or sentence around ``position``: [start, stop)."""
    bounds = _bounds(text, ends)
    at = bisect_left(bounds, position)
    start = bounds[at - 1] + 1 if at > 0 else 0
    stop = bounds[at] if at < len(bounds) else len(text)
    return start, stop


_BOUNDS_CACHE: dict[tuple[str, frozenset[str]], list[int]] = {}


def _bounds(text: str, ends: frozenset[str]) -> list[int]:
    """Positions of the clause or sentence marks in ``text`` (the last message's, remembered)."""
    key = (text, ends)
    bounds = _BOUNDS_CACHE.get(key)
    if bounds is None:
        if len(_BOUNDS_CACHE) > 4:
            _BOUNDS_CACHE.clear()
        bounds = _BOUNDS_CACHE[key] = [k for k, char in enumerate(text) if char in ends]
    return bounds
