"""Shared pieces of what users see: the main menu, names, snippets, times."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers import texts
from handlers.actions import Action, AnswerButton, Button, EditMessage, InlineKeyboard, ReplyKeyboard
from handlers.events import ButtonPress
from storage.models import Building, User

SNIPPET_LIMIT = 20


def main_menu(user: User) -> ReplyKeyboard:
    """The private main menu: eight buttons, or the four of 长辈模式 at full height."""
    if user.elder_mode:
        return ReplyKeyboard(rows=texts.ELDER_ROWS, large=True)
    return ReplyKeyboard(rows=texts.MENU_ROWS)


def cancel_keyboard(user: User) -> ReplyKeyboard:
    """The keyboard while a step waits for words: 取消 drops it, 返回主菜单 keeps it for later."""
    return ReplyKeyboard(rows=((texts.BTN_CANCEL,), (texts.BTN_MAIN_MENU,)), large=user.elder_mode)


def menu_key(label: str) -> str:
    """A menu label as it is matched: without emoji, spaces or punctuation around the words."""
    return "".join(char for char in label if char.isalnum())


def display_name(user: User | None) -> str:
    if user is None:
        return "?"
    if user.first_name:
        return user.first_name
    return f"@{user.username}" if user.username else texts.USER_FALLBACK.format(id=user.id)


def snippet(text: str, limit: int = SNIPPET_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def building_name(building: Building | None) -> str:
    return building.name if building else texts.UNKNOWN_BUILDING


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%m-%d %H:%M")


def age(since: datetime, now: datetime) -> str:
    minutes = int((now - since).total_seconds() // 60)
    if minutes < 1:
        return texts.AGE_NOW
    if minutes < 60:
        return texts.AGE_MINUTES.format(n=minutes)
    if minutes < 60 * 24:
        return texts.AGE_HOURS.format(n=minutes // 60)
    return texts.AGE_DAYS.format(n=minutes // (60 * 24))


def answer_and_edit(press: ButtonPress, text: str, keyboard: InlineKeyboard | None = None) -> list[Action]:
    """The press answered and the message it was on rewritten: one step of a flow done, its buttons gone."""
    return [
        AnswerButton(callback_id=press.callback_id),
        EditMessage(chat_id=press.chat.id, message_id=press.message_id, text=text, keyboard=keyboard),
    ]


def rows(buttons: Sequence[Button], per_row: int = 3) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


@dataclass(frozen=True, slots=True)
class Hazard:
    reason: str  # in plain words, for the resident's receipt and the card's first line
    life_or_fire: bool  # the emergency numbers belong in the answer


def urgent_reason(urgent_words: Sequence[str], named: str | None = None) -> Hazard | None:
    """What makes an urgent report urgent, named as a person would say it; None when nothing names it.

    `named` is the classifier's own name for the hazard (stored with the ticket); the word table covers
    tickets filed before it had one, and says whether life or fire is at stake.
    """
    said = "".join(urgent_words)
    if named:
        life_or_fire = next((life for _, reason, life in texts.URGENT_REASONS if reason == named), True)
        return Hazard(named, life_or_fire)
    for hint, reason, life_or_fire in texts.URGENT_REASONS:
        if hint in said:
            return Hazard(reason, life_or_fire)
    return None
