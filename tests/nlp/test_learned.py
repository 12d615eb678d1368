"""The learned urgency model: its file, how it is trained, and where the classifier may take its word."""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import subprocess
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest

from nlp import Classifier, TaxonomyError, load_default_classifier, load_taxonomy
from nlp.cli import main
from nlp.dataset import read_labelled_csv
from nlp.learned import (
    PACKAGED_CATEGORY_MODEL,
    PACKAGED_MODEL,
    CategoryModel,
    ModelError,
    UrgencyModel,
    feature_codes,
    features,
    load_packaged_category_model,
    load_packaged_model,
    parse_model,
    stale,
    train,
)
from nlp.normalize import normalize_prefix
from nlp.taxonomy import parse_taxonomy

BENCH = Path(__file__).resolve().parents[1] / "bench"
DEFAULT_TAXONOMY = Path(__file__).resolve().parents[2] / "nlp" / "default_taxonomy.toml"
# Never trained on: the honest estimates of how the classifier does on new text.
HOLDOUTS = ("urgency_holdout.csv", "fresh_holdout5.csv")

# Dangers no grammar rule matches (the live state in words nobody listed), each flagged by the learned model.
LEARNED_URGENT = [
    "窗台上有个小孩！！15楼！！身子一半在外面！！快来人",
    "河边步道护栏断了一截 下面就是河 好几个小朋友在那边追着玩",
    "地下车库卷帘门压住一个人的腿 门还在往下",
]
# The model alone would call these urgent, but a cue lowers them: the model never overrules the cue.
LOWERED = [
    "万一2单元楼顶那块广告牌晃得好厉害 下面就是公交站！！！",
    "提醒大家 B座停车场有辆车底下在冒烟 一股焦味",
]
# A negation or an ordinary smoke that belongs to the danger told: the model may overrule those cues.
OVERRULED = [
    "刚回家一开门全屋都是味，我没敢开灯，人退到楼下了，燃气阀在哪关",
    # The gas can is not named (a named one cancels ordinary smoke's lowering: the grammar finds it).
    "楼下烧烤店后门那个罐子在往外喷白雾，嗤嗤响，老板不在",
]
# Over, fixed or a near miss: the model itself has learned these are not urgent.
CALM = [
    "上周连廊那边玻璃护栏碎了，已经修好了",
    "差点被地下车库卷帘门压住腿，幸好没事",
    "东门那个铁门上面的横梁裂了，往下掉铁锈块，不过已经修好了",
]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return load_default_classifier()


@pytest.fixture(scope="module")
def keywords_only() -> Classifier:
    taxonomy = load_taxonomy()
    settings = dataclasses.replace(taxonomy.settings, learned_category=False)
    return Classifier(dataclasses.replace(taxonomy, settings=settings))


@pytest.mark.parametrize("load", [load_packaged_model, load_packaged_category_model])
def test_the_packaged_models_are_trained_on_the_tuning_sets_as_they_are(
    load: Callable[[], UrgencyModel | CategoryModel],
) -> None:
    model = load()
    assert len(model.trained_on) >= 2
    assert not set(HOLDOUTS) & set(model.trained_on)
    # Editing a tuning set without `linli nlp train-urgency` leaves a model that no longer says what it was
    # trained on.
    assert stale(model, BENCH.glob("*.csv")) == []
    assert model.rows >= 1000
    assert 0 < model.threshold < 1


def test_a_changed_training_file_is_stale(tmp_path: Path) -> None:
    model = load_packaged_model()
    name = next(iter(model.trained_on))
    copy = tmp_path / name
    copy.write_bytes((BENCH / name).read_bytes() + "新增一行,other,,0,x\n".encode())
    others = [BENCH / other for other in model.trained_on if other != name]
    assert stale(model, [copy, *others]) == [name]
    assert stale(model, others) == [name]  # missing counts as changed


def test_features_are_characters_and_pairs_without_spaces() -> None:
    assert features("电梯 坏了") == {"电", "梯", "坏", "了", "电梯", "梯坏", "坏了"}
    assert features("") == set()


def _code(feature: str) -> int:
    return ord(feature) if len(feature) == 1 else ord(feature[0]) << 21 | ord(feature[1])


SCORED = ["电梯 坏了", "", "a", "🔥🔥着火了😭", "樓道燈壞了", "3号楼电梯又坏了，顺便说一下楼道灯也不亮" * 20]


@pytest.mark.parametrize("text", SCORED)
def test_feature_codes_are_the_features(text: str) -> None:
    norm = normalize_prefix(text, 1000)
    assert feature_codes(norm).tolist() == sorted(map(_code, features(norm)))


@pytest.mark.parametrize("text", [*SCORED, *LEARNED_URGENT])
def test_the_category_model_scores_as_its_weights_say(text: str) -> None:
    """best() against the softmax worked out weight by weight from the file's flat lists."""
    model = load_packaged_category_model()
    flat = json.loads(resources.files("nlp").joinpath(PACKAGED_CATEGORY_MODEL).read_text("utf-8"))["weights"]
    found = features(normalize_prefix(text, 1000))
    scores = list(model.bias)
    for feature in found:
        pairs = flat.get(feature, [])
        for label, weight in zip(pairs[::2], pairs[1::2], strict=True):
            scores[label] += weight / math.sqrt(len(found))
    best = max(range(len(scores)), key=scores.__getitem__)
    probability = math.exp(scores[best]) / sum(map(math.exp, scores))
    label, got = model.best(normalize_prefix(text, 1000))
    assert (label, got) == (model.labels[best], pytest.approx(probability, rel=1e-9))


def test_a_category_feature_longer_than_a_pair_is_refused() -> None:
    text = (
        load_packaged_category_model()
        .to_json()
        .replace('"weights":{\n', '"weights":{\n"电梯坏":[0,1.0],\n', 1)
    )
    with pytest.raises(ModelError, match="a feature is not one character or a pair"):
        parse_model(text, "cat.json")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("not json", "not a model file"),
        ('{"format": 2}', "format 2, expected 1"),
        ('{"format": 1, "threshold": 1.5}', "threshold 1.5 is not between 0 and 1"),
        ('{"format": 1, "threshold": 0.5, "bias": 0}', "not a model file"),
        ("[]", "not a model file"),
    ],
)
def test_a_broken_model_file_is_named(text: str, problem: str) -> None:
    with pytest.raises(ModelError) as caught:
        parse_model(text, "model.json")
    assert str(caught.value).startswith("model.json: ")
    assert problem in str(caught.value)


def test_the_model_files_round_trip() -> None:
    for name, model in (
        (PACKAGED_MODEL, load_packaged_model()),
        (PACKAGED_CATEGORY_MODEL, load_packaged_category_model()),
    ):
        again = parse_model(model.to_json(), "again.json")
        assert again == model
        # The category model keeps only its table: the file comes back from it byte for byte.
        assert again.to_json() == model.to_json() == resources.files("nlp").joinpath(name).read_text("utf-8")


def test_a_category_model_naming_labels_it_lacks_is_refused() -> None:
    text = load_packaged_category_model().to_json().replace('"labels":[', '"labels":["x",', 1)
    with pytest.raises(ModelError, match="weights name labels it does not list"):
        parse_model(text, "cat.json")


@pytest.mark.parametrize("text", LEARNED_URGENT)
def test_the_model_adds_urgency_the_grammar_misses(
    classifier: Classifier, grammar_only: Classifier, text: str
) -> None:
    before, after = grammar_only.classify(text), classifier.classify(text)
    assert not before.urgent, before.explain()
    assert after.urgent and after.urgent_learned, after.explain()
    assert after.urgent_reason == "紧急情况"
    assert "学习模型判断" in after.explain()


@pytest.mark.parametrize("text", LOWERED)
def test_a_lowering_cue_is_never_overruled(classifier: Classifier, text: str) -> None:
    assert load_packaged_model().urgent(normalize_prefix(text, 1000))
    result = classifier.classify(text)
    assert not result.urgent, result.explain()
    assert result.urgent_lowered, result.explain()


@pytest.mark.parametrize("text", OVERRULED)
def test_a_cue_that_tells_the_danger_may_be_overruled(
    classifier: Classifier, grammar_only: Classifier, text: str
) -> None:
    before, after = grammar_only.classify(text), classifier.classify(text)
    assert not before.urgent and before.urgent_lowered, before.explain()
    overrulable = {"negation", "negation_short", "ordinary_smoke", "ordinary_smoke_nearby"}
    assert {cue.split(":")[0] for cue in before.urgent_lowered if ":" in cue} <= overrulable
    assert after.urgent and after.urgent_learned, after.explain()


def test_learned_overrules_must_be_true_or_false() -> None:
    text = DEFAULT_TAXONOMY.read_text("utf-8").replace("learned_overrules = true", "learned_overrules = 1", 1)
    with pytest.raises(TaxonomyError, match=r"\[urgency.grammar.lowering.negation\] learned_overrules"):
        parse_taxonomy(text, "mytax.toml")


@pytest.mark.parametrize("text", CALM)
def test_what_is_over_stays_calm(classifier: Classifier, text: str) -> None:
    result = classifier.classify(text)
    assert not result.urgent, result.explain()


def test_grammar_urgency_is_not_called_learned(classifier: Classifier) -> None:
    result = classifier.classify("3号楼2单元电梯困人了，里面有老人，快来人")
    assert result.urgent and not result.urgent_learned
    assert "学习模型判断" not in result.explain()


def test_learned_must_be_true_or_false() -> None:
    text = DEFAULT_TAXONOMY.read_text("utf-8").replace("learned = true", 'learned = "yes"', 1)
    with pytest.raises(TaxonomyError, match=r"\[urgency\] learned: value must be true or false"):
        parse_taxonomy(text, "mytax.toml")


def test_train_urgency_writes_a_model_that_scores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [(f"{n}号楼煤气管子嘶嘶响一股臭味", "safety", "1") for n in range(1, 21)]
    rows += [(f"{n}号楼楼道灯坏了好几天", "repair", "0") for n in range(1, 21)]
    path = tmp_path / "tiny.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label", "urgent"])
        writer.writerows(rows)
    out = tmp_path / "model.json"
    assert main(["train-urgency", str(path), "-o", str(out), "--threshold", "0.5"]) == 0
    assert "OK:" in capsys.readouterr().out
    model = parse_model(out.read_text("utf-8"), str(out))
    assert model.rows == 40 and model.threshold == 0.5
    assert stale(model, [path]) == []
    assert model.urgent("9号楼煤气管子嘶嘶响一股臭味") and not model.urgent("9号楼楼道灯坏了好几天")
    # A word or two is never the model's to judge, however it scores.
    assert model.probability("嘶嘶响一股臭味") > 0.5 and not model.urgent("嘶嘶响一股臭味")
    assert json.loads(out.read_text("utf-8"))["format"] == 1


def test_the_same_files_train_the_same_urgency_model() -> None:
    # Regression: liblinear's L1 fit visits the features in a random order, and unseeded four trainings on
    # one set gave four different models.
    rows = read_labelled_csv(BENCH / "urgency_tune9.csv").rows
    assert train(rows, trained_on={}).to_json() == train(rows, trained_on={}).to_json()


def test_train_urgency_needs_both_kinds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "calm.csv"
    path.write_text("text,label,urgent\n楼道灯坏了,repair,0\n电梯坏了,repair,0\n", encoding="utf-8")
    assert main(["train-urgency", str(path), "-o", str(tmp_path / "m.json")]) == 1
    assert "urgent and non-urgent" in capsys.readouterr().err


def test_check_reports_the_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(DEFAULT_TAXONOMY)]) == 0
    out = capsys.readouterr().out
    assert "紧急学习模型: " in out and "类别学习模型: " in out


# The keywords find something but are unsure; the learned category model knows the kind of report.
LEARNED_CATEGORY = [
    ("围墙那边有个缺口 外面的人能直接钻进来", "security"),
    ("维修师傅来过了 修好了 很专业 感谢", "property"),
]


@pytest.mark.parametrize(("text", "expected"), LEARNED_CATEGORY)
def test_an_unsure_category_is_the_learned_models(
    classifier: Classifier, keywords_only: Classifier, text: str, expected: str
) -> None:
    before, after = keywords_only.classify(text), classifier.classify(text)
    assert not before.confident and before.category != expected, before.explain()
    assert after.category == expected and after.category_learned, after.explain()
    assert not after.confident
    assert after.top[0][0] == expected
    assert "（学习模型判断）" in after.explain().splitlines()[0]


def test_a_sure_category_and_an_empty_one_stay_the_keywords(classifier: Classifier) -> None:
    sure = classifier.classify("3号楼电梯坏了，按钮没反应，门也关不上")
    assert sure.confident and sure.category == "repair" and not sure.category_learned
    # Nothing matched: no report the model was trained on, so the fallback stands.
    chatter = classifier.classify("今天天气不错，祝大家开心")
    assert chatter.top == (("other", 0.0),) and not chatter.category_learned


def test_train_categories_writes_a_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    topics = {"repair": "电梯坏了按钮没反应", "noise": "楼上半夜装修电钻响", "parking": "消防通道被车堵了"}
    path = tmp_path / "three.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows((f"{n}号楼{text}", label) for label, text in topics.items() for n in range(1, 11))
    out = tmp_path / "cat.json"
    assert main(["train-categories", str(path), "-o", str(out)]) == 0
    model = parse_model(out.read_text("utf-8"), str(out))
    assert isinstance(model, CategoryModel)
    assert model.labels == ("noise", "parking", "repair") and model.rows == 30
    assert model.best("电梯又坏了按钮没反应")[0] == "repair"
    capsys.readouterr()
    two = tmp_path / "two.csv"
    two.write_text("text,label\n电梯坏了,repair\n太吵了,noise\n", encoding="utf-8")
    assert main(["train-categories", str(two), "-o", str(out)]) == 1
    assert "three or more labels" in capsys.readouterr().err


def test_train_runs_as_a_module(tmp_path: Path) -> None:
    # Regression: _train was defined below the `if __name__ == "__main__"` guard, so `python -m nlp.cli
    # train-…` called main() before the function existed and died with a NameError.
    path = tmp_path / "three.csv"
    path.write_text(
        "text,label\n电梯坏了按钮没反应,repair\n楼上半夜装修电钻响,noise\n消防通道被车堵了,parking\n",
        encoding="utf-8",
    )
    out = tmp_path / "cat.json"
    done = subprocess.run(
        [sys.executable, "-m", "nlp.cli", "train-categories", str(path), "-o", str(out)],
        cwd=DEFAULT_TAXONOMY.parents[1],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert isinstance(parse_model(out.read_text("utf-8"), str(out)), CategoryModel)
