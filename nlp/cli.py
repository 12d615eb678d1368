"""Staff tools: ``linli nlp check | classify | eval | mine | train-urgency | train-categories``.

The bot's CLI delegates here.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from nlp.classifier import Classifier, load_classifier, load_default_classifier, shared_segmenter
from nlp.dataset import Dataset, DatasetError, LabelledText, read_labelled_csv
from nlp.evaluation import Report, cross_validate, evaluate, format_report
from nlp.learned import (
    CATEGORY_THRESHOLD,
    PACKAGED_CATEGORY_MODEL,
    PACKAGED_MODEL,
    URGENCY_THRESHOLD,
    ModelError,
    digest,
    load_packaged_category_model,
    load_packaged_model,
    train,
    train_categories,
)
from nlp.mining import mine
from nlp.taxonomy import MiningSettings, Taxonomy, TaxonomyError, load_taxonomy
from nlp.tomlout import taxonomy_to_toml

DEFAULT_FOLDS = 5


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="linli nlp", description="报告分类工具：检查分类配置、试分类、评估、挖掘关键词。"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="检查分类配置文件（TOML），不启动任何服务")
    check.add_argument("file", help="taxonomy TOML file")

    classify = commands.add_parser("classify", help="对文本分类并解释原因")
    classify.add_argument("text", nargs="*", help="要分类的文本（不给则逐行读取标准输入）")
    classify.add_argument("--taxonomy", help="taxonomy TOML (默认: $LINLI_TAXONOMY_FILE 或内置默认配置)")
    classify.add_argument("--json", action="store_true", help="输出 JSON")

    evaluate_ = commands.add_parser("eval", help="在标注的 CSV 上评估 (列: text,label[,also_ok][,urgent])")
    evaluate_.add_argument("file", help="CSV file")
    evaluate_.add_argument(
        "--taxonomy", help="taxonomy TOML；配合 --folds 时只取其紧急词、响应时限和 [mining] 参数"
    )
    evaluate_.add_argument(
        "--folds", type=int, help="K 折交叉验证：每折在其余 K-1 折上挖掘关键词，在该折上评估"
    )
    evaluate_.add_argument(
        "--mine", action="store_true", help=f"挖掘并交叉验证（未给 --folds 时为 {DEFAULT_FOLDS} 折）"
    )
    evaluate_.add_argument("--seed", type=int, default=0, help="折划分的随机种子")
    evaluate_.add_argument("--json", action="store_true", help="输出 JSON")
    _data_options(evaluate_)

    mine_ = commands.add_parser(
        "mine", help="从标注的 CSV 挖掘每个标签的加权关键词，写出可审核的 taxonomy TOML"
    )
    mine_.add_argument("file", help="CSV file")
    mine_.add_argument("-o", "--output", help="输出文件（默认: 标准输出）")
    mine_.add_argument("--taxonomy", help="从此 taxonomy 取紧急词和响应时限")
    _data_options(mine_)

    for name, what, model, threshold in (
        ("train-urgency", "紧急识别", PACKAGED_MODEL, URGENCY_THRESHOLD),
        ("train-categories", "类别（关键词拿不准时）", PACKAGED_CATEGORY_MODEL, CATEGORY_THRESHOLD),
    ):
        train_ = commands.add_parser(name, help=f"在标注的 CSV 上训练{what}的学习模型（需要 scikit-learn）")
        train_.add_argument("files", nargs="+", help="CSV files (列: text,label[,also_ok][,urgent])")
        train_.add_argument(
            "-o", "--output", default=str(Path(__file__).with_name(model)), help="输出 JSON（默认: 内置模型）"
        )
        train_.add_argument(
            "--threshold", type=float, default=threshold, help=f"采用模型判断的概率阈值（默认 {threshold}）"
        )
    return parser


def _data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--label-column", default="label")
    parser.add_argument(
        "--min-label-rows", type=int, default=1, help="丢弃样本少于 N 条的标签（默认 1：全部保留）"
    )
    parser.add_argument("--min-count", type=int, help="关键词至少出现在 N 条消息里")
    parser.add_argument("--max-keywords", type=int, help="每个标签最多保留 N 个特征词")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        if args.command == "check":
            return _check(args.file)
        if args.command == "classify":
            return _classify(args)
        if args.command == "eval":
            return _eval(args)
        if args.command in ("train-urgency", "train-categories"):
            return _train(args)
        return _mine(args)
    except (TaxonomyError, DatasetError, ModelError) as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return 1


def _check(path: str) -> int:
    try:
        taxonomy = load_taxonomy(path)
    except TaxonomyError as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return 1
    keywords = sum(len(c.vocabulary.keywords) for c in taxonomy.categories)
    phrases = sum(len(c.vocabulary.phrases) for c in taxonomy.categories)
    negative = sum(len(c.vocabulary.negative) for c in taxonomy.categories)
    print(
        f"OK: {path}: {len(taxonomy.categories)} 个类别, {keywords} 个关键词, {phrases} 个短语, "
        f"{negative} 个否定词, {len(taxonomy.urgency.vocabulary)} 个紧急词, 兜底类别 {taxonomy.fallback}"
    )
    for category in taxonomy.categories:
        print(f"  {category.id:<12} {category.name}  ({len(category.vocabulary)} 条)")
    grammar = taxonomy.urgency.grammar
    if grammar is not None:
        print(
            f"紧急语法: {len(grammar.hazards)} 种危险, {len(grammar.states)} 种状态, "
            f"{len(grammar.exposure)} 种暴露, {len(grammar.rules)} 条规则, {len(grammar.lowering)} 种降级, "
            f"窗口 {grammar.window} 字"
        )
        reasons = "、".join(dict.fromkeys(hazard.reason for hazard in grammar.hazards))
        print(f"  紧急原因: {reasons}")
    models = []
    if taxonomy.urgency.learned:
        models.append(("紧急学习模型", load_packaged_model()))
    if taxonomy.settings.learned_category:
        models.append(("类别学习模型", load_packaged_category_model()))
    for what, model in models:
        print(
            f"{what}: {model.size} 个特征, 阈值 {model.threshold}, "
            f"训练数据 {model.rows} 条 ({', '.join(model.trained_on)})"
        )
    return 0


def _classify(args: argparse.Namespace) -> int:
    classifier = load_classifier(args.taxonomy) if args.taxonomy else load_default_classifier()
    texts = args.text or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    for text in texts:
        result = classifier.classify(text)
        if args.json:
            data = {
                "text": text,
                "category": result.category,
                "name": result.category_name,
                "confidence": result.confidence,
                "confident": result.confident,
                "top": result.top,
                "matched": [[m.keyword, m.category, m.weight, m.how, m.found] for m in result.matched],
                "urgent": result.urgent,
                "urgent_words": result.urgent_words,
                "urgent_reason": result.urgent_reason,
                "urgent_learned": result.urgent_learned,
                "category_learned": result.category_learned,
                "location": None
                if result.location is None
                else {
                    "area": result.location.area,
                    "building": result.location.building,
                    "unit": result.location.unit,
                    "room": result.location.room,
                },
            }
            print(json.dumps(data, ensure_ascii=False))
        else:
            print(f"「{text}」\n{result.explain()}\n")
    return 0


def _mining_settings(args: argparse.Namespace, template: Taxonomy | None) -> MiningSettings:
    settings = template.mining if template else MiningSettings()
    overrides = {"min_count": args.min_count, "max_keywords": args.max_keywords}
    for key, value in overrides.items():
        if value is not None:
            if value < 1:
                raise DatasetError(f"--{key.replace('_', '-')} must be >= 1")
            settings = MiningSettings(
                **{**{k: getattr(settings, k) for k in MiningSettings.__slots__}, key: value}
            )
    return settings


def _read(args: argparse.Namespace) -> Dataset:
    return read_labelled_csv(
        args.file,
        text_column=args.text_column,
        label_column=args.label_column,
        min_label_rows=args.min_label_rows,
    )


def _notes(dataset: Dataset) -> tuple[str, ...]:
    notes = []
    if dataset.skipped_unlabelled:
        notes.append(f"跳过 {dataset.skipped_unlabelled} 条无标签的行")
    if dataset.dropped_labels:
        dropped = ", ".join(f"{label}({n})" for label, n in sorted(dataset.dropped_labels.items()))
        notes.append(f"丢弃样本过少的标签: {dropped}")
    return tuple(notes)


def _eval(args: argparse.Namespace) -> int:
    dataset = _read(args)
    template = load_taxonomy(args.taxonomy) if args.taxonomy else None
    folds = args.folds if args.folds is not None else (DEFAULT_FOLDS if args.mine else None)
    if folds is not None:
        if folds < 2:
            raise DatasetError("--folds must be >= 2")
        settings = _mining_settings(args, template)
        segmenter = shared_segmenter()

        def build(rows: list[LabelledText]) -> Classifier:
            return Classifier(mine(rows, segmenter, settings, template))

        report = cross_validate(dataset.rows, folds, build, seed=args.seed)
        names: dict[str, str] = {}
    else:
        classifier = Classifier(template) if template else load_default_classifier()
        report = evaluate(classifier, dataset.rows)
        names = {c.id: c.name for c in classifier.taxonomy.categories}
    report = _with_notes(report, _notes(dataset))
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report, names))
    return 0


def _with_notes(report: Report, notes: tuple[str, ...]) -> Report:
    return replace(report, notes=report.notes + notes)


def _mine(args: argparse.Namespace) -> int:
    dataset = _read(args)
    template = load_taxonomy(args.taxonomy) if args.taxonomy else None
    settings = _mining_settings(args, template)
    taxonomy = mine(dataset.rows, shared_segmenter(), settings, template, source=args.output or "<stdout>")
    comments = [
        f"由 `linli nlp mine` 从 {Path(args.file).name} 挖掘：{len(dataset.rows)} 条标注消息，"
        f"{len(taxonomy.categories)} 个标签。",
        "使用前请审核：删掉偶然出现的词，给类别改个好懂的名字（name = ...），补充紧急词。",
        "检查: linli nlp check 本文件；估计准确率: linli nlp eval --taxonomy 本文件 --folds 5 数据.csv",
        *_notes(dataset),
    ]
    text = taxonomy_to_toml(taxonomy, comments)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        load_taxonomy(args.output)
        counts = ", ".join(f"{c.id}: {len(c.vocabulary.keywords)}" for c in taxonomy.categories)
        print(
            f"已写入 {args.output}: {len(taxonomy.categories)} 个类别（关键词数 {counts}），"
            f"兜底类别 {taxonomy.fallback}"
        )
        for note in _notes(dataset):
            print(f"注: {note}")
    else:
        sys.stdout.write(text)
    return 0


def _train(args: argparse.Namespace) -> int:
    paths = [Path(name) for name in args.files]
    rows = [row for path in paths for row in read_labelled_csv(path).rows]
    fit = train if args.command == "train-urgency" else train_categories
    model = fit(rows, trained_on={path.name: digest(path) for path in paths}, threshold=args.threshold)
    Path(args.output).write_text(model.to_json(), "utf-8")
    print(f"OK: {args.output}: {model.rows} 条训练数据, {model.size} 个特征, 阈值 {model.threshold}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
