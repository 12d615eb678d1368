"""Which handler answers an event: the features, assembled from their declarations, in one list.

Adding a feature is one package with a `feature.py` and one line in FEATURES. The order of FEATURES is the
order in which free messages are offered and command menus are listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from handlers import pausing, texts
from handlers.actions import Action, AnswerButton, SendMessage
from handlers.callbacks import ButtonData, decode
from handlers.context import Ctx, Scope
from handlers.events import BotMembership, ButtonPress, GroupMigrated, IncomingMessage
from handlers.feature import Allowed, Audience, Command, Feature, Flow, Job, Link, MenuButton, OnButton
from handlers.grid.feature import FEATURE as GRID
from handlers.notices.feature import FEATURE as NOTICES
from handlers.numbers.feature import FEATURE as NUMBERS
from handlers.owners.feature import FEATURE as OWNERS
from handlers.parsing import Command as Parsed
from handlers.parsing import parse_command
from handlers.people import menu
from handlers.people.feature import FEATURE as PEOPLE
from handlers.points.feature import FEATURE as POINTS
from handlers.polls.feature import FEATURE as POLLS
from handlers.reports.feature import FEATURE as REPORTS
from handlers.tickets.feature import FEATURE as TICKETS
from handlers.views import answer_and_edit, main_menu, menu_key
from storage.chat_moves import move_chat
from storage.conversations import is_paused
from storage.people import set_chat_membership

FEATURES: tuple[Feature, ...] = (PEOPLE, REPORTS, TICKETS, POINTS, POLLS, OWNERS, NOTICES, GRID, NUMBERS)


def _index(kind: str, pairs: Iterator[tuple[Any, Any]]) -> dict[Any, Any]:
    """One owner per key: two features claiming the same command or button is a bug caught at import."""
    table: dict[Any, Any] = {}
    for key, value in pairs:
        if key in table:
            raise ValueError(f"{kind} {key!r} is declared twice")
        table[key] = value
    return table


def _resume(ctx: Ctx, press: ButtonPress, data: pausing.ResumeFlow) -> list[Action]:
    paused = pausing.paused_flow(ctx, FLOWS)
    if paused is None:
        return [AnswerButton(callback_id=press.callback_id, text=texts.BUTTON_INVALID)]
    return [*answer_and_edit(press, texts.BTN_RESUME), *pausing.resume(ctx, press.chat.id, paused)]


def _drop(ctx: Ctx, press: ButtonPress, data: pausing.DropFlow) -> list[Action]:
    if pausing.paused_flow(ctx, FLOWS) is None:
        return [AnswerButton(callback_id=press.callback_id, text=texts.BUTTON_INVALID)]
    ctx.forget_state()
    return [
        *answer_and_edit(press, texts.DROPPED),
        SendMessage(chat_id=press.chat.id, text=texts.MAIN_MENU_SHOWN, keyboard=main_menu(ctx.user)),
    ]


# The router's own buttons: going on with a paused flow, or dropping it.
PAUSING = Feature(
    name="pausing",
    buttons=(OnButton(pausing.ResumeFlow, _resume), OnButton(pausing.DropFlow, _drop)),
)

COMMANDS: dict[str, Command] = _index("command", ((c.name, c) for f in FEATURES for c in f.commands))
MENU_BUTTONS: dict[str, MenuButton] = _index(
    "menu button", ((menu_key(b.label), b) for f in FEATURES for b in f.menu_buttons)
)
BUTTONS: dict[type[ButtonData], OnButton[Any]] = _index(
    "button family", ((b.data, b) for f in (*FEATURES, PAUSING) for b in f.buttons)
)
FLOWS: dict[str, Flow] = _index("flow", ((flow.name, flow) for f in FEATURES for flow in f.flows))
JOBS: tuple[Job, ...] = tuple(job for f in FEATURES for job in f.jobs)
LINKS: dict[str, Link] = _index("deep link", ((link.prefix, link) for f in FEATURES for link in f.links))
ITEM_LINK = re.compile(r"([a-z]+)_([0-9]{1,9})")


def command_menu(audience: Audience) -> list[tuple[str, str]]:
    """(command, description) pairs for Telegram's command menu of that audience."""
    return [(c.name, c.description) for c in COMMANDS.values() if c.menu is not None and c.menu <= audience]


def _denied(allowed: Allowed | None, ctx: Ctx) -> str | None:
    return None if allowed is None or allowed(ctx) else allowed.denial


def on_message(ctx: Ctx, msg: IncomingMessage) -> list[Action]:
    if msg.chat.is_private:
        ctx.user.private_chat_open = True
    command = parse_command(msg.text, ctx.config.bot_username)
    if command is not None:
        return _command(ctx, msg, command)
    if msg.chat.is_private and (button := MENU_BUTTONS.get(menu_key(msg.text))) is not None:
        # A menu button always works, even in the middle of a flow: elderly users press what they see, and
        # what they had written so far waits for them.
        pausing.leave(ctx, FLOWS.get(ctx.state.flow) if ctx.state is not None else None)
        if (denial := _denied(button.allowed, ctx)) is not None:
            return [SendMessage(chat_id=msg.chat.id, text=denial)]
        paused = pausing.paused_flow(ctx, FLOWS)
        if paused is not None and paused.name == button.starts:
            return [pausing.offer(msg.chat.id, paused)]
        return menu.with_way_back(msg.chat.id, button.handler(ctx, msg))
    if ctx.state is not None and not is_paused(ctx.state) and (flow := FLOWS.get(ctx.state.flow)) is not None:
        if _denied(flow.allowed, ctx) is None:
            return flow.step(ctx, msg, ctx.state)
        ctx.forget_state()  # the role was taken away mid-step: the question lapses
    for feature in FEATURES:
        for handler in feature.messages:
            answer = handler(ctx, msg)
            if answer is not None:
                return answer
    return menu.fallback(ctx, msg) if msg.chat.is_private else []


def _command(ctx: Ctx, msg: IncomingMessage, command: Parsed) -> list[Action]:
    if command.name == "start" and command.args:
        # t.me/<bot>?start=points opens the private chat on that command, ?start=poll_5 on poll 5.
        if command.args in COMMANDS:
            command = Parsed(command.args, "")
        elif (item := ITEM_LINK.fullmatch(command.args)) and (link := LINKS.get(item[1])) is not None:
            return link.handler(ctx, msg, int(item[2]))
    found = COMMANDS.get(command.name)
    if found is None:
        return menu.fallback(ctx, msg) if msg.chat.is_private else []
    if (denial := _denied(found.allowed, ctx)) is not None:
        return [SendMessage(chat_id=msg.chat.id, text=denial, reply_to=msg.message_id)]
    actions = found.handler(ctx, msg, command.args)
    if command.name == "start" and msg.chat.is_private and (paused := pausing.paused_flow(ctx, FLOWS)):
        actions.append(pausing.offer(msg.chat.id, paused))
    return actions


def on_button(ctx: Ctx, press: ButtonPress) -> list[Action]:
    data = decode(press.data)
    route = BUTTONS.get(type(data)) if data is not None else None
    if route is None:
        return [AnswerButton(callback_id=press.callback_id, text=texts.BUTTON_INVALID)]
    if (denial := _denied(route.allowed, ctx)) is not None:
        return [AnswerButton(callback_id=press.callback_id, text=denial)]
    return route.handler(ctx, press, data)


def run_jobs(scope: Scope) -> int:
    return sum(job.run(scope) for job in JOBS)


def on_membership(ctx: Ctx, event: BotMembership) -> list[Action]:
    set_chat_membership(
        session=ctx.session,
        chat_id=event.chat.id,
        active=event.present,
        can_delete_messages=event.can_delete_messages,
    )
    return menu.joined(ctx, event) if event.arrived else []


def on_migration(scope: Scope, event: GroupMigrated) -> list[Action]:
    """The group's binding, tickets and queued messages follow it to its new id; nothing is said."""
    move_chat(session=scope.session, old_id=event.chat.id, new_id=event.new_chat_id, now=scope.now)
    return []
