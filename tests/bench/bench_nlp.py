"""Benchmark of the nlp package: accuracy, urgency, speed, memory, and mined keywords vs TF-IDF.

Run from the repository root:  .venv/bin/python -m tests.bench.bench_nlp  [--skip-external]
Reads ../shared (relative to the repository root) when present and says what it skipped when not.
scikit-learn is used here only, for the TF-IDF baseline (``pip install -e .[bench]``).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from statistics import mean

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nlp import load_default_classifier  # noqa: E402
from nlp.classifier import Classifier, shared_segmenter  # noqa: E402
from nlp.dataset import LabelledText, read_labelled_csv, stratified_folds  # noqa: E402
from nlp.evaluation import Report, cross_validate, evaluate  # noqa: E402
from nlp.mining import mine  # noqa: E402
from nlp.taxonomy import MiningSettings  # noqa: E402

SHARED = ROOT.parent / "shared"
DEV = SHARED / "data" / "reports_dev.csv"
EXTERNAL = SHARED / "data" / "external"
# Messages written for this project after the keyword lists, as a check on unseen wording. Each set was
# scored once before anything was tuned on it ("first score", accuracy counting also_ok / urgent recall);
# the misses of sets 1-4 were then used to broaden the vocabulary. Set 5 was scored once with the final
# lists and never tuned on: it is the honest estimate for new messages.
HOLDOUTS = [
    (Path(__file__).with_name("fresh_holdout.csv"), "first score 0.819 / urgent R 0.75, later tuned on"),
    (Path(__file__).with_name("fresh_holdout2.csv"), "first score 0.843 / urgent R 0.67, later tuned on"),
    (Path(__file__).with_name("fresh_holdout3.csv"), "first score 0.792 / urgent R 0.50, later tuned on"),
    (Path(__file__).with_name("fresh_holdout4.csv"), "first score 0.859 / urgent R 0.25, later tuned on"),
    (Path(__file__).with_name("fresh_holdout5.csv"), "never tuned on"),
]
# Labels with fewer rows are dropped: in the MSGABench file they are the 36 rows that carry a ministry name
# instead of one of the domains (each such name has at most 8 rows), plus 体育 with 2 rows.
MIN_LABEL_ROWS = 10
FOLDS = 5
MAX_LATENCY_CHARS = 300

TARGETS: list[tuple[str, bool]] = []


def target(name: str, ok: bool) -> str:
    TARGETS.append((name, ok))
    return "达标 PASS" if ok else "未达标 MISS"


def heading(title: str) -> None:
    print(f"\n=== {title} ===")


def accuracy_section(skipped: list[str]) -> list[str]:
    """Accuracy and urgency of the default classifier; returns the texts used for speed tests."""
    classifier = load_default_classifier()
    texts: list[str] = []  # the speed tests use the real resident messages when available
    heading("默认分类 default taxonomy")
    if DEV.is_file():
        dataset = read_labelled_csv(DEV)
        report = evaluate(classifier, dataset.rows)
        texts = [row.text for row in dataset.rows]
        print(
            f"reports_dev.csv ({report.messages} 条): accuracy {report.accuracy:.3f}, "
            f"counting also_ok {report.accuracy_also_ok:.3f}, macro-F1 {report.macro_f1:.3f}"
        )
        print(
            f"  accuracy (also_ok) >= 0.92: {target('dev accuracy >= 0.92', report.accuracy_also_ok >= 0.92)}"
        )
        print(
            f"  urgent: precision {report.urgent_precision:.3f}, recall {report.urgent_recall:.3f} "
            f"({report.urgent_support} urgent)"
        )
        urgent_ok = (report.urgent_recall or 0) >= 0.95 and (report.urgent_precision or 0) >= 0.8
        print(f"  urgent recall >= 0.95 and precision >= 0.8: {target('dev urgent', urgent_ok)}")
        for confusion in report.confusions:
            print(f"  错分 {confusion.gold} → {confusion.predicted}: {confusion.examples[0]}")
    else:
        skipped.append(f"{DEV} not found: dev-set accuracy and urgency targets not checked")
    for path, note in HOLDOUTS:
        dataset = read_labelled_csv(path)
        report = evaluate(classifier, dataset.rows)
        texts = texts or [row.text for row in dataset.rows]
        print(
            f"{path.name} ({report.messages} 条, {note}): accuracy {report.accuracy:.3f}, "
            f"counting also_ok {report.accuracy_also_ok:.3f}, urgent P {report.urgent_precision:.3f} "
            f"R {report.urgent_recall:.3f}"
        )
    return texts


# Urgent and non-urgent reports written by people who never saw the taxonomy, for the urgency grammar: never
# read while tuning. The grammar was tuned on reports_dev, fresh holdouts 1-4 and the two urgency tuning sets
# only: urgency_tune.csv (210 rows) and urgency_tune2.csv (1153 rows in many registers, written for issue 9
# in rounds: each round was scored once as unseen text, then tuned on). The learned models (nlp/learned.py)
# are trained on fresh holdouts 1-4 and urgency_tune*.csv, sets 3-21 (5,900 rows by nineteen more writers:
# elderly and voice-transcript speech, Northern, Cantonese, south-western and Wu dialects, long letters,
# Traditional characters, hurried typing, young residents' slang and emoji) included. Sets 17 to 21 were
# each scored once as unseen text before the grammar was tuned on them (recall 0.921, 0.914, 0.893, 0.879,
# 0.936).
URGENCY_HOLDOUT = Path(__file__).with_name("urgency_holdout.csv")


def urgency_holdout_section(skipped: list[str]) -> None:
    """Urgent recall and precision, and category accuracy (counting also_ok), on text not tuned on."""
    heading("紧急识别 urgency on unseen reports")
    if not URGENCY_HOLDOUT.is_file():
        skipped.append(f"{URGENCY_HOLDOUT} not found: urgency holdout targets not checked")
        return
    report = evaluate(load_default_classifier(), read_labelled_csv(URGENCY_HOLDOUT).rows)
    recall, precision = report.urgent_recall or 0.0, report.urgent_precision or 0.0
    print(
        f"{URGENCY_HOLDOUT.name} ({report.messages} 条, {report.urgent_support} urgent, never tuned on): "
        f"urgent recall {recall:.3f}, precision {precision:.3f}; category accuracy {report.accuracy:.3f}, "
        f"counting also_ok {report.accuracy_also_ok:.3f}"
    )
    print(f"  urgent recall >= 0.95: {target('urgency holdout recall >= 0.95', recall >= 0.95)}")
    print(f"  urgent precision >= 0.8: {target('urgency holdout precision >= 0.8', precision >= 0.8)}")
    accuracy_ok = report.accuracy_also_ok >= 0.92
    print(f"  accuracy (also_ok) >= 0.92: {target('urgency holdout accuracy >= 0.92', accuracy_ok)}")


# Classification may cost at most this multiple of jieba's own segmentation (``jieba.lcut``, its defaults) of
# the same texts, timed in the same process.
SEGMENTATION_RATIO = 1.5
RATIO_ROUNDS = 15


def segmentation_ratio_section(texts: list[str]) -> None:
    """classification / bare segmentation, for short reports and for long letters made of several."""
    import jieba

    classifier = load_default_classifier()
    jieba.initialize()
    rng = random.Random(11)
    letters = ["，".join(rng.sample(texts, min(len(texts), rng.randint(8, 15)))) for _ in range(150)]

    def one_pass(work: Callable[[str], object], batch: list[str]) -> float:
        start = time.perf_counter()
        for text in batch:
            work(text)
        return time.perf_counter() - start

    for name, batch in (("short reports", texts), ("long letters", letters)):
        one_pass(classifier.classify, batch)
        one_pass(jieba.lcut, batch)
        # Passes alternate and the fastest of each counts, so a busy neighbour on a shared machine slows
        # both sides or neither.
        ours, bare = [], []
        for _ in range(RATIO_ROUNDS):
            ours.append(one_pass(classifier.classify, batch))
            bare.append(one_pass(jieba.lcut, batch))
        ratio = min(ours) / min(bare)
        per_text = 1e6 / len(batch)
        print(
            f"classification / bare segmentation, {name} (avg {mean(map(len, batch)):.0f} chars): "
            f"{min(ours) * per_text:.0f} µs / {min(bare) * per_text:.0f} µs = {ratio:.2f}x: "
            f"{target(f'{name}: ratio <= {SEGMENTATION_RATIO}x', ratio <= SEGMENTATION_RATIO)}"
        )


def speed_section(texts: list[str]) -> None:
    heading("速度与内存 speed and memory")
    segmentation_ratio_section(texts)
    classifier = load_default_classifier()
    for text in texts:
        classifier.classify(text)
    rates = []
    for _ in range(5):
        start = time.perf_counter()
        for text in texts:
            classifier.classify(text)
        rates.append(len(texts) / (time.perf_counter() - start))
    rate = sorted(rates)[len(rates) // 2]
    print(
        f"throughput: {rate:,.0f} messages/s (median of 5 passes over {len(texts)} messages, "
        f"avg {mean(len(t) for t in texts):.0f} chars): {target('>= 5000 msg/s', rate >= 5000)}"
    )

    rng = random.Random(7)
    long_messages = []
    for _ in range(2000):
        long_messages.append("，".join(rng.sample(texts, rng.randint(1, 10)))[:MAX_LATENCY_CHARS])
    for text in long_messages[:200]:
        classifier.classify(text)
    # Three rounds, reporting the round with the median p99, so one hiccup of a shared machine does not
    # decide the result.
    rounds = []
    for _ in range(3):
        latencies = []
        for text in long_messages:
            start = time.perf_counter()
            classifier.classify(text)
            latencies.append(time.perf_counter() - start)
        latencies.sort()
        rounds.append(latencies)
    rounds.sort(key=lambda lat: lat[int(len(lat) * 0.99)])
    latencies = rounds[1]
    p50, p99 = latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99)] * 1000
    print(
        f"latency, messages of 1-{MAX_LATENCY_CHARS} chars (avg {mean(map(len, long_messages)):.0f}): "
        f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {latencies[-1] * 1000:.2f} ms (median round of 3): "
        f"{target('p99 <= 2 ms', p99 <= 2.0)}"
    )
    start = time.perf_counter()
    classifier.classify("电梯坏了，" * 20_000)
    print(
        f"100 KB message: {(time.perf_counter() - start) * 1000:.1f} ms (only the first "
        f"{classifier.taxonomy.settings.max_chars} characters are classified)"
    )

    probe = (
        "import json, time\n"
        "def rss():\n"
        "    line = next(l for l in open('/proc/self/status') if l.startswith('VmRSS'))\n"
        "    return int(line.split()[1]) / 1024\n"
        "before = rss(); start = time.perf_counter()\n"
        "from nlp import load_default_classifier\n"
        "load_default_classifier().classify('3号楼电梯坏了')\n"
        "print(json.dumps({'load': time.perf_counter() - start, 'rss': rss() - before}))\n"
    )
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(3)
    ]
    load = sorted(run["load"] for run in runs)[1]
    rss = max(run["rss"] for run in runs)
    print(
        f"first call (import + load + classify) in a fresh process: {load:.2f} s (median of 3): "
        f"{target('load <= 1.5 s', load <= 1.5)}"
    )
    print(f"resident memory added by the classifier: {rss:.0f} MB: {target('RSS <= 150 MB', rss <= 150)}")


def _baselines() -> dict[str, Callable[[list[str], list[str], list[str]], list[str]]] | None:
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC
    except ImportError:
        return None
    segmenter = shared_segmenter()

    def words(text: str) -> list[str]:
        return [token for token in segmenter.cut(text) if token.strip()]

    def make(vectorizer: Callable[[], object], model: Callable[[], object]) -> Callable[..., list[str]]:
        def run(train: list[str], labels: list[str], test: list[str]) -> list[str]:
            vec, clf = vectorizer(), model()
            clf.fit(vec.fit_transform(train), labels)  # type: ignore[attr-defined]
            return list(clf.predict(vec.transform(test)))  # type: ignore[attr-defined]

        return run

    def chars() -> object:
        return TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True, min_df=2)

    def jieba_words() -> object:
        return TfidfVectorizer(analyzer=words, ngram_range=(1, 1), sublinear_tf=True, min_df=2)

    return {
        "TF-IDF char 1-2 + LinearSVC(balanced)": make(chars, lambda: LinearSVC(class_weight="balanced")),
        "TF-IDF char 1-2 + LinearSVC": make(chars, LinearSVC),
        "TF-IDF jieba words + LinearSVC(balanced)": make(
            jieba_words, lambda: LinearSVC(class_weight="balanced")
        ),
    }


def _macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(gold, predicted, average="macro"))


def external_section(skipped: list[str]) -> None:
    heading(f"外部真实数据 external data: mined keywords vs TF-IDF ({FOLDS}-fold CV, same folds)")
    files = sorted(EXTERNAL.glob("*.csv")) if EXTERNAL.is_dir() else []
    if not files:
        skipped.append(f"{EXTERNAL} not found: external-data comparison not run")
        return
    baselines = _baselines()
    if baselines is None:
        skipped.append("scikit-learn not installed: TF-IDF baselines not run (pip install -e .[bench])")
    settings = MiningSettings()
    print(f"mining settings: {settings}; labels with < {MIN_LABEL_ROWS} rows dropped")
    segmenter = shared_segmenter()
    rows_out = []
    for path in files:
        dataset = read_labelled_csv(path, min_label_rows=MIN_LABEL_ROWS)
        rows = list(dataset.rows)
        dropped = sum(dataset.dropped_labels.values())
        print(
            f"\n{path.name}: {len(rows)} rows, {len(dataset.labels)} labels "
            f"(skipped {dataset.skipped_unlabelled} unlabelled, dropped {dropped} rows in "
            f"{len(dataset.dropped_labels)} rare labels)"
        )
        start = time.perf_counter()
        mined: Report = cross_validate(
            rows, FOLDS, lambda train: Classifier(mine(train, segmenter, settings))
        )
        folds = " ".join(f"{f:.3f}" for f in mined.fold_macro_f1)
        print(
            f"  mined keywords: macro-F1 {mined.macro_f1:.3f}, accuracy {mined.accuracy:.3f} "
            f"(folds {folds}; {time.perf_counter() - start:.0f} s)"
        )
        best_name, best_f1 = "", 0.0
        for name, run in (baselines or {}).items():
            f1s, accs = _cross_validate_baseline(rows, run)
            print(f"  {name}: macro-F1 {mean(f1s):.3f}, accuracy {mean(accs):.3f}")
            if mean(f1s) > best_f1:
                best_name, best_f1 = name, mean(f1s)
        if baselines:
            gap = best_f1 - mined.macro_f1
            verdict = target(f"{path.name}: mined within 0.05 of TF-IDF", gap <= 0.05)
            print(f"  gap to best baseline ({best_name}): {gap:+.3f}: {verdict}")
            rows_out.append((path.name, mined.macro_f1, mined.accuracy, best_f1, best_name, gap))
    if rows_out:
        print(f"\n{'data':<40}{'mined F1':>10}{'mined acc':>11}{'TF-IDF F1':>11}{'gap':>8}")
        for name, f1, acc, base, _, gap in rows_out:
            print(f"{name:<40}{f1:>10.3f}{acc:>11.3f}{base:>11.3f}{gap:>+8.3f}")


def _cross_validate_baseline(
    rows: list[LabelledText], run: Callable[[list[str], list[str], list[str]], list[str]]
) -> tuple[list[float], list[float]]:
    f1s, accs = [], []
    for held_out in stratified_folds([row.label for row in rows], FOLDS):
        held = set(held_out)
        train = [row for i, row in enumerate(rows) if i not in held]
        test = [rows[i] for i in held_out]
        predicted = run([r.text for r in train], [r.label for r in train], [r.text for r in test])
        gold = [r.label for r in test]
        f1s.append(_macro_f1(gold, predicted))
        accs.append(sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold))
    return f1s, accs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--skip-external", action="store_true", help="skip the (slow, ~2 min) external comparison"
    )
    args = parser.parse_args(argv)
    skipped: list[str] = []
    print(f"shared data: {SHARED} ({'found' if SHARED.is_dir() else 'NOT FOUND'})")
    texts = accuracy_section(skipped)
    urgency_holdout_section(skipped)
    speed_section(texts)
    if args.skip_external:
        skipped.append("external comparison skipped (--skip-external)")
    else:
        external_section(skipped)
    heading("结果 summary")
    for name, ok in TARGETS:
        print(f"  {'PASS' if ok else 'MISS'}  {name}")
    for note in skipped:
        print(f"  SKIPPED  {note}")
    # A target not checked (its data missing) is not met either: `make bench` must not pass on less.
    missed = [name for name, ok in TARGETS if not ok]
    unchecked = [note for note in skipped if "--skip-external" not in note]
    return 1 if missed or unchecked else 0


if __name__ == "__main__":
    sys.exit(main())
