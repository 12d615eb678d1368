"""The classifier answers the same in every process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = """
from nlp import load_default_classifier
classifier = load_default_classifier()
texts = ("家里停店了", "楼下停店好几次了", "天然汽管子被碰了", "电题坏了", "消防通道和安全出口都被杂物堵了")
for text in texts:
    result = classifier.classify(text)
    print(result.category, [(m.keyword, m.found, m.how) for m in result.matched])
"""


def _answers(seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_the_same_answers_whatever_the_hash_seed() -> None:
    """Regressions: the sound index was built by walking a set, so 停店 matched 停电 before 停点 in one
    process and after it in another (seeds 1 and 4 differed); negative keywords were listed in a set's
    order too (消防通道 / 安全出口: seeds 1 and 3)."""
    first = _answers("1")
    assert "停店" in first and "安全出口" in first
    assert all(_answers(seed) == first for seed in ("3", "4"))
