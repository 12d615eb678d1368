"""The segmenter's own cut of Chinese text gives jieba's words exactly."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.classifier import shared_segmenter

SEGMENTER = shared_segmenter()
BENCH = Path(__file__).parents[1] / "bench"
_RUN = re.compile(r"[\u3400-\u9fff]{2,}")


def jieba_words(text: str) -> list[str]:
    return SEGMENTER._tokenizer.lcut(text, HMM=False)


def test_every_run_of_the_bench_reports_is_cut_as_jieba_cuts_it() -> None:
    runs = set()
    for path in sorted(BENCH.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                runs.update(m.group() for cell in row for m in _RUN.finditer(cell))
    assert len(runs) > 3000
    differing = [run for run in sorted(runs) if SEGMENTER.cut(run) != jieba_words(run)]
    assert differing == []


# Characters that start, end and fill dictionary words, rare ones, extension A (jieba leaves it to its
# own block handling) and what is not Chinese at all.
_CHARS = [
    *"电梯坏了停水楼道灯不亮声控燃气泄漏味道臭鸡蛋天然气管子物业保安门口邻居吵架",
    "\u9fd5",
    "\u9fd6",
    "\u3400",
    "a",
    "1",
    " ",
    "，",
]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(_CHARS), max_size=40))
def test_any_text_is_cut_as_jieba_cuts_it(text: str) -> None:
    assert SEGMENTER.cut(text) == jieba_words(text)


def test_ties_and_unknown_characters() -> None:
    # Characters jieba does not know stay single; an empty text has no words.
    assert SEGMENTER.cut("") == jieba_words("") == []
    for text in ("\u9fd5\u9fd5", "电梯电梯电梯", "的的的的的", "不不不不"):
        assert SEGMENTER.cut(text) == jieba_words(text)
