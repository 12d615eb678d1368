"""The polls feature's button families. Prefixes and field order never change (see handlers/callbacks)."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.callbacks import ButtonData, button


@button("vo")
@dataclass(frozen=True)
class Vote(ButtonData):
    poll: int
    option: int


@button("vr")
@dataclass(frozen=True)
class RemindVoters(ButtonData):
    """提醒未投票的人"""

    poll: int


@button("vn")
@dataclass(frozen=True)
class NewPoll(ButtonData):
    """发起投票: the guided flow."""


@button("vd")
@dataclass(frozen=True)
class OptionsDone(ButtonData):
    pass


@button("vk")
@dataclass(frozen=True)
class Kind(ButtonData):
    multiple: int  # 0 single, 1 multiple


@button("va")
@dataclass(frozen=True)
class Anonymity(ButtonData):
    anonymous: int


@button("vt")
@dataclass(frozen=True)
class Duration(ButtonData):
    seconds: int


@button("vg")
@dataclass(frozen=True)
class PollBuilding(ButtonData):
    building: int


@button("vc")
@dataclass(frozen=True)
class ConfirmPoll(ButtonData):
    pass


@button("vx")
@dataclass(frozen=True)
class CancelPoll(ButtonData):
    pass
