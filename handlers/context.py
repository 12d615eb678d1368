"""What handlers get: the transaction, configuration, time and outbox; for updates, who and where."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.actions import EditMessage, SendMessage, dump_action
from nlp import Classifier
from storage.conversations import PAUSED, clear_state, set_state
from storage.models import Chat, ConversationState, OutboxMessage, Role, User
from storage.outbox import enqueue, replace_pending_edit


@dataclass(frozen=True, slots=True)
class CoreConfig:
    admin_ids: frozenset[int]
    staff_chat_id: int | None
    bot_username: str
    tz: ZoneInfo
    classifier: Classifier
    weekly_slot: tuple[int, time] | None = (0, time(9))  # weekday (0 = Monday) and local time
    poll_reminders: tuple[timedelta, ...] = (timedelta(days=1), timedelta(hours=2))  # before a deadline
    ballot_key: bytes = b"anonymous ballots"  # seals anonymous ballots; the runtime sets a secret one
    points_file: str | None = None  # LINLI_POINTS_FILE; None: the packaged rules (points/book.py)
    leader_notices: bool = False  # LINLI_LEADER_NOTICES: building leaders send notices to their building
    paid_broadcast: bool = False  # LINLI_PAID_BROADCAST: notice copies as paid broadcasts (0.1 Star each)


@dataclass(slots=True, kw_only=True)
class Scope:
    """One transaction's worth of work, for an update or for a scheduled job."""

    session: Session
    config: CoreConfig
    now: datetime

    def later(
        self, action: SendMessage | EditMessage, *, card_for_ticket_id: int | None = None
    ) -> OutboxMessage:
        """Queue a message for the outbox sender; it commits with the rest of this transaction."""
        return enqueue(
            session=self.session,
            chat_id=action.chat_id,
            payload=dump_action(action),
            now=self.now,
            card_for_ticket_id=card_for_ticket_id,
        )

    def later_edit(self, action: EditMessage) -> None:
        """Queue an edit that replaces a still-waiting edit of the same message (coalescing a burst)."""
        payload = dump_action(action)
        if not replace_pending_edit(
            session=self.session,
            chat_id=action.chat_id,
            message_id=action.message_id,
            payload=payload,
            now=self.now,
        ):
            self.later(action)


@dataclass(slots=True, kw_only=True)
class Ctx(Scope):
    """An update's scope: also who sent it and in which chat."""

    user: User
    chat: Chat
    state: ConversationState | None = None  # where the sender is in a multi-step flow in this chat

    def flow(self, name: str) -> ConversationState | None:
        """The sender's state when they are in flow `name`, else None."""
        return self.state if self.state is not None and self.state.flow == name else None

    def draft(self, name: str, step: str) -> dict[str, Any] | None:
        """A copy of flow `name`'s data when the sender is at `step` of it, else None (a stale button)."""
        state = self.flow(name)
        if state is None or state.step != step:
            return None
        return {key: value for key, value in state.data.items() if key != PAUSED}

    def enter(self, flow: str, step: str, data: dict[str, Any]) -> None:
        """The sender's next message here goes to flow `flow` at `step`, with `data` as its draft."""
        set_state(
            session=self.session,
            user_id=self.user.id,
            chat_id=self.chat.id,
            flow=flow,
            step=step,
            data=data,
            now=self.now,
        )

    def forget_state(self) -> None:
        """End whatever flow the sender was in here."""
        clear_state(session=self.session, user_id=self.user.id, chat_id=self.chat.id)
        self.state = None

    @property
    def is_admin(self) -> bool:
        return self.user.id in self.config.admin_ids

    @property
    def is_staff(self) -> bool:
        return self.is_admin or self.user.role == Role.STAFF

    @property
    def in_staff_chat(self) -> bool:
        return self.chat.id == self.config.staff_chat_id
