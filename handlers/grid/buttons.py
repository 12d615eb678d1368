"""The grid feature's button families. Prefixes and field order never change (see handlers/callbacks)."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.callbacks import ButtonData, button


@button("gb")
@dataclass(frozen=True)
class GridBuilding(ButtonData):
    """Which building the resident lives in; 0: 不清楚."""

    building: int


@button("gc")
@dataclass(frozen=True)
class CallMe(ButtonData):
    """请网格员联系我, for that building (0: unknown, staff take it)."""

    building: int


@button("gp")
@dataclass(frozen=True)
class SharePhone(ButtonData):
    """把我的电话告诉网格员: the request the phone would go with."""

    request: int


@button("gd")
@dataclass(frozen=True)
class MarkCalled(ButtonData):
    """已联系, on the copies staff and the grid worker got."""

    request: int
