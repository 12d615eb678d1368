"""The core: one event in, a list of actions out, inside one database transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from handlers.actions import Action
from handlers.context import CoreConfig, Ctx, Scope
from handlers.escalation import raise_alerts
from handlers.events import BotMembership, ButtonPress, Event, GroupMigrated, IncomingMessage
from handlers.numbers import weekly_report
from handlers.router import on_button, on_membership, on_message, on_migration
from handlers.scheduled import release_held_reports
from storage.db import session_scope, utcnow
from storage.people import upsert_chat, upsert_user
from storage.updates import claim_update


class Core:
    def __init__(self, *, engine: Engine, config: CoreConfig, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.config = config
        self.clock = clock

    def handle(self, event: Event) -> list[Action]:
        """Process the event once. Its effects and its outbox rows commit together, or not at all."""
        with session_scope(self.engine) as session:
            return self.handle_in(session, event)

    def handle_in(self, session: Session, event: Event) -> list[Action]:
        """The same inside the caller's transaction (the runtime commits the inbox mark with it)."""
        now = self.clock()
        if not claim_update(session=session, update_id=event.update_id, now=now):
            return []
        if isinstance(event, GroupMigrated):
            return on_migration(Scope(session=session, config=self.config, now=now), event)
        person = event.by if isinstance(event, BotMembership) else event.sender
        user = upsert_user(
            session=session,
            user_id=person.id,
            first_name=person.first_name,
            username=person.username,
            now=now,
        )
        chat = upsert_chat(
            session=session, chat_id=event.chat.id, type=event.chat.type, title=event.chat.title, now=now
        )
        ctx = Ctx(session=session, config=self.config, now=now, user=user, chat=chat)
        match event:
            case IncomingMessage():
                actions = on_message(ctx, event)
            case ButtonPress():
                actions = on_button(ctx, event)
            case BotMembership():
                actions = on_membership(ctx, event)
        session.add(user)
        return actions

    def tick(self) -> int:
        """Run the clock's work once (reports whose question went unanswered); returns how much was done."""
        with session_scope(self.engine) as session:
            scope = Scope(session=session, config=self.config, now=self.clock())
            return release_held_reports(scope) + raise_alerts(scope) + weekly_report(scope)
