"""The people feature's button families. Prefixes and field order never change (see handlers/callbacks)."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.callbacks import ButtonData, button


@button("em")
@dataclass(frozen=True)
class ElderMode(ButtonData):
    """长辈模式 on (1) or off (0), from the /start offer or 帮助."""

    on: int


@button("pt")
@dataclass(frozen=True)
class PrivateNotices(ButtonData):
    """私聊提醒 on (1) or off (0), from 帮助."""

    on: int


@button("mm")
@dataclass(frozen=True)
class MainMenu(ButtonData):
    """返回主菜单 under a screen: the main menu again."""
