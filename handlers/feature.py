"""What a feature package declares, in one place, so the router can wire it without knowing it.

A feature's `feature.py` builds one `Feature`: its commands, its large menu buttons, its inline-button
families and their handlers, its conversation flows (flow name → the handler of the next message), the
free messages it takes, and its clock jobs. Who may use a command or a button is declared beside it
(`allowed=STAFF`), so the check runs before the handler and is never forgotten in one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Generic

from handlers import texts
from handlers.actions import Action
from handlers.callbacks import D
from handlers.context import Ctx, Scope
from handlers.events import ButtonPress, IncomingMessage
from storage.models import ConversationState


@dataclass(frozen=True, slots=True)
class Allowed:
    """A role filter: who passes, and the one line everybody else is told."""

    check: Callable[[Ctx], bool]
    denial: str

    def __call__(self, ctx: Ctx) -> bool:
        return self.check(ctx)


STAFF = Allowed(lambda ctx: ctx.is_staff, texts.DENY_STAFF_ONLY)
ADMIN = Allowed(lambda ctx: ctx.is_admin, texts.DENY_ADMIN_ONLY)


class Audience(IntEnum):
    """Whose Telegram command menu lists a command; each audience sees the ones below it too."""

    RESIDENT = 0
    STAFF = 1
    ADMIN = 2


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    handler: Callable[[Ctx, IncomingMessage, str], list[Action]]
    allowed: Allowed | None = None
    menu: Audience | None = None  # listed in that audience's command menu, with `description`
    description: str = ""


MenuHandler = Callable[[Ctx, IncomingMessage], list[Action]]


@dataclass(frozen=True, slots=True)
class MenuButton:
    """A large reply-keyboard button in the private chat, matched by its label."""

    label: str
    handler: MenuHandler
    allowed: Allowed | None = None
    starts: str | None = None  # the flow it begins: pressed while that flow is paused, it offers to go on


@dataclass(frozen=True, slots=True)
class OnButton(Generic[D]):
    """An inline-button family and what a press of it does."""

    data: type[D]
    handler: Callable[[Ctx, ButtonPress, D], list[Action]]
    allowed: Allowed | None = None


@dataclass(frozen=True, slots=True)
class Flow:
    """A multi-step conversation: its state row names it, and `step` takes the next message.

    A flow with `ask` is never dropped by a menu press: when `kept` says the state holds something worth
    keeping, it is paused and offered again later ("您刚才的报事还没发完，继续吗？", `noun` naming it), and
    `ask` puts the waiting step's question again when the person goes on."""

    name: str
    step: Callable[[Ctx, IncomingMessage, ConversationState], list[Action]]
    allowed: Allowed | None = None
    noun: str = ""
    ask: Callable[[Ctx, int, ConversationState], list[Action]] | None = None
    kept: Callable[[ConversationState], bool] = lambda state: bool(state.data)


@dataclass(frozen=True, slots=True)
class Job:
    """Work the clock starts, run every tick; returns how much it did. Must be safe with two processes."""

    name: str
    run: Callable[[Scope], int]


@dataclass(frozen=True, slots=True)
class Link:
    """A deep link t.me/<bot>?start=<prefix>_<N>: the private chat opens on item N (poll_5)."""

    prefix: str
    handler: Callable[[Ctx, IncomingMessage, int], list[Action]]


# A free message (no command, no menu button, no open flow): a feature's answer, or None when not its own.
MessageHandler = Callable[[Ctx, IncomingMessage], list[Action] | None]


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    commands: tuple[Command, ...] = ()
    menu_buttons: tuple[MenuButton, ...] = ()
    buttons: tuple[OnButton[Any], ...] = ()
    flows: tuple[Flow, ...] = ()
    messages: tuple[MessageHandler, ...] = ()  # asked in order, after every feature's flows
    jobs: tuple[Job, ...] = ()
    links: tuple[Link, ...] = ()
