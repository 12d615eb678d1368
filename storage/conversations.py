"""Where each user is in a multi-step flow, per chat."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from storage.db import get_row
from storage.models import ConversationState


def get_state(
    *, session: Session, user_id: int, chat_id: int, flow: str | None = None
) -> ConversationState | None:
    """The user's state in this chat; with `flow`, only when they are in that flow."""
    state = get_row(session, ConversationState, (user_id, chat_id))
    return state if state is not None and flow in (None, state.flow) else None


def set_state(
    *, session: Session, user_id: int, chat_id: int, flow: str, step: str, data: dict[str, Any], now: datetime
) -> None:
    state = session.get(ConversationState, (user_id, chat_id))
    if state is None:
        state = ConversationState(user_id=user_id, chat_id=chat_id, flow=flow, step=step, updated_at=now)
    state.flow, state.step, state.data, state.updated_at = flow, step, dict(data), now
    session.add(state)


def clear_state(*, session: Session, user_id: int, chat_id: int) -> None:
    state = session.get(ConversationState, (user_id, chat_id))
    if state is not None:
        session.delete(state)


# A flow left for the menu keeps its state under this mark until the person goes on or drops it.
PAUSED = "_paused"


def is_paused(state: ConversationState) -> bool:
    return bool(state.data.get(PAUSED))


def set_paused(*, session: Session, state: ConversationState, paused: bool, now: datetime) -> None:
    data = {key: value for key, value in state.data.items() if key != PAUSED}
    if paused:
        data[PAUSED] = True
    state.data, state.updated_at = data, now  # a new dict, so the JSON column is written
    session.add(state)
