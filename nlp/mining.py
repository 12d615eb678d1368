"""Proposing weighted keywords per label from labelled messages (``linli nlp mine``).

Candidates are jieba tokens of two or more characters and pairs of adjacent tokens, seen in at least
``min_count`` messages. Each label keeps the ``max_keywords`` candidates most typical of it, ranked by the
log-odds ratio with an informative Dirichlet prior (Monroe et al. 2008; z-scores, so rare flukes do not
rank high). Weights are complement naive Bayes log-weights (Rennie et al. 2003) over sublinear term counts,
made non-negative by subtracting each term's smallest weight over all labels (which changes no ranking:
every label gains the same for that term) and normalised so each label's weights sum to ``_LABEL_MASS``
(labels with a large vocabulary do not win by volume). Entries below ``min_relative_weight`` of a label's
strongest keyword are left out. Counting uses the classifier's own substring
matching, so the weights describe exactly what the classifier will see.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from nlp.dataset import LabelledText
from nlp.matcher import TermIndex
from nlp.normalize import normalize_prefix
from nlp.segment import Segmenter
from nlp.taxonomy import (
    Category,
    Keyword,
    MiningSettings,
    Settings,
    Taxonomy,
    Urgency,
    Vocabulary,
    default_sla,
)

_CONTENT = re.compile(r"^[\u3400-\u9fffa-z0-9]+$")
# Grammatical words that only make noisy pairs (的出租车, 出租车的) for staff to wade through.
_FUNCTION_WORDS = frozenset("的了是在和与及也都就还把被给对向从到为而或又很太我你他她它这那有个之其等吗呢吧")
# Strength of the informative prior of the log-odds ranking, in pseudo-messages.
_PRIOR_MESSAGES = 10.0
_LABEL_MASS = 1000.0
# Scores of a mined taxonomy are sums over many small weights; these settings suit that scale.
MINED_SETTINGS = Settings(
    min_score=1.0, min_confidence=0.02, smoothing=1.0, fuzzy=False, longest_match=False, count_repeats=True
)


def _candidates(tokens: list[str], bigrams: bool) -> set[str]:
    found = set()
    previous = ""
    for token in tokens:
        content = bool(_CONTENT.match(token)) and not token.isdigit() and token not in _FUNCTION_WORDS
        if content and len(token) >= 2:
            found.add(token)
        if bigrams and previous and content and len(previous) + len(token) >= 3:
            found.add(previous + token)
        previous = token if content else ""
    return found


def mine(
    rows: Sequence[LabelledText],
    segmenter: Segmenter,
    settings: MiningSettings | None = None,
    template: Taxonomy | None = None,
    source: str = "<mined>",
) -> Taxonomy:
    """A taxonomy with one category per label of ``rows`` (most common label as fallback).

    ``template`` (optional) supplies the urgency vocabulary and response times.
    """
    settings = settings or (template.mining if template else MiningSettings())
    label_counts = Counter(row.label for row in rows).most_common()
    if not label_counts:
        raise ValueError("no labelled rows to mine")
    labels = [label for label, _ in label_counts]
    texts = [normalize_prefix(row.text, MINED_SETTINGS.max_chars) for row in rows]

    document_frequency: Counter[str] = Counter()
    for text in texts:
        document_frequency.update(_candidates(segmenter.cut(text), settings.bigrams))
    terms = [term for term, count in document_frequency.items() if count >= settings.min_count]
    weights = _weights(texts, [row.label for row in rows], labels, terms, settings)

    urgency = template.urgency if template else Urgency(Vocabulary(), 1.0)
    sla = template.sla if template else default_sla()
    categories = tuple(
        Category(
            id=label,
            name=label,
            description=f"挖掘自 {count} 条标注为「{label}」的消息，请审核。",
            vocabulary=Vocabulary(
                keywords=tuple(Keyword(term, weight, term) for term, weight in weights[label])
            ),
            sla=sla,
        )
        for label, count in label_counts
    )
    return Taxonomy(
        categories=categories,
        fallback=labels[0],
        urgency=urgency,
        settings=MINED_SETTINGS,
        sla=sla,
        mining=settings,
        source=source,
    )


def _weights(
    texts: list[str], gold: list[str], labels: list[str], terms: list[str], settings: MiningSettings
) -> dict[str, list[tuple[str, float]]]:
    column = {label: i for i, label in enumerate(labels)}
    index = TermIndex([Vocabulary(keywords=tuple(Keyword(t, 1.0, t) for t in terms))], readings=None)
    # Per term and label: sum of sublinear counts (for the weights) and number of messages (for ranking).
    mass = {term: [0.0] * len(labels) for term in terms}
    messages = {term: [0] * len(labels) for term in terms}
    label_sizes = [0] * len(labels)
    for text, label in zip(texts, gold, strict=True):
        j = column[label]
        label_sizes[j] += 1
        for term, count in Counter(hit.term for hit in index.find_exact(text)).items():
            mass[term][j] += 1 + math.log(count)
            messages[term][j] += 1

    # Candidates come from tokens but counting is by substring; a digit token inside a longer number
    # (3 in 1302) is never counted, so drop what was never seen.
    terms = [term for term in terms if any(messages[term])]
    mass = {term: mass[term] for term in terms}
    alpha = settings.alpha
    totals = [sum(values[j] for values in mass.values()) for j in range(len(labels))]
    grand_total = sum(totals)
    vocabulary_size = len(terms)
    # Complement naive Bayes: how unlikely the term is in the messages of all *other* labels.
    raw: dict[str, list[float]] = {}
    for term, values in mass.items():
        term_total = sum(values)
        row = [
            -math.log((term_total - values[j] + alpha) / (grand_total - totals[j] + alpha * vocabulary_size))
            for j in range(len(labels))
        ]
        low = min(row)
        raw[term] = [value - low for value in row]
    label_sums = [sum(row[j] for row in raw.values()) or 1.0 for j in range(len(labels))]

    selected: set[str] = set()
    for j in range(len(labels)):
        z = {term: _log_odds_z(messages[term], j, label_sizes, len(texts)) for term in terms}
        ranked = sorted((term for term in terms if z[term] > 0), key=lambda term: (-z[term], term))
        selected.update(ranked[: settings.max_keywords])

    result: dict[str, list[tuple[str, float]]] = {}
    for label, j in column.items():
        entries = {term: raw[term][j] / label_sums[j] * _LABEL_MASS for term in selected}
        # Weak entries (a term typical of another label, slightly less rare here) barely move scores but
        # would bury the real keywords in the file staff review.
        floor = max(max(entries.values(), default=0.0) * settings.min_relative_weight, 1e-4)
        kept = [(term, round(weight, 4)) for term, weight in entries.items() if weight >= floor]
        result[label] = sorted(kept, key=lambda item: (-item[1], item[0]))
    return result


def _log_odds_z(counts: list[int], j: int, sizes: list[int], total: int) -> float:
    """z-score of the log-odds ratio of a term's message rate in label ``j`` versus all other labels."""
    inside, size = counts[j], sizes[j]
    outside, other_size = sum(counts) - inside, total - size
    prior = _PRIOR_MESSAGES * sum(counts) / total
    delta = math.log((inside + prior) / (size - inside + _PRIOR_MESSAGES - prior)) - math.log(
        (outside + prior) / (other_size - outside + _PRIOR_MESSAGES - prior)
    )
    return delta / math.sqrt(1 / (inside + prior) + 1 / (outside + prior))
