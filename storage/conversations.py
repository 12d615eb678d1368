"""Where each user is in a multi-step flow, per chat."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from storage.models import ConversationState


def get_state(
    *, session: Session, user_id: int, chat_id: int, flow: str | None = None
) -> ConversationState | None:
    """The user's state in this chat; with `flow`, only when they are in that flow."""
    state = session.get(ConversationState, (user_id, chat_id))
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
