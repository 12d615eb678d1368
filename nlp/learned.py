"""Learned second opinions: logistic regression over the characters and character pairs of a report.

The grammar (``nlp.urgency``) names a danger when it finds a hazard in a live state, and the keywords score
the categories; residents also write in words nobody listed. Two models trained on the labelled tuning sets
cover those: ``UrgencyModel`` only adds urgency (the classifier asks it when the grammar found nothing urgent
and no lowering cue, a negation or a near miss that is over, so every urgent or lowered decision of the
grammar stays as staff wrote it); ``CategoryModel`` only chooses the category of a report the keywords are
unsure of.

Each model is a JSON file of weights, written by ``linli nlp train-urgency`` / ``train-categories``
(scikit-learn, the bench extra) and read here without it: scoring is one dictionary lookup per feature.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import InitVar, dataclass, field
from functools import cache
from importlib import resources
from itertools import chain, repeat
from operator import add
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nlp.dataset import LabelledText
from nlp.normalize import normalize_prefix

PACKAGED_MODEL = "urgency_model.json"
PACKAGED_CATEGORY_MODEL = "category_model.json"
FORMAT = 1
FEATURES = "characters and character pairs of normalised text, unit length"
# Weights smaller than this change no decision on the tuning sets; dropping them keeps the file small.
MIN_WEIGHT = 0.01
# Twelve weights per feature: the small ones are most of the file and move no decision.
CATEGORY_MIN_WEIGHT = 0.05
# A live state told in words nobody listed takes a sentence; on a word or two ("在", "电梯") the few features
# weigh so much that the model guesses, and the grammar judges those alone.
MIN_CHARS = 8
# The models read this much of a report: the reports they learn from are shorter, and a long letter's first
# lines say what it is about. It bounds their cost on the longest messages.
READ_CHARS = 200
# The probabilities from which each model's word is taken, unless training is told otherwise.
URGENCY_THRESHOLD = 0.9
CATEGORY_THRESHOLD = 0.7


def features(norm: str) -> set[str]:
    """The distinct characters and character pairs of normalised text, spaces left out, in its first
    ``READ_CHARS`` characters."""
    text = norm[:READ_CHARS].replace(" ", "")
    found = set(text)
    # Pairs by joining each character to the next: a C-level loop, scoring runs on every report.
    found.update(map(add, text, text[1:]))
    return found


# A character is its code point (below 2**21); a pair is the first one's shifted past the second's, so no
# pair's code is any character's. Above every code: the sentinel closing the category model's table.
_PAIR_SHIFT = 21
_NO_FEATURE = 1 << 62


def _code(feature: str) -> int:
    if len(feature) == 1:
        return ord(feature)
    first, second = feature
    return ord(first) << _PAIR_SHIFT | ord(second)


def _feature(code: int) -> str:
    if code < 1 << _PAIR_SHIFT:
        return chr(code)
    return chr(code >> _PAIR_SHIFT) + chr(code & ((1 << _PAIR_SHIFT) - 1))


def feature_codes(norm: str) -> NDArray[np.int64]:
    """``features(norm)`` as sorted distinct integer codes, worked out in C."""
    text = norm[:READ_CHARS].replace(" ", "")
    if not text:
        return np.empty(0, dtype=np.int64)
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
    codes = np.concatenate((points, points[:-1] << _PAIR_SHIFT | points[1:]))
    codes.sort()
    # Sorted, each code once (what np.unique does, without its overhead on a line's few dozen codes).
    return codes[np.concatenate(([True], codes[1:] != codes[:-1]))]


@dataclass(frozen=True, slots=True)
class _Table:
    """A model's weights by feature code, sorted, for one binary search of a text's codes (C, not a
    dictionary lookup per feature: a model's dictionary of strings is scattered over memory that jieba's
    dictionary keeps pushing out of the cache). The last code is _NO_FEATURE, its weights zero: where a
    feature the model does not know lands."""

    codes: NDArray[np.int64]
    weights: NDArray[np.float64]

    @classmethod
    def of(cls, features: Iterable[str], weights: NDArray[np.float64]) -> _Table:
        codes = np.array([_code(feature) for feature in features], dtype=np.int64)
        order = np.argsort(codes, kind="stable")
        zeros = np.zeros((1, *weights.shape[1:]))
        return cls(np.append(codes[order], _NO_FEATURE), np.concatenate((weights[order], zeros)))

    def total(self, found: NDArray[np.int64]) -> NDArray[np.float64]:
        """The sum of the weights of the features ``found`` (feature_codes)."""
        rows = np.searchsorted(self.codes, found)
        rows[self.codes[rows] != found] = len(self.codes) - 1
        return self.weights[rows].sum(axis=0)


@dataclass(frozen=True, slots=True)
class UrgencyModel:
    """Weights per feature; a text is urgent when its mean-normalised score reaches ``cut``."""

    bias: float
    weights: dict[str, float]
    threshold: float
    trained_on: dict[str, str]
    rows: int

    @property
    def size(self) -> int:
        """How many features carry a weight."""
        return len(self.weights)

    @property
    def cut(self) -> float:
        # Compared in logit space: the probability itself is never needed.
        return math.log(self.threshold / (1 - self.threshold))

    def logit(self, norm: str) -> float:
        # A dictionary lookup per feature: this model is small (its dictionary stays in the cache) and asked
        # about nearly every report, most of them a line long, where numpy's set-up costs more than it saves.
        found = features(norm)
        if not found:
            return self.bias
        # Each text's feature vector has unit length, as in training: a long letter weighs as much as a line.
        return self.bias + sum(map(self.weights.get, found, repeat(0.0))) / math.sqrt(len(found))

    def probability(self, norm: str) -> float:
        return 1 / (1 + math.exp(-self.logit(norm)))

    def urgent(self, norm: str) -> bool:
        if len(norm) - norm.count(" ") < MIN_CHARS:
            return False
        return self.logit(norm) >= self.cut

    def to_json(self) -> str:
        data = {
            "format": FORMAT,
            "kind": "urgency",
            "features": FEATURES,
            "threshold": self.threshold,
            "rows": self.rows,
            "trained_on": self.trained_on,
            "bias": self.bias,
            "weights": dict(sorted(self.weights.items())),
        }
        return json.dumps(data, ensure_ascii=False, indent=0) + "\n"


@dataclass(frozen=True, slots=True)
class CategoryModel:
    """Per feature, the weights it gives labels (``weights``: flat, label index, weight, label index,
    weight…, as JSON reads it); the best label counts when its probability reaches ``threshold``.

    Only the table of those weights is kept (the flat lists would be another 8 MB of Python objects);
    ``feature_weights`` gives the lists back."""

    labels: tuple[str, ...]
    bias: tuple[float, ...]
    weights: InitVar[dict[str, list[Any]]]
    threshold: float
    trained_on: dict[str, str]
    rows: int
    _table: _Table = field(init=False, repr=False, compare=False)

    def __post_init__(self, weights: dict[str, list[Any]]) -> None:
        # A row of weights per feature, a column per label.
        matrix = np.zeros((len(weights), len(self.labels)))
        counts = [len(pairs) // 2 for pairs in weights.values()]
        flat = list(chain.from_iterable(weights.values()))
        matrix[np.repeat(np.arange(len(counts)), counts), flat[::2]] = flat[1::2]
        object.__setattr__(self, "_table", _Table.of(weights, matrix))

    @property
    def size(self) -> int:
        """How many features carry a weight."""
        return len(self._table.codes) - 1

    def feature_weights(self) -> dict[str, list[Any]]:
        """The flat (label index, weight…) list of each feature, as the model file holds them."""
        table = self._table
        weights: dict[str, list[Any]] = {}
        for code, row in zip(table.codes[:-1].tolist(), table.weights[:-1].tolist(), strict=True):
            weights[_feature(code)] = [x for label, w in enumerate(row) if w for x in (label, w)]
        return weights

    def best(self, norm: str) -> tuple[str, float]:
        """The most probable label and its probability (softmax over the labels)."""
        found = feature_codes(norm)
        scores = np.array(self.bias)
        if found.size:
            scores += self._table.total(found) / math.sqrt(found.size)
        exps = np.exp(scores - scores.max())
        best = int(scores.argmax())
        return self.labels[best], float(exps[best] / exps.sum())

    def to_json(self) -> str:
        data = {
            "format": FORMAT,
            "kind": "category",
            "features": FEATURES,
            "threshold": self.threshold,
            "rows": self.rows,
            "trained_on": self.trained_on,
            "labels": list(self.labels),
            "bias": list(self.bias),
            "weights": dict(sorted(self.feature_weights().items())),
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), indent=0) + "\n"


class ModelError(ValueError):
    """A model file that cannot be used."""


def parse_model(text: str, source: str) -> UrgencyModel | CategoryModel:
    try:
        data: Any = json.loads(text)
        if data.get("format") != FORMAT:
            raise ModelError(f"{source}: format {data.get('format')!r}, expected {FORMAT}")
        threshold = float(data["threshold"])
        if not 0 < threshold < 1:
            raise ModelError(f"{source}: threshold {threshold} is not between 0 and 1")
        trained_on = {str(k): str(v) for k, v in data["trained_on"].items()}
        if data.get("kind") == "category":
            labels = tuple(str(label) for label in data["labels"])
            bias = tuple(float(b) for b in data["bias"])
            weights: dict[str, list[Any]] = data["weights"]
            count = len(labels)
            if len(bias) != count or not all(
                isinstance(w, list)
                and len(w) % 2 == 0
                and all(type(k) is int and 0 <= k < count for k in w[::2])
                for w in weights.values()
            ):
                raise ModelError(f"{source}: weights name labels it does not list")
            if not all(isinstance(f, str) and 1 <= len(f) <= 2 for f in weights):
                raise ModelError(f"{source}: a feature is not one character or a pair")
            return CategoryModel(labels, bias, weights, threshold, trained_on, int(data["rows"]))
        if data.get("kind") != "urgency":
            raise ModelError(f"{source}: kind {data.get('kind')!r}, expected 'urgency' or 'category'")
        return UrgencyModel(
            bias=float(data["bias"]),
            weights={str(k): float(v) for k, v in data["weights"].items()},
            threshold=threshold,
            trained_on=trained_on,
            rows=int(data["rows"]),
        )
    except ModelError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ModelError(f"{source}: not a model file ({exc})") from None


def _packaged(name: str) -> UrgencyModel | CategoryModel:
    return parse_model(resources.files(__package__).joinpath(name).read_text("utf-8"), name)


# Cached: every Classifier of the process (an eval's folds, the tests') shares the one read of each file.
@cache
def load_packaged_model() -> UrgencyModel:
    model = _packaged(PACKAGED_MODEL)
    assert isinstance(model, UrgencyModel)
    return model


@cache
def load_packaged_category_model() -> CategoryModel:
    model = _packaged(PACKAGED_CATEGORY_MODEL)
    assert isinstance(model, CategoryModel)
    return model


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fit(
    rows: Sequence[LabelledText],
    targets: Sequence[object],
    weights: Sequence[float],
    strength: float,
    max_chars: int,
    sparse: bool = False,
) -> tuple[Any, list[str]]:
    """scikit-learn's logistic regression on unit-length feature vectors, and the features in column order.

    ``sparse``: an L1 penalty, which keeps a few thousand features of tens of thousands."""
    try:
        from scipy.sparse import csr_matrix
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:  # pragma: no cover - the bench extra is installed by `make`
        raise ModelError("training needs scikit-learn: pip install -e '.[bench]'") from exc
    index: dict[str, int] = {}
    data: list[float] = []
    columns: list[int] = []
    pointers = [0]
    for row in rows:
        found = sorted(features(normalize_prefix(row.text, max_chars)))
        for feature in found:
            columns.append(index.setdefault(feature, len(index)))
            data.append(1 / math.sqrt(len(found)))
        pointers.append(len(columns))
    matrix = csr_matrix((data, columns, pointers), shape=(len(rows), len(index)))
    # liblinear visits the features in a random order: seeded, so the same files train the same model.
    penalty: dict[str, Any] = {"l1_ratio": 1.0, "solver": "liblinear", "random_state": 0} if sparse else {}
    fitted = LogisticRegression(C=strength, max_iter=5000, **penalty).fit(
        matrix, list(targets), sample_weight=list(weights)
    )
    return fitted, list(index)


def train(
    rows: Sequence[LabelledText],
    *,
    trained_on: dict[str, str],
    threshold: float = URGENCY_THRESHOLD,
    strength: float = 100.0,
    calm_weight: float = 48.0,
    max_chars: int = 1000,
) -> UrgencyModel:
    """Fit the urgency weights on labelled rows (each needs its ``urgent`` flag). Needs scikit-learn.

    The tuning sets are half urgent; residents' reports are mostly not. Non-urgent rows weigh
    ``calm_weight`` times as much, so the model says urgent only when the words leave little doubt.
    The L1 penalty keeps about 3,400 of 36,000 features. With each writer's set left out in turn (22
    writers), grammar plus model find 0.953 of the urgent reports at precision 0.938 (18 writers: 0.937 at
    0.954; the dense model found 0.911 at 0.956). A small table is also looked up faster: it stays in the
    processor's cache while the rest of the classifier runs. The strength, calm weight and threshold are the
    ones with the most found among those that raise no more than three false alarms on reports_dev and
    fresh_holdout5 and keep the table of tests/nlp/cases.py (threshold 0.8 found 0.957 but called a man
    trying car doors urgent; 0.7 raised four false alarms).
    """
    labelled = [row for row in rows if row.urgent is not None]
    if len({row.urgent for row in labelled}) < 2:
        raise ModelError("training needs urgent and non-urgent rows (the CSV's urgent column)")
    urgent = [bool(row.urgent) for row in labelled]
    calm = [1.0 if u else calm_weight for u in urgent]
    fitted, columns = _fit(labelled, urgent, calm, strength, max_chars, sparse=True)
    weights = {
        f: round(float(w), 4) for f, w in zip(columns, fitted.coef_[0], strict=True) if abs(w) >= MIN_WEIGHT
    }
    return UrgencyModel(
        bias=round(float(fitted.intercept_[0]), 4),
        weights=weights,
        threshold=threshold,
        trained_on=trained_on,
        rows=len(labelled),
    )


def train_categories(
    rows: Sequence[LabelledText],
    *,
    trained_on: dict[str, str],
    threshold: float = CATEGORY_THRESHOLD,
    strength: float = 30.0,
    max_chars: int = 1000,
) -> CategoryModel:
    """Fit per-label weights on the rows' primary labels. Needs scikit-learn."""
    if len({row.label for row in rows}) < 3:
        raise ModelError("training needs rows of three or more labels")
    fitted, columns = _fit(rows, [row.label for row in rows], [1.0] * len(rows), strength, max_chars)
    weights: dict[str, list[Any]] = {}
    for i, feature in enumerate(columns):
        kept = [
            x
            for k, w in enumerate(fitted.coef_[:, i])
            if abs(w) >= CATEGORY_MIN_WEIGHT
            for x in (k, round(float(w), 3))
        ]
        if kept:
            weights[feature] = kept
    return CategoryModel(
        labels=tuple(str(label) for label in fitted.classes_),
        bias=tuple(round(float(b), 4) for b in fitted.intercept_),
        weights=weights,
        threshold=threshold,
        trained_on=trained_on,
        rows=len(rows),
    )


def stale(model: UrgencyModel | CategoryModel, files: Iterable[Path]) -> list[str]:
    """The training files whose contents changed since the model was trained (by their names)."""
    by_name = {path.name: path for path in files}
    return [
        name for name, sha in model.trained_on.items() if name not in by_name or digest(by_name[name]) != sha
    ]
