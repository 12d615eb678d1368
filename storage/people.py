"""Users, chats and buildings."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import Executable, bindparam
from sqlmodel import Session, col, select

from storage.db import conflict_insert, dialect_of, get_row
from storage.models import Building, Chat, ChatMember, Role, User
from storage.race import get_or_create, get_or_insert


def upsert_user(
    *, session: Session, user_id: int, first_name: str, username: str | None, now: datetime
) -> User:
    user, created = get_or_insert(
        session=session,
        model=User,
        key=user_id,
        values={"id": user_id, "first_name": first_name, "username": username, "created_at": now},
    )
    if not created and (user.first_name, user.username) != (first_name, username):
        user.first_name, user.username = first_name, username
        session.add(user)
    return user


def get_user(*, session: Session, user_id: int) -> User | None:
    return get_row(session, User, user_id)


def set_role(*, session: Session, user: User, role: Role) -> None:
    user.role = role
    session.add(user)


def upsert_chat(*, session: Session, chat_id: int, type: str, title: str, now: datetime) -> Chat:
    chat, created = get_or_insert(
        session=session,
        model=Chat,
        key=chat_id,
        values={"id": chat_id, "type": type, "title": title, "created_at": now},
    )
    if not created and (chat.title != title or not chat.active):
        chat.title, chat.active = title, True
        session.add(chat)
    return chat


def set_chat_active(*, session: Session, chat_id: int, active: bool) -> None:
    chat = session.get(Chat, chat_id)
    if chat is not None and chat.active != active:
        chat.active = active
        session.add(chat)


def set_chat_membership(*, session: Session, chat_id: int, active: bool, can_delete_messages: bool) -> None:
    """Whether the bot is in the group, and whether it may delete residents' messages there."""
    chat = session.get(Chat, chat_id)
    if chat is not None:
        chat.active, chat.can_delete_messages = active, can_delete_messages
        session.add(chat)


def get_or_create_building(*, session: Session, name: str, now: datetime) -> Building:
    building, _ = get_or_create(
        session=session,
        find=lambda: session.exec(select(Building).where(Building.name == name)).first(),
        make=lambda: Building(name=name, created_at=now),
    )
    return building


def get_building(*, session: Session, building_id: int | None) -> Building | None:
    return get_row(session, Building, building_id) if building_id is not None else None


def list_buildings(*, session: Session) -> list[Building]:
    return list(session.exec(select(Building).order_by(Building.name)))


def bind_chat(*, session: Session, chat: Chat, building: Building) -> None:
    chat.building_id = building.id
    session.add(chat)


def staff_members(*, session: Session, admin_ids: frozenset[int]) -> list[User]:
    """Everyone who may be assigned a ticket: staff, and admins the bot has met."""
    query = (
        select(User)
        .where((User.role == Role.STAFF) | col(User.id).in_(admin_ids))
        .order_by(col(User.first_name))
    )
    return list(session.exec(query))


def users_by_ids(*, session: Session, ids: frozenset[int]) -> list[User]:
    return list(session.exec(select(User).where(col(User.id).in_(ids)).order_by(col(User.id)))) if ids else []


@cache
def _note_member_statement(dialect: str) -> Executable:
    # Built once per database: it runs for every message in a building's group.
    table = ChatMember.__table__  # type: ignore[attr-defined]
    return (
        conflict_insert(dialect, table)
        .values(chat_id=bindparam("chat"), user_id=bindparam("user"), first_seen=bindparam("at"))
        .on_conflict_do_nothing(index_elements=["chat_id", "user_id"])
    )


def note_member(*, session: Session, chat_id: int, user_id: int, now: datetime) -> None:
    """Remember that the user writes in this group; one statement, and a second writer racing us is fine."""
    statement = _note_member_statement(dialect_of(session))
    session.connection().execute(statement, {"chat": chat_id, "user": user_id, "at": now})


def member_buildings(*, session: Session, user_id: int) -> list[Building]:
    """The buildings of the bound groups the user has written in, by name."""
    query = (
        select(Building)
        .join(Chat, col(Chat.building_id) == col(Building.id))
        .join(ChatMember, col(ChatMember.chat_id) == col(Chat.id))
        .where(ChatMember.user_id == user_id)
        .distinct()
        .order_by(col(Building.name))
    )
    return list(session.exec(query))
