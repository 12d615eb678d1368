"""The reports feature's button families. Prefixes and field order never change (see handlers/callbacks)."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.callbacks import ButtonData, button


@button("an")
@dataclass(frozen=True)
class Anonymous(ButtonData):
    """The receipt's old 匿名 button: still in chat history, answered truthfully."""

    ticket: int


@button("rb")
@dataclass(frozen=True)
class ReportBuilding(ButtonData):
    """The building of a private report; 0 = 不清楚."""

    building: int


@button("rc")
@dataclass(frozen=True)
class ReportCancel(ButtonData):
    """Abandon the private report flow."""


@button("jt")
@dataclass(frozen=True)
class JoinTicket(ButtonData):
    """ "Same thing": the new report follows the earlier ticket."""

    ticket: int
    earlier: int


@button("nd")
@dataclass(frozen=True)
class NotDuplicate(ButtonData):
    ticket: int


@button("ob")
@dataclass(frozen=True)
class OtherBuildings(ButtonData):
    """其他楼栋: show every building, not only the resident's own."""


@button("wd")
@dataclass(frozen=True)
class Withdraw(ButtonData):
    """撤回: the reporter takes the report back before staff take it on."""

    ticket: int


@button("fs")
@dataclass(frozen=True)
class FileSecond(ButtonData):
    """另报一件: file the second problem of a two-problem message as its own report."""

    ticket: int


@button("ls")
@dataclass(frozen=True)
class LeaveToStaff(ButtonData):
    """不清楚 under a voice note or photo filed alone: staff will sort it when they hear or see it."""

    ticket: int
