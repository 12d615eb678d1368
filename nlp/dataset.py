"""Labelled messages from CSV files (``text,label[,also_ok][,urgent]``) and how to split them into folds."""

from __future__ import annotations

import csv
import os
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


class DatasetError(ValueError):
    """A CSV file that cannot be read as labelled messages; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class LabelledText:
    text: str
    label: str
    also_ok: tuple[str, ...] = ()
    urgent: bool | None = None


@dataclass(frozen=True)
class Dataset:
    rows: tuple[LabelledText, ...]
    source: str
    skipped_unlabelled: int = 0
    dropped_labels: dict[str, int] = field(default_factory=dict)

    @property
    def has_urgent(self) -> bool:
        return any(row.urgent is not None for row in self.rows)

    @property
    def labels(self) -> list[str]:
        """Labels by frequency, most common first (ties in order of first appearance)."""
        return [label for label, _ in Counter(row.label for row in self.rows).most_common()]


def category_id(label: str) -> str:
    """The category id a label becomes in a mined taxonomy (ids cannot contain whitespace)."""
    return "_".join(label.split())


def read_labelled_csv(
    path: str | os.PathLike[str],
    *,
    text_column: str = "text",
    label_column: str = "label",
    min_label_rows: int = 1,
) -> Dataset:
    """Read labelled rows; rows with an empty label are skipped and labels with fewer than
    ``min_label_rows`` rows are dropped (both are counted in the result)."""
    source = os.fspath(path)
    try:
        with Path(source).open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            for needed in (text_column, label_column):
                if needed not in columns:
                    raise DatasetError(
                        f"{source}: no column {needed!r} (columns: {', '.join(columns) or 'none'})"
                    )
            rows, skipped = [], 0
            for record in reader:
                label = category_id((record.get(label_column) or "").strip())
                if not label:
                    skipped += 1
                    continue
                also_ok = tuple(
                    category_id(part) for part in (record.get("also_ok") or "").split("|") if part.strip()
                )
                urgent = _flag(record.get("urgent"), source, reader.line_num)
                rows.append(LabelledText(record.get(text_column) or "", label, also_ok, urgent))
    except FileNotFoundError:
        raise DatasetError(f"{source}: file not found") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(f"{source}: cannot read CSV ({exc})") from None
    counts = Counter(row.label for row in rows)
    dropped = {label: n for label, n in counts.items() if n < min_label_rows}
    kept = tuple(row for row in rows if row.label not in dropped)
    if not kept:
        raise DatasetError(
            f"{source}: no labelled rows left (skipped {skipped} without label, "
            f"dropped {sum(dropped.values())} in labels with < {min_label_rows} rows)"
        )
    return Dataset(kept, source, skipped, dropped)


def _flag(value: str | None, source: str, line: int) -> bool | None:
    if value is None or not value.strip():
        return None
    if value.strip() in ("1", "true", "yes"):
        return True
    if value.strip() in ("0", "false", "no"):
        return False
    raise DatasetError(f"{source}: line {line}: urgent must be 0 or 1 (got {value!r})")


def stratified_folds(labels: Sequence[str], k: int, seed: int = 0) -> list[list[int]]:
    """Split row indices into ``k`` folds with each label spread evenly; deterministic for a seed."""
    if k < 2:
        raise ValueError("need at least 2 folds")
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = {}
    for index, label in enumerate(labels):
        by_label.setdefault(label, []).append(index)
    folds: list[list[int]] = [[] for _ in range(k)]
    offset = 0
    for label in sorted(by_label):
        indices = by_label[label]
        rng.shuffle(indices)
        for position, index in enumerate(indices):
            folds[(position + offset) % k].append(index)
        # Rotate where each label starts so small labels do not all land in the first folds.
        offset += len(indices)
    return [sorted(fold) for fold in folds]
