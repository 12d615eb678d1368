"""The one codec for inline-button data: "<version>:<op>:<arg>:<arg>…", at most 64 bytes.

Arguments are integer ids or short ASCII codes (category ids such as "noise"), never free text, so a
button left in chat history from an older release is either understood exactly or rejected as invalid.
Category buttons carry the category id rather than a position in the taxonomy, so editing the taxonomy
can never make an old button mean another category.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

VERSION = "1"
MAX_BYTES = 64  # Telegram's limit for callback_data
_INT = re.compile(r"[0-9]{1,18}")
_CODE = re.compile(r"[a-z][a-z0-9_]{0,23}")


class Op(StrEnum):
    ACCEPT = "ac"  # staff: 受理                                        (ticket)
    PROGRESS = "ip"  # staff: 处理中                                    (ticket)
    RESOLVE = "rs"  # staff: 已解决 — asks for a note first             (ticket)
    SKIP_NOTE = "sn"  # staff: resolve without a note                  (ticket)
    REJECT = "rj"  # staff: 驳回 — asks for the reason first            (ticket)
    CANCEL_STEP = "cx"  # staff: abandon the note/reason question       (ticket)
    ASSIGN = "as"  # staff: show who can be assigned                   (ticket)
    ASSIGN_TO = "at"  # staff: assign                                  (ticket, user)
    RATE = "rt"  # reporter: 满意 / 一般 / 不满意                        (ticket, rating code)
    ANONYMOUS = "an"  # reporter: hide my name                         (ticket)
    HISTORY = "hi"  # reporter or staff: the ticket's history          (ticket)
    TICKETS_PAGE = (
        "tp"  # staff: a page of /tickets  (page, status code|x, building|0, category code|x, flags)
    )
    REPORT_BUILDING = "rb"  # reporter: building of a private report   (building, 0 = unknown)
    REPORT_CANCEL = "rc"  # reporter: abandon the private report flow  ()
    SET_CATEGORY = "sc"  # reporter or staff: the ticket's category    (ticket, category code)
    CHANGE_CATEGORY = "cc"  # reporter or staff: show category buttons (ticket)
    CATEGORY_BACK = "cb"  # reporter or staff: put the message back as it was (ticket)
    JOIN_TICKET = "jt"  # reporter: "same thing" — follow the earlier ticket (new ticket, earlier ticket)
    NOT_DUPLICATE = "nd"  # reporter: "not the same thing"             (new ticket)


INT, CODE = "i", "c"
SIGNATURE: dict[Op, tuple[str, ...]] = {
    Op.ACCEPT: (INT,),
    Op.PROGRESS: (INT,),
    Op.RESOLVE: (INT,),
    Op.SKIP_NOTE: (INT,),
    Op.REJECT: (INT,),
    Op.CANCEL_STEP: (INT,),
    Op.ASSIGN: (INT,),
    Op.ASSIGN_TO: (INT, INT),
    Op.RATE: (INT, CODE),
    Op.ANONYMOUS: (INT,),
    Op.HISTORY: (INT,),
    Op.TICKETS_PAGE: (INT, CODE, INT, CODE, INT),
    Op.REPORT_BUILDING: (INT,),
    Op.REPORT_CANCEL: (),
    Op.SET_CATEGORY: (INT, CODE),
    Op.CHANGE_CATEGORY: (INT,),
    Op.CATEGORY_BACK: (INT,),
    Op.JOIN_TICKET: (INT, INT),
    Op.NOT_DUPLICATE: (INT,),
}
_PATTERN = {INT: _INT, CODE: _CODE}


@dataclass(frozen=True, slots=True)
class Callback:
    op: Op
    args: tuple[int | str, ...]

    def int(self, index: int) -> int:
        value = self.args[index]
        assert isinstance(value, int)
        return value

    def code(self, index: int) -> str:
        value = self.args[index]
        assert isinstance(value, str)
        return value


def encode(op: Op, *args: int | str) -> str:
    kinds = SIGNATURE[op]
    if len(args) != len(kinds):
        raise ValueError(f"{op.name} takes {len(kinds)} arguments, got {len(args)}")
    parts = [str(a) for a in args]
    for kind, part in zip(kinds, parts, strict=True):
        if not _PATTERN[kind].fullmatch(part):
            raise ValueError(f"{op.name}: {part!r} is not a valid {'id' if kind == INT else 'code'}")
    data = ":".join([VERSION, op.value, *parts])
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
    code, *raw = rest.split(":")
    try:
        op = Op(code)
    except ValueError:
        return None
    kinds = SIGNATURE[op]
    if len(raw) != len(kinds):
        return None
    args: list[int | str] = []
    for kind, part in zip(kinds, raw, strict=True):
        if not _PATTERN[kind].fullmatch(part):
            return None
        args.append(int(part) if kind == INT else part)
    return Callback(op, tuple(args))
