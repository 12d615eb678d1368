"""A basic group upgraded to a supergroup gets a new chat id: everything that names the old one moves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from storage.models import (
    Chat,
    ChatMember,
    ConversationState,
    OutboxMessage,
    OutboxStatus,
    Poll,
    Ticket,
    TicketFollower,
)


def move_chat(*, session: Session, old_id: int, new_id: int, now: datetime) -> bool:
    """Move the building binding, tickets, followers, polls, members, conversations and pending outbox rows
    to `new_id`.

    Idempotent: both service messages (migrate_to in the old chat, migrate_from in the new one) and a
    400 "upgraded to a supergroup" from a send may each trigger it. False when there was nothing to move.
    """
    if old_id == new_id:
        return False
    moved = False
    old = session.get(Chat, old_id)
    if old is not None:
        new = session.get(Chat, new_id)
        if new is None:
            new = Chat(id=new_id, type="supergroup", title=old.title, created_at=now)
        if new.building_id is None:
            new.building_id = old.building_id
        new.active = True
        session.add(new)
        moved = old.active or old.building_id is not None
        old.active, old.building_id = False, None
        session.add(old)
        session.flush()
    session.exec(update(Ticket).where(col(Ticket.chat_id) == old_id).values(chat_id=new_id))
    session.exec(update(Ticket).where(col(Ticket.card_chat_id) == old_id).values(card_chat_id=new_id))
    session.exec(update(TicketFollower).where(col(TicketFollower.chat_id) == old_id).values(chat_id=new_id))
    session.exec(update(Poll).where(col(Poll.chat_id) == old_id).values(chat_id=new_id))
    # Who lives there (who may vote) follows too; someone already seen in the new chat is kept once.
    seen_in_new = select(ChatMember.user_id).where(col(ChatMember.chat_id) == new_id)
    session.exec(
        delete(ChatMember).where(col(ChatMember.chat_id) == old_id, col(ChatMember.user_id).in_(seen_in_new))
    )
    session.exec(update(ChatMember).where(col(ChatMember.chat_id) == old_id).values(chat_id=new_id))
    # Someone already in a conversation in the new chat keeps that one: the old chat's is dropped.
    in_new = select(ConversationState.user_id).where(col(ConversationState.chat_id) == new_id)
    session.exec(
        delete(ConversationState).where(
            col(ConversationState.chat_id) == old_id, col(ConversationState.user_id).in_(in_new)
        )
    )
    session.exec(
        update(ConversationState).where(col(ConversationState.chat_id) == old_id).values(chat_id=new_id)
    )
    pending = session.exec(
        select(OutboxMessage).where(
            col(OutboxMessage.chat_id) == old_id, col(OutboxMessage.status) == OutboxStatus.PENDING
        )
    )
    for row in pending:
        # The stored call names its chat too; rewritten whole so the JSON column sees the change.
        row.payload = {**row.payload, "chat_id": new_id}
        row.chat_id = new_id
        session.add(row)
        moved = True
    return moved
