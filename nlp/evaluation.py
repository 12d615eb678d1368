"""Scoring a classifier against labelled messages (``linli nlp eval``), optionally cross-validated."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from statistics import mean

from nlp.classifier import Classifier
from nlp.dataset import LabelledText, stratified_folds
from nlp.result import Classification

CONFUSION_EXAMPLES = 2
TOP_CONFUSIONS = 10


@dataclass(frozen=True, slots=True)
class CategoryScore:
    label: str
    support: int
    predicted: int
    correct: int
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True, slots=True)
class Confusion:
    gold: str
    predicted: str
    count: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    messages: int
    accuracy: float
    accuracy_also_ok: float
    macro_f1: float
    categories: tuple[CategoryScore, ...]
    confusions: tuple[Confusion, ...]
    urgent_precision: float | None
    urgent_recall: float | None
    urgent_support: int
    messages_per_second: float
    folds: int = 0
    fold_macro_f1: tuple[float, ...] = ()
    fold_accuracy: tuple[float, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class _Outcome:
    row: LabelledText
    result: Classification


def _safe_ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def classify_all(classifier: Classifier, rows: Sequence[LabelledText]) -> tuple[list[_Outcome], float]:
    start = time.perf_counter()
    outcomes = [_Outcome(row, classifier.classify(row.text)) for row in rows]
    elapsed = time.perf_counter() - start
    return outcomes, _safe_ratio(len(rows), elapsed)


def score(outcomes: Sequence[_Outcome], messages_per_second: float) -> Report:
    gold = [o.row.label for o in outcomes]
    predicted = [o.result.category for o in outcomes]
    correct = sum(g == p for g, p in zip(gold, predicted, strict=True))
    acceptable = sum(o.result.category == o.row.label or o.result.category in o.row.also_ok for o in outcomes)
    # Macro-F1 over the union of gold and predicted labels, as scikit-learn computes it.
    labels = sorted(set(gold) | set(predicted), key=lambda label: (-gold.count(label), label))
    gold_counts, predicted_counts = Counter(gold), Counter(predicted)
    hits = Counter(g for g, p in zip(gold, predicted, strict=True) if g == p)
    categories = []
    for label in labels:
        precision = _safe_ratio(hits[label], predicted_counts[label])
        recall = _safe_ratio(hits[label], gold_counts[label])
        f1 = _safe_ratio(2 * precision * recall, precision + recall)
        categories.append(
            CategoryScore(
                label,
                gold_counts[label],
                predicted_counts[label],
                hits[label],
                round(precision, 4),
                round(recall, 4),
                round(f1, 4),
            )
        )
    confused: dict[tuple[str, str], list[str]] = {}
    for outcome in outcomes:
        row, category = outcome.row, outcome.result.category
        if category != row.label and category not in row.also_ok:
            confused.setdefault((row.label, category), []).append(row.text)
    confusions = sorted(
        (
            Confusion(g, p, len(texts), tuple(texts[:CONFUSION_EXAMPLES]))
            for (g, p), texts in confused.items()
        ),
        key=lambda c: (-c.count, c.gold, c.predicted),
    )[:TOP_CONFUSIONS]
    flagged = [o for o in outcomes if o.row.urgent is not None]
    urgent_precision = urgent_recall = None
    if flagged:
        true_positive = sum(o.row.urgent and o.result.urgent for o in flagged)
        urgent_precision = round(_safe_ratio(true_positive, sum(o.result.urgent for o in flagged)), 4)
        urgent_recall = round(_safe_ratio(true_positive, sum(bool(o.row.urgent) for o in flagged)), 4)
    return Report(
        messages=len(outcomes),
        accuracy=round(_safe_ratio(correct, len(outcomes)), 4),
        accuracy_also_ok=round(_safe_ratio(acceptable, len(outcomes)), 4),
        macro_f1=round(mean(c.f1 for c in categories), 4) if categories else 0.0,
        categories=tuple(categories),
        confusions=tuple(confusions),
        urgent_precision=urgent_precision,
        urgent_recall=urgent_recall,
        urgent_support=sum(bool(o.row.urgent) for o in flagged),
        messages_per_second=round(messages_per_second, 1),
    )


def evaluate(classifier: Classifier, rows: Sequence[LabelledText]) -> Report:
    outcomes, speed = classify_all(classifier, rows)
    return score(outcomes, speed)


def cross_validate(
    rows: Sequence[LabelledText], folds: int, build: Callable[[list[LabelledText]], Classifier], seed: int = 0
) -> Report:
    """Build a classifier on k-1 folds and score it on the held-out fold, for each of ``folds`` folds.

    Accuracy, macro-F1 and speed are the means over the folds; the per-category table, confusions and
    urgency figures pool the held-out predictions of all folds.
    """
    splits = stratified_folds([row.label for row in rows], folds, seed)
    pooled: list[_Outcome] = []
    fold_reports = []
    for held_out in splits:
        held = set(held_out)
        classifier = build([row for i, row in enumerate(rows) if i not in held])
        outcomes, speed = classify_all(classifier, [rows[i] for i in held_out])
        fold_reports.append(score(outcomes, speed))
        pooled.extend(outcomes)
    overall = score(pooled, mean(r.messages_per_second for r in fold_reports))
    return replace(
        overall,
        accuracy=round(mean(r.accuracy for r in fold_reports), 4),
        accuracy_also_ok=round(mean(r.accuracy_also_ok for r in fold_reports), 4),
        macro_f1=round(mean(r.macro_f1 for r in fold_reports), 4),
        folds=folds,
        fold_macro_f1=tuple(r.macro_f1 for r in fold_reports),
        fold_accuracy=tuple(r.accuracy for r in fold_reports),
    )


def format_report(report: Report, names: dict[str, str] | None = None) -> str:
    names = names or {}

    def named(label: str) -> str:
        name = names.get(label)
        return f"{name}({label})" if name and name != label else label

    lines = []
    if report.folds:
        lines.append(
            f"{report.folds} 折交叉验证（每折在其余数据上挖掘关键词，在留出的一折上评估；以下为各折平均）"
        )
        lines.append("各折 macro-F1: " + " ".join(f"{f:.3f}" for f in report.fold_macro_f1))
    lines += [
        f"消息数: {report.messages}",
        f"准确率 accuracy: {report.accuracy:.3f}   计入 also_ok: {report.accuracy_also_ok:.3f}",
        f"macro-F1: {report.macro_f1:.3f}",
        f"速度: {report.messages_per_second:,.0f} 条/秒",
    ]
    if report.urgent_precision is not None:
        lines.append(
            f"紧急 urgent: 精确率 precision {report.urgent_precision:.3f}  召回率 recall "
            f"{report.urgent_recall:.3f}  (标注为紧急 {report.urgent_support} 条)"
        )
    lines += ["", f"{'类别 category':<24}{'样本':>6}{'预测':>6}{'precision':>11}{'recall':>8}{'F1':>8}"]
    for c in report.categories:
        lines.append(
            f"{named(c.label):<24}{c.support:>6}{c.predicted:>6}{c.precision:>11.3f}{c.recall:>8.3f}"
            f"{c.f1:>8.3f}"
        )
    if report.confusions:
        lines += ["", "最常见的错分 (标注 → 预测):"]
        for c in report.confusions:
            lines.append(f"  {named(c.gold)} → {named(c.predicted)}: {c.count} 条")
            lines += [f"      例: {_clip(text)}" for text in c.examples]
    lines += [f"注: {note}" for note in report.notes]
    return "\n".join(lines)


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
