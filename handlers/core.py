"""The core: one event in, a list of actions out, inside one database transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from handlers.actions import Action
from handlers.context import CoreConfig, Ctx, Scope
from handlers.events import BotMembership, ButtonPress, Event, GroupMigrated, IncomingMessage
from handlers.router import on_button, on_membership, on_message, on_migration, run_jobs
from storage.conversations import get_state
from storage.db import session_scope, utcnow
from storage.people import note_member, upsert_chat, upsert_user
from storage.updates import claim_update


class Core:
    def __init__(self, *, engine: Engine, config: CoreConfig, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.config = config
        self.clock = clock

    def handle(self, event: Event) -> list[Action]:
        """Process the event once (recorded in processed_updates). Its effects and its outbox rows commit
        together, or not at all."""
        with session_scope(self.engine) as session:
            if not claim_update(session=session, update_id=event.update_id, now=self.clock()):
                return []
            return self.handle_in(session, event)

    def handle_in(self, session: Session, event: Event) -> list[Action]:
        """Process the event inside the caller's transaction, which sees to it that it is processed once:
        the runtime's workers mark its inbox row done in it (storage.inbox.finish)."""
        now = self.clock()
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
        if isinstance(event, IncomingMessage) and chat.building_id is not None and event.chat.is_group:
            # Who writes in a building's group lives there, as far as the bot can know.
            note_member(session=session, chat_id=chat.id, user_id=user.id, now=now)
        # The conversation state is read once, here; the router dispatches on its flow.
        state = get_state(session=session, user_id=user.id, chat_id=chat.id)
        ctx = Ctx(session=session, config=self.config, now=now, user=user, chat=chat, state=state)
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
        """Run every feature's clock jobs once; returns how much was done."""
        with session_scope(self.engine) as session:
            return run_jobs(Scope(session=session, config=self.config, now=self.clock()))
