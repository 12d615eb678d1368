"""User-facing words live in texts modules only: one per feature package and one shared."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHINESE = re.compile(r"[\u3400-\u9fff]")
# What the bot says lives in these trees. Not in scope: nlp/ (the classifier's vocabulary is language data,
# not something the bot says), the sandbox and the shell (they stand in for Telegram and its app), and the
# demo script and the playground (they play the residents, the staff and their groups).
SCOPE = ("handlers", "storage", "bot")
NOT_THE_BOT = ("bot/sandbox", "bot/shell.py", "bot/demo.py", "bot/playground.py")


def _is_texts_module(path: Path) -> bool:
    return path.name == "texts.py" and (
        path.parent.name == "handlers" or path.parent.parent.name == "handlers"
    )


def _docstrings(tree: ast.AST) -> set[int]:
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, kinds)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def chinese_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    return [
        f"{where}:{node.lineno}: {node.value[:30]!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docs
        and CHINESE.search(node.value)
    ]


def _sources() -> list[Path]:
    paths = [p for top in SCOPE for p in (ROOT / top).rglob("*.py")]
    return [
        p
        for p in paths
        if not _is_texts_module(p)
        and not any(str(p.relative_to(ROOT)).startswith(skip) for skip in NOT_THE_BOT)
        and "migrations" not in p.parts
    ]


def test_no_chinese_string_outside_a_texts_module() -> None:
    found = [hit for path in _sources() for hit in chinese_literals(path)]
    assert found == [], "move these strings to the feature's texts module:\n" + "\n".join(found)


def test_every_feature_package_has_a_texts_module() -> None:
    features = [p.parent for p in (ROOT / "handlers").glob("*/feature.py")]
    assert features, "no feature packages found"
    for package in features:
        assert (package / "texts.py").is_file(), f"{package.name} has no texts.py"


def test_the_walker_finds_a_chinese_literal(tmp_path: Path) -> None:
    """The check above must be able to fail."""
    sample = tmp_path / "sample.py"
    sample.write_text('"""文档可以写中文。"""\n\nGREETING = "您好"\nNAME = "Linli"\n', encoding="utf-8")
    assert chinese_literals(sample) == ["sample.py:3: '您好'"]
