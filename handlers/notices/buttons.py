"""The notices feature's button families. Prefixes and field order never change (see handlers/callbacks)."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.callbacks import ButtonData, button


@button("ny")
@dataclass(frozen=True)
class Acknowledge(ButtonData):
    """收到, under each notice."""

    notice: int


@button("ng")
@dataclass(frozen=True)
class NoticeTargets(ButtonData):
    choice: str  # all | leaders | next (the buildings ticked so far)


@button("nb")
@dataclass(frozen=True)
class NoticeBuilding(ButtonData):
    """Tick or untick a building in the guided flow."""

    building: int


@button("no")
@dataclass(frozen=True)
class NoticeOption(ButtonData):
    option: str  # pin | ack (toggle) | when | now (定时发送 or not) | skip (no photo or file) | preview


@button("nc")
@dataclass(frozen=True)
class ConfirmNotice(ButtonData):
    """确认发送"""


@button("nx")
@dataclass(frozen=True)
class CancelNotice(ButtonData):
    pass


@button("nr")
@dataclass(frozen=True)
class RemindAcks(ButtonData):
    """再提醒"""

    notice: int


@button("nw")
@dataclass(frozen=True)
class WithdrawNotice(ButtonData):
    """撤回: asks for a confirmation."""

    notice: int


@button("nz")
@dataclass(frozen=True)
class ConfirmWithdraw(ButtonData):
    notice: int


@button("nk")
@dataclass(frozen=True)
class KeepNotice(ButtonData):
    notice: int
