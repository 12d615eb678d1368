from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from nlp import load_taxonomy
from nlp.cli import main

FILLER = [
    "昨天",
    "今天下午",
    "邻居说",
    "我发现",
    "大家注意",
    "好几天了",
    "麻烦看看",
    "真受不了",
    "又是这样",
    "谁来管管",
]
TOPICS = {
    "leak": ["水管漏水", "漏水严重", "天花板漏水", "漏水滴答"],
    "noise": ["噪音太大", "半夜噪音", "噪音扰民", "装修噪音"],
    "parking": ["车位被占", "乱停车位", "占了车位", "车位堵了"],
}


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def separable(tmp_path: Path) -> Path:
    rows = []
    for label, phrases in TOPICS.items():
        for i in range(10):
            rows.append({"text": f"{FILLER[i]}，{phrases[i % 4]}，{FILLER[(i + 3) % 10]}", "label": label})
    rows.append({"text": "没有标签的一行", "label": ""})
    return write_csv(tmp_path / "tiny.csv", rows)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_ok(capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(__file__).parents[2] / "nlp" / "default_taxonomy.toml"
    code, out, _ = run(capsys, "check", str(path))
    assert code == 0
    assert out.startswith(f"OK: {path}: 12 个类别")
    assert "兜底类别 other" in out


def test_check_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mytax.toml"
    path.write_text(
        'fallback = "a"\n[categories.a]\nname = "甲"\n[categories.a.keywords]\n"噪音" = -1\n',
        encoding="utf-8",
    )
    code, out, err = run(capsys, "check", str(path))
    assert code == 1
    assert out == ""
    assert f"{path}: category 'a' keyword '噪音': weight must be a number > 0" in err


def test_classify(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "classify", "3号楼2单元电悌又坏了")
    assert code == 0
    assert "类别: 设施报修 (repair)" in out
    assert "电梯" in out and "同音" in out
    assert "位置: 3号楼2单元" in out
    code, out, _ = run(capsys, "classify", "--json", "煤气味好浓，快来人")
    data = json.loads(out)
    assert (data["category"], data["urgent"]) == ("safety", True)
    assert "煤气味" in data["urgent_words"]


def test_mine_then_eval(separable: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mined = tmp_path / "mined.toml"
    code, out, _ = run(capsys, "mine", str(separable), "-o", str(mined), "--min-count", "2")
    assert code == 0
    assert "跳过 1 条无标签的行" in out
    taxonomy = load_taxonomy(mined)
    assert set(taxonomy.ids) == set(TOPICS)
    assert taxonomy.mining.min_count == 2
    assert any(k.text == "漏水" for k in taxonomy.category("leak").vocabulary.keywords)

    code, out, _ = run(capsys, "eval", "--taxonomy", str(mined), "--json", str(separable))
    report = json.loads(out)
    assert code == 0
    assert (report["messages"], report["accuracy"], report["macro_f1"]) == (30, 1.0, 1.0)

    code, out, _ = run(capsys, "eval", "--taxonomy", str(mined), "--folds", "5", "--json", str(separable))
    report = json.loads(out)
    assert (report["folds"], report["accuracy"], report["macro_f1"]) == (5, 1.0, 1.0)
    assert len(report["fold_macro_f1"]) == 5

    code, out, _ = run(capsys, "eval", "--mine", "--min-count", "2", str(separable))
    assert code == 0
    assert "5 折交叉验证" in out and "macro-F1: 1.000" in out


def test_eval_default_taxonomy_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(
        tmp_path / "dev.csv",
        [
            {"text": "电梯坏了", "label": "repair", "also_ok": "", "urgent": "0"},
            {"text": "楼下垃圾桶满了没人收", "label": "sanitation", "also_ok": "", "urgent": "0"},
            {"text": "广场舞太吵了", "label": "noise", "also_ok": "", "urgent": "0"},
            {"text": "物业费又涨价了", "label": "repair", "also_ok": "property", "urgent": "0"},
            {"text": "煤气味很浓，快来人", "label": "safety", "also_ok": "", "urgent": "1"},
            {"text": "楼道里好脏", "label": "sanitation", "also_ok": "", "urgent": "1"},
        ],
    )
    code, out, _ = run(capsys, "eval", "--json", str(path))
    report = json.loads(out)
    assert code == 0
    assert report["accuracy"] == round(5 / 6, 4)
    assert report["accuracy_also_ok"] == 1.0
    assert (report["urgent_precision"], report["urgent_recall"], report["urgent_support"]) == (1.0, 0.5, 2)
    assert report["confusions"] == []
    repair = next(c for c in report["categories"] if c["label"] == "repair")
    assert (repair["support"], repair["predicted"], repair["recall"]) == (2, 1, 0.5)
    code, out, _ = run(capsys, "eval", str(path))
    assert "准确率 accuracy: 0.833   计入 also_ok: 1.000" in out
    assert "设施报修(repair)" in out


def test_eval_reports_confusions_with_examples(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(
        tmp_path / "c.csv", [{"text": t, "label": "noise"} for t in ("电梯坏了", "电梯不动了", "电梯异响")]
    )
    _, out, _ = run(capsys, "eval", "--json", str(path))
    report = json.loads(out)
    assert report["accuracy"] == 0.0
    assert report["confusions"][0]["gold"] == "noise" and report["confusions"][0]["predicted"] == "repair"
    assert report["confusions"][0]["count"] == 3 and len(report["confusions"][0]["examples"]) == 2
    assert report["urgent_precision"] is None


def test_bad_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("message,category\n你好,other\n", encoding="utf-8")
    code, _, err = run(capsys, "mine", str(path))
    assert code == 1
    assert "bad.csv: no column 'text'" in err
    code, _, err = run(capsys, "eval", str(tmp_path / "missing.csv"))
    assert code == 1 and "file not found" in err


def test_min_label_rows(separable: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = list(csv.DictReader(separable.open(encoding="utf-8")))
    rows.append({"text": "某部委的留言", "label": "ministry"})
    path = write_csv(tmp_path / "more.csv", rows)
    out_path = tmp_path / "m.toml"
    code, out, _ = run(
        capsys, "mine", str(path), "-o", str(out_path), "--min-label-rows", "2", "--min-count", "2"
    )
    assert code == 0
    assert "ministry(1)" in out
    assert "ministry" not in load_taxonomy(out_path).ids
