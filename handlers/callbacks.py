"""The one codec for inline-button data: "<version>:<op>:<int>:<int>…", at most 64 bytes.

Only enum codes and integer ids go in, never text, so a button left in chat history from an older
release is either understood exactly or rejected as invalid — never misread.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

VERSION = "1"
MAX_BYTES = 64  # Telegram's limit for callback_data


class Op(StrEnum):
    RESOLVE = "rs"  # staff: mark ticket resolved            (ticket id)
    REPORT_BUILDING = "rb"  # reporter: building for a private report (building id, 0 = unknown)
    REPORT_CANCEL = "rc"  # reporter: abandon the private report flow ()


ARITY: dict[Op, int] = {Op.RESOLVE: 1, Op.REPORT_BUILDING: 1, Op.REPORT_CANCEL: 0}


@dataclass(frozen=True, slots=True)
class Callback:
    op: Op
    args: tuple[int, ...]


def encode(op: Op, *args: int) -> str:
    if len(args) != ARITY[op]:
        raise ValueError(f"{op.name} takes {ARITY[op]} ids, got {len(args)}")
    data = ":".join([VERSION, op.value, *(str(int(a)) for a in args)])
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> Callback | None:
    """None for anything that is not exactly what `encode` makes."""
    if not data or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    version, _, rest = data.partition(":")
    if version != VERSION:
        return None
    code, *raw_args = rest.split(":")
    try:
        op = Op(code)
    except ValueError:
        return None
    if len(raw_args) != ARITY[op] or not all(_is_id(a) for a in raw_args):
        return None
    return Callback(op, tuple(int(a) for a in raw_args))


def _is_id(text: str) -> bool:
    # isdecimal() alone accepts non-ASCII digits such as "٣"; ids are plain ASCII, bounded to 64-bit.
    return text.isascii() and text.isdecimal() and len(text) <= 18
