"""The tickets feature's button families, the category buttons of receipts and cards among them.

Prefixes and field order never change (see handlers/callbacks).
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.callbacks import ButtonData, button


@button("ac")
@dataclass(frozen=True)
class Accept(ButtonData):
    """受理"""

    ticket: int


@button("ip")
@dataclass(frozen=True)
class Progress(ButtonData):
    """处理中"""

    ticket: int


@button("rs")
@dataclass(frozen=True)
class Resolve(ButtonData):
    """已解决: asks for a note first."""

    ticket: int


@button("sn")
@dataclass(frozen=True)
class SkipNote(ButtonData):
    """Resolve without a note."""

    ticket: int


@button("rj")
@dataclass(frozen=True)
class Reject(ButtonData):
    """驳回: asks for the reason first."""

    ticket: int


@button("cx")
@dataclass(frozen=True)
class CancelStep(ButtonData):
    """Abandon the note or reason question."""

    ticket: int


@button("as")
@dataclass(frozen=True)
class Assign(ButtonData):
    """指派: show who can be assigned."""

    ticket: int


@button("at")
@dataclass(frozen=True)
class AssignTo(ButtonData):
    ticket: int
    user: int


@button("rt")
@dataclass(frozen=True)
class Rate(ButtonData):
    """满意 / 一般 / 不满意 by the reporter."""

    ticket: int
    rating: str  # a Rating code


@button("hi")
@dataclass(frozen=True)
class History(ButtonData):
    """The ticket's history, for its reporter or staff."""

    ticket: int


@button("cc")
@dataclass(frozen=True)
class ChangeCategory(ButtonData):
    """改分类: show every category (the reporter on the receipt, staff on the card)."""

    ticket: int


@button("sc")
@dataclass(frozen=True)
class SetCategory(ButtonData):
    ticket: int
    category: str  # the category id, never its position: taxonomy edits cannot change its meaning


@button("cb")
@dataclass(frozen=True)
class CategoryBack(ButtonData):
    """↩ 返回: put the pressed message back as it was."""

    ticket: int


ANY = "x"  # "no filter" for the code fields of a page


@button("tp")
@dataclass(frozen=True)
class TicketsPage(ButtonData):
    """A page of /tickets with its filter: codes and ids only."""

    page: int
    status: str = ANY
    building: int = 0
    category: str = ANY
    flags: int = 0
