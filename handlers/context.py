"""What every handler gets: the update's session, the acting user and chat, the time, and the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.actions import EditMessage, SendMessage, dump_action
from storage.models import Chat, Role, User
from storage.outbox import enqueue


@dataclass(frozen=True, slots=True)
class CoreConfig:
    admin_ids: frozenset[int]
    staff_chat_id: int | None
    bot_username: str
    tz: ZoneInfo


@dataclass(slots=True)
class Ctx:
    session: Session
    config: CoreConfig
    now: datetime
    user: User
    chat: Chat
    queued: list[int] = field(default_factory=list)

    @property
    def is_admin(self) -> bool:
        return self.user.id in self.config.admin_ids

    @property
    def is_staff(self) -> bool:
        return self.is_admin or self.user.role == Role.STAFF

    @property
    def in_staff_chat(self) -> bool:
        return self.chat.id == self.config.staff_chat_id

    def later(self, action: SendMessage | EditMessage, *, card_for_ticket_id: int | None = None) -> None:
        """Queue a message for the outbox sender; it commits with the rest of this update."""
        enqueue(
            session=self.session,
            chat_id=action.chat_id,
            payload=dump_action(action),
            now=self.now,
            card_for_ticket_id=card_for_ticket_id,
        )
        self.queued.append(action.chat_id)
