"""The points feature's button families. Prefixes and field order never change (see handlers/callbacks)."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.callbacks import ButtonData, button


@button("pd")
@dataclass(frozen=True)
class Details(ButtonData):
    """明细: the presser's last entries."""


@button("pm")
@dataclass(frozen=True)
class RewardMenu(ButtonData):
    """兑换: the rewards to choose from."""


@button("pp")
@dataclass(frozen=True)
class PickReward(ButtonData):
    reward: str


@button("pk")
@dataclass(frozen=True)
class ConfirmReward(ButtonData):
    reward: str


@button("pn")
@dataclass(frozen=True)
class CancelReward(ButtonData):
    pass


@button("pv")
@dataclass(frozen=True)
class ToggleRankName(ButtonData):
    """积分榜显示我的名字: on or off."""


@button("ra")
@dataclass(frozen=True)
class ApproveRedemption(ButtonData):
    request: int


@button("rx")
@dataclass(frozen=True)
class RejectRedemption(ButtonData):
    request: int


@button("wa")
@dataclass(frozen=True)
class ApproveAward(ButtonData):
    award: int


@button("wx")
@dataclass(frozen=True)
class RejectAward(ButtonData):
    award: int
