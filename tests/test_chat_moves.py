"""A basic group upgraded to a supergroup (storage/chat_moves.py): everything naming the old id moves."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from handlers.actions import SendMessage, dump_action, load_action
from storage.chat_moves import move_chat
from storage.conversations import get_state, set_state
from storage.db import session_scope, utcnow
from storage.models import Chat, ConversationState, OutboxMessage, Ticket, TicketFollower
from storage.outbox import enqueue, mark_dead, mark_sent
from storage.people import bind_chat, get_or_create_building, upsert_chat, upsert_user
from storage.tickets import Sorting, add_follower, create_ticket, set_cards

OLD, NEW = -100, -1001234567890
STAFF_CHAT, OTHER = -999, -555
REPORTER, NEIGHBOUR = 42, 43


@dataclass
class World:
    building_id: int
    ticket_id: int  # reported in OLD, its card in the staff chat
    card_ticket_id: int  # reported elsewhere, its card in OLD
    pending_ids: list[int]
    sent_id: int
    dead_id: int
    other_id: int  # pending, for another chat


def send(chat_id: int, text: str) -> dict[str, object]:
    return dump_action(SendMessage(chat_id=chat_id, text=text))


def build(engine) -> World:
    now = utcnow()
    with session_scope(engine) as session:
        building = get_or_create_building(session=session, name="3号楼", now=now)
        for user_id, name in ((REPORTER, "张阿姨"), (NEIGHBOUR, "刘大爷")):
            upsert_user(session=session, user_id=user_id, first_name=name, username=None, now=now)
        chat = upsert_chat(session=session, chat_id=OLD, type="group", title="3号楼业主群", now=now)
        upsert_chat(session=session, chat_id=OTHER, type="group", title="5号楼", now=now)
        session.flush()
        bind_chat(session=session, chat=chat, building=building)
        ticket = create_ticket(
            session=session,
            reporter_id=REPORTER,
            chat_id=OLD,
            message_id=7,
            text="电梯坏了",
            building_id=building.id,
            sorting=Sorting(category="elevator"),
            now=now,
        )
        card_ticket = create_ticket(
            session=session,
            reporter_id=NEIGHBOUR,
            chat_id=OTHER,
            message_id=8,
            text="楼道灯不亮",
            building_id=building.id,
            sorting=Sorting(category="lighting"),
            now=now,
        )
        session.flush()
        set_cards(session=session, cards=[(ticket.id, STAFF_CHAT, 70), (card_ticket.id, OLD, 80)])
        add_follower(
            session=session, ticket_id=ticket.id, user_id=NEIGHBOUR, chat_id=OLD, message_id=9, now=now
        )
        set_state(
            session=session,
            user_id=REPORTER,
            chat_id=OLD,
            flow="report",
            step="category",
            data={"ticket_id": ticket.id},
            now=now,
        )
        pending = [enqueue(session=session, chat_id=OLD, payload=send(OLD, t), now=now) for t in ("一", "二")]
        sent = enqueue(session=session, chat_id=OLD, payload=send(OLD, "已发"), now=now)
        dead = enqueue(session=session, chat_id=OLD, payload=send(OLD, "拒收"), now=now)
        other = enqueue(session=session, chat_id=OTHER, payload=send(OTHER, "别的群"), now=now)
        session.flush()
        mark_sent(session=session, sent=[(sent.id, 500)], now=now)
        mark_dead(session=session, row=dead, error="400")
        return World(
            building_id=building.id,
            ticket_id=ticket.id,
            card_ticket_id=card_ticket.id,
            pending_ids=[row.id for row in pending],
            sent_id=sent.id,
            dead_id=dead.id,
            other_id=other.id,
        )


def move(engine, old: int = OLD, new: int = NEW) -> bool:
    with session_scope(engine) as session:
        return move_chat(session=session, old_id=old, new_id=new, now=utcnow())


def outbox(engine) -> dict[int, OutboxMessage]:
    with Session(engine) as session:
        return {row.id: row for row in session.exec(select(OutboxMessage))}


def check_moved(engine, world: World) -> None:
    with Session(engine) as session:
        old, new = session.get(Chat, OLD), session.get(Chat, NEW)
        assert old is not None and new is not None
        assert (old.active, old.building_id) == (False, None)
        assert (new.active, new.building_id, new.type, new.title) == (
            True,
            world.building_id,
            "supergroup",
            "3号楼业主群",
        )
        ticket = session.get(Ticket, world.ticket_id)
        assert (ticket.chat_id, ticket.card_chat_id, ticket.card_message_id) == (NEW, STAFF_CHAT, 70)
        card_ticket = session.get(Ticket, world.card_ticket_id)
        assert (card_ticket.chat_id, card_ticket.card_chat_id, card_ticket.card_message_id) == (
            OTHER,
            NEW,
            80,
        )
        [follower] = session.exec(select(TicketFollower)).all()
        assert (follower.chat_id, follower.user_id, follower.message_id) == (NEW, NEIGHBOUR, 9)
        assert get_state(session=session, user_id=REPORTER, chat_id=OLD) is None
        state = get_state(session=session, user_id=REPORTER, chat_id=NEW, flow="report")
        assert state is not None and (state.step, state.data) == ("category", {"ticket_id": world.ticket_id})
    rows = outbox(engine)
    for row_id in world.pending_ids:
        row = rows[row_id]
        assert row.chat_id == NEW and row.payload["chat_id"] == NEW and row.status == "pending"
        assert load_action(row.payload).chat_id == NEW  # still a valid stored call
    assert [rows[i].payload["text"] for i in world.pending_ids] == ["一", "二"]
    for row_id in (world.sent_id, world.dead_id):  # the record of what happened stays as it was
        assert rows[row_id].chat_id == OLD and rows[row_id].payload["chat_id"] == OLD
    assert rows[world.sent_id].status == "sent" and rows[world.sent_id].sent_message_id == 500
    assert rows[world.dead_id].status == "dead"
    assert rows[world.other_id].chat_id == OTHER and rows[world.other_id].payload["chat_id"] == OTHER


def test_everything_pending_follows_the_group_to_its_new_id(engine) -> None:
    world = build(engine)
    assert move(engine)
    check_moved(engine, world)


def test_moving_twice_is_harmless(engine) -> None:
    world = build(engine)
    assert move(engine)
    assert not move(engine)  # the other service message: nothing left to move
    check_moved(engine, world)


def test_moving_a_chat_to_itself_does_nothing(engine) -> None:
    world = build(engine)
    assert not move(engine, OLD, OLD)
    with Session(engine) as session:
        chat = session.get(Chat, OLD)
        assert chat.active and chat.building_id == world.building_id
        assert session.get(Ticket, world.ticket_id).chat_id == OLD


def test_a_new_chat_seen_first_is_bound_to_the_old_ones_building(engine) -> None:
    # migrate_from (in the new supergroup) may be handled before the old group's migrate_to.
    world = build(engine)
    with session_scope(engine) as session:
        upsert_chat(session=session, chat_id=NEW, type="supergroup", title="3号楼业主群", now=utcnow())
    assert move(engine)
    check_moved(engine, world)


def test_a_new_chat_already_bound_keeps_its_building(engine) -> None:
    build(engine)
    now = utcnow()
    with session_scope(engine) as session:
        other = get_or_create_building(session=session, name="9号楼", now=now)
        chat = upsert_chat(session=session, chat_id=NEW, type="supergroup", title="9号楼", now=now)
        session.flush()
        bind_chat(session=session, chat=chat, building=other)
        other_id = other.id
    assert move(engine)
    with Session(engine) as session:
        assert session.get(Chat, NEW).building_id == other_id
        assert session.get(Chat, OLD).building_id is None


def test_an_unknown_chat_with_queued_messages_still_moves_them(engine) -> None:
    # The sender's 400 "group chat was upgraded" can name a chat the bot never stored.
    now = utcnow()
    with session_scope(engine) as session:
        row = enqueue(session=session, chat_id=-7, payload=send(-7, "你好"), now=now)
        session.flush()
        row_id = row.id
    assert move(engine, -7, -1007)
    rows = outbox(engine)
    assert rows[row_id].chat_id == -1007 and rows[row_id].payload["chat_id"] == -1007
    with Session(engine) as session:
        assert session.get(Chat, -7) is None and session.get(Chat, -1007) is None
    assert not move(engine, -7, -1007)


def test_nothing_to_move(engine) -> None:
    assert not move(engine, -7, -1007)


def test_a_user_in_a_flow_in_both_chats_does_not_break_the_move(engine) -> None:
    """The two service messages are in two chats, so they may be handled in either order, with updates
    of the old group queued before its migrate_to handled after the first move. A user may then have a
    conversation state under both ids when the second move comes; that move must still go through.
    """
    world = build(engine)
    assert move(engine)  # migrate_from, handled first
    now = utcnow()
    with session_scope(engine) as session:  # the new group and a late update of the old one
        set_state(
            session=session, user_id=REPORTER, chat_id=NEW, flow="rating", step="stars", data={}, now=now
        )
        set_state(session=session, user_id=REPORTER, chat_id=OLD, flow="report", step="x", data={}, now=now)
        create_ticket(
            session=session,
            reporter_id=REPORTER,
            chat_id=OLD,
            message_id=11,
            text="水管漏水",
            building_id=world.building_id,
            sorting=Sorting(category="plumbing"),
            now=now,
        )
    move(engine)  # migrate_to: must not raise
    with Session(engine) as session:
        assert session.exec(select(Ticket).where(Ticket.chat_id == OLD)).all() == []
        states = session.exec(select(ConversationState).where(ConversationState.user_id == REPORTER)).all()
        assert [s.chat_id for s in states] == [NEW]


def test_polls_and_who_lives_there_follow_the_group(engine) -> None:
    """A poll open in the group stays votable by the same residents after the upgrade."""
    from datetime import timedelta

    from storage.models import ChatMember
    from storage.people import note_member
    from storage.polls import create_poll, lives_in

    world = build(engine)
    now = utcnow()
    with session_scope(engine) as session:
        note_member(session=session, chat_id=OLD, user_id=REPORTER, now=now)
        note_member(session=session, chat_id=OLD, user_id=NEIGHBOUR, now=now)
        note_member(session=session, chat_id=NEW, user_id=NEIGHBOUR, now=now)  # already seen in the new one
        poll = create_poll(
            session=session,
            chat_id=OLD,
            building_id=world.building_id,
            creator_id=REPORTER,
            question="问",
            options=["甲", "乙"],
            max_choices=1,
            anonymous=False,
            closes_at=now + timedelta(days=1),
            now=now,
        )
        poll_id = poll.id
    assert move(engine)
    with Session(engine) as session:
        from storage.models import Poll

        assert session.get(Poll, poll_id).chat_id == NEW
        members = session.exec(select(ChatMember.chat_id, ChatMember.user_id)).all()
        assert sorted(members) == sorted([(NEW, REPORTER), (NEW, NEIGHBOUR)])
        assert lives_in(session=session, user_id=REPORTER, building_id=world.building_id)
