"""The one codec for inline-button data: "<version>:<prefix>:<field>:<field>…", at most 64 bytes.

Each button family is a small frozen dataclass registered with `@button("xx")`: its prefix names the family
and its fields, in order, are integer ids (`int`) or short ASCII codes (`str`, such as the category id
"noise"), never free text. A button left in chat history from an older release is therefore either
understood exactly or rejected as invalid: a family keeps its prefix and field order for good, and a new
meaning gets a new prefix. Category buttons carry the category id rather than a position in the taxonomy,
so editing the taxonomy can never make an old button mean another category.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, ClassVar, TypeVar

VERSION = "1"
MAX_BYTES = 64  # Telegram's limit for callback_data
_PREFIX = re.compile(r"[a-z]{2}")
_PATTERNS: dict[type, re.Pattern[str]] = {
    int: re.compile(r"[0-9]{1,18}"),
    str: re.compile(r"[a-z][a-z0-9_]{0,23}"),
}


class ButtonData:
    """The base of every button family; `prefix` is set by `@button`."""

    prefix: ClassVar[str]

    def encode(self) -> str:
        parts = [str(getattr(self, name)) for name, _ in _fields(type(self))]
        for (name, kind), part in zip(_fields(type(self)), parts, strict=True):
            if not _PATTERNS[kind].fullmatch(part):
                what = "id" if kind is int else "code"
                raise ValueError(f"{type(self).__name__}.{name}: {part!r} is not a valid {what}")
        data = ":".join([VERSION, self.prefix, *parts])
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data


FAMILIES: dict[str, type[ButtonData]] = {}
D = TypeVar("D", bound=ButtonData)


def button(prefix: str) -> Callable[[type[D]], type[D]]:
    """Register a frozen dataclass as the button family `prefix` (two lowercase letters, never reused)."""

    def register(cls: type[D]) -> type[D]:
        if not _PREFIX.fullmatch(prefix):
            raise ValueError(f"button prefix {prefix!r} must be two lowercase letters")
        if prefix in FAMILIES:
            raise ValueError(f"button prefix {prefix!r} is taken by {FAMILIES[prefix].__name__}")
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__name__} must be a dataclass")
        cls.prefix = prefix
        FAMILIES[prefix] = cls
        _fields(cls)  # fail at import on a field type the codec cannot carry
        return cls

    return register


@cache
def _fields(cls: type[ButtonData]) -> tuple[tuple[str, type], ...]:
    hints = typing.get_type_hints(cls)
    fields = tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    for name, kind in fields:
        if kind not in _PATTERNS:
            raise TypeError(f"{cls.__name__}.{name}: button fields are int ids or str codes, not {kind}")
    return fields


def decode(data: str | None) -> ButtonData | None:
    """The button's typed data; None for anything that is not exactly what `encode` makes."""
    if not data or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    version, _, rest = data.partition(":")
    if version != VERSION:
        return None
    prefix, *raw = rest.split(":")
    family = FAMILIES.get(prefix)
    if family is None:
        return None
    fields = _fields(family)
    if len(raw) != len(fields):
        return None
    values: dict[str, Any] = {}
    for (name, kind), part in zip(fields, raw, strict=True):
        if not _PATTERNS[kind].fullmatch(part):
            return None
        values[name] = kind(part)
    return family(**values)
