"""Helpers for core tests: events made to order and a collecting sink in place of Telegram."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from bot.flood import FloodControl, Limits
from bot.outbox import OutboxSender
from handlers.actions import Action, AnswerButton, DeleteMessage, EditMessage, InlineKeyboard, SendMessage
from handlers.context import CoreConfig
from handlers.core import Core
from handlers.events import BotMembership, ButtonPress, ChatRef, IncomingMessage, Person, RepliedMessage
from nlp import load_default_classifier
from storage.db import utcnow

ADMIN = Person(1, "李主任")
STAFF = Person(2, "王师傅")
RESIDENT = Person(3, "张阿姨")
NEIGHBOUR = Person(4, "刘大爷")
STAFF_CHAT = ChatRef(-100, "supergroup", "物业工作群")
GROUP_3 = ChatRef(-301, "supergroup", "3号楼业主群")
GROUP_5 = ChatRef(-305, "supergroup", "5号楼业主群")
NO_LIMITS = Limits(per_private_chat=0.0, per_group=10**9, overall=10**9)


def private(person: Person) -> ChatRef:
    return ChatRef(person.id, "private", person.first_name)


@dataclass
class CollectingApi:
    """Stands where Telegram would: records every call and hands out message ids."""

    calls: list[Action] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    async def send(self, action: SendMessage) -> int:
        self.calls.append(action)
        return next(self._ids)

    async def edit(self, action: EditMessage) -> None:
        self.calls.append(action)

    async def answer(self, action: AnswerButton) -> None:
        self.calls.append(action)

    async def pin(self, chat_id: int, message_id: int) -> None:
        return None

    async def delete(self, action: DeleteMessage) -> None:
        self.calls.append(action)


class Harness:
    """Pushes events into the real core on a real database; collects replies and outbox deliveries."""

    def __init__(
        self,
        engine: Engine,
        *,
        staff_chat_id: int | None = STAFF_CHAT.id,
        weekly_slot: tuple[int, time] | None = None,
        points_file: str | None = None,
    ) -> None:
        self.clock_value: datetime | None = None
        config = CoreConfig(
            admin_ids=frozenset({ADMIN.id}),
            staff_chat_id=staff_chat_id,
            bot_username="linli_bot",
            tz=ZoneInfo("Asia/Shanghai"),
            classifier=load_default_classifier(),
            weekly_slot=weekly_slot,
            points_file=points_file,
        )
        self.core = Core(engine=engine, config=config, clock=self.now)
        self.api = CollectingApi()
        self.sender = OutboxSender(engine=engine, api=self.api, flood=FloodControl(NO_LIMITS), clock=self.now)
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)

    def now(self) -> datetime:
        return self.clock_value or utcnow()

    def advance(self, delta: timedelta) -> None:
        self.clock_value = self.now() + delta

    def say(
        self,
        chat: ChatRef,
        who: Person,
        text: str = "",
        *,
        reply_to: int | None = None,
        reply_to_sender: Person | None = None,
        photo: str | None = None,
        voice: str | None = None,
        update_id: int | None = None,
    ) -> list[Action]:
        replied = None
        if reply_to is not None:
            replied = RepliedMessage(reply_to, reply_to_sender.id if reply_to_sender else None, False)
        event = IncomingMessage(
            update_id=update_id if update_id is not None else next(self._update_ids),
            chat=chat,
            sender=who,
            message_id=next(self._message_ids),
            text=text,
            photo_file_id=photo,
            voice_file_id=voice,
            reply_to=replied,
        )
        self.last_message_id = event.message_id
        return self.core.handle(event)

    def press(self, chat: ChatRef, who: Person, data: str, *, message_id: int = 999) -> list[Action]:
        event = ButtonPress(
            next(self._update_ids), f"cb{next(self._update_ids)}", chat, who, message_id, data
        )
        return self.core.handle(event)

    def membership(self, chat: ChatRef, *, arrived: bool = False, can_delete: bool = False) -> list[Action]:
        """The bot's own standing in a group changed (my_chat_member)."""
        event = BotMembership(
            next(self._update_ids), chat, ADMIN, present=True, arrived=arrived, can_delete_messages=can_delete
        )
        return self.core.handle(event)

    async def deliveries(self) -> list[Action]:
        """Run the outbox once and return what it sent since the last call."""
        before = len(self.api.calls)
        await self.sender.flush()
        return self.api.calls[before:]


def texts_of(actions: list[Action]) -> list[str]:
    return [a.text or "" for a in actions if isinstance(a, SendMessage | EditMessage | AnswerButton)]


def buttons_of(action: Action) -> list[tuple[str, str]]:
    keyboard = getattr(action, "keyboard", None)
    if not isinstance(keyboard, InlineKeyboard):
        return []
    return [(b.text, b.data) for row in keyboard.rows for b in row]
