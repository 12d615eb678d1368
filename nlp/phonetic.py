"""Toneless pinyin per character, for catching homophone typos from pinyin input methods."""

from __future__ import annotations

import importlib.util
import itertools
import json
import unicodedata
from functools import cache
from pathlib import Path

# Readings are compared as sets, so a character with several readings may match any of them;
# the cap keeps a window of many heteronyms from exploding into too many keys.
MAX_READING_COMBINATIONS = 8


def _strip_tone(reading: str) -> str:
    decomposed = unicodedata.normalize("NFD", reading.strip()).replace("u\u0308", "v")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _load_raw_table() -> dict[int, str]:
    # Read pypinyin's single-character table directly: importing the pypinyin package also loads its
    # phrase dictionary, which costs ~60 MB and is not needed for per-character readings.
    spec = importlib.util.find_spec("pypinyin")
    if spec is not None and spec.origin is not None:
        path = Path(spec.origin).with_name("pinyin_dict.json")
        if path.is_file():
            return {int(code): value for code, value in json.loads(path.read_text("utf-8")).items()}
    from pypinyin.pinyin_dict import pinyin_dict

    return dict(pinyin_dict)


@cache
def reading_table() -> dict[str, tuple[str, ...]]:
    """Map every character pypinyin knows to its toneless readings, most common first."""
    table: dict[str, tuple[str, ...]] = {}
    # ~42,000 characters share ~8,600 distinct reading lists: each is worked out once.
    by_value: dict[str, tuple[str, ...]] = {}
    for code, value in _load_raw_table().items():
        readings = by_value.get(value)
        if readings is None:
            parts = value.split(",")
            readings = tuple(dict.fromkeys(_strip_tone(part) for part in parts if part.strip()))
            by_value[value] = readings
        if readings:
            table[chr(code)] = readings
    return table


def reading_keys(text: str, table: dict[str, tuple[str, ...]]) -> list[tuple[str, ...]]:
    """All toneless pinyin sequences ``text`` can be read as (capped), or [] if a character has none."""
    per_char: list[tuple[str, ...]] = []
    for char in text:
        readings = table.get(char)
        if readings is None:
            return []
        per_char.append(readings)
    if all(len(readings) == 1 for readings in per_char):
        return [tuple(readings[0] for readings in per_char)]
    return list(itertools.islice(itertools.product(*per_char), MAX_READING_COMBINATIONS))
