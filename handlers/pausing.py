"""A flow left for the main menu is paused, not lost: offered again with 继续 / 不要了.

Elderly residents press whatever button they see, in the middle of anything; what they had typed so far
waits for them (the state row stays, marked paused) until they go on or say they no longer want it."""

from __future__ import annotations

from dataclasses import dataclass

from handlers import texts
from handlers.actions import Action, Button, InlineKeyboard, SendMessage
from handlers.callbacks import ButtonData, button
from handlers.context import Ctx
from handlers.feature import Flow
from storage.conversations import is_paused, set_paused


@button("fg")
@dataclass(frozen=True)
class ResumeFlow(ButtonData):
    """继续: go on with the paused flow."""


@button("fq")
@dataclass(frozen=True)
class DropFlow(ButtonData):
    """不要了: forget the paused flow."""


def leave(ctx: Ctx, flow: Flow | None) -> None:
    """The person pressed a menu button mid-flow: keep what is worth keeping, forget the rest."""
    state = ctx.state
    if state is None:
        return
    if flow is not None and flow.ask is not None and flow.kept(state):
        set_paused(session=ctx.session, state=state, paused=True, now=ctx.now)
    else:
        ctx.forget_state()


def paused_flow(ctx: Ctx, flows: dict[str, Flow]) -> Flow | None:
    state = ctx.state
    if state is None or not is_paused(state):
        return None
    return flows.get(state.flow)


def offer(chat_id: int, flow: Flow) -> SendMessage:
    keyboard = InlineKeyboard(
        rows=(
            (Button(text=texts.BTN_RESUME, data=ResumeFlow().encode()),),
            (Button(text=texts.BTN_DROP, data=DropFlow().encode()),),
        )
    )
    return SendMessage(chat_id=chat_id, text=texts.RESUME_OFFER.format(noun=flow.noun), keyboard=keyboard)


def resume(ctx: Ctx, chat_id: int, flow: Flow) -> list[Action]:
    state = ctx.state
    assert state is not None and flow.ask is not None
    set_paused(session=ctx.session, state=state, paused=False, now=ctx.now)
    return flow.ask(ctx, chat_id, state)
