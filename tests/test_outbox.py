"""The outbox sender against a scripted Telegram: 429, 5xx, 403, and restarts."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bot.delivery import ChatGone, RetryLater, Transient
from bot.flood import FloodControl
from bot.outbox import OutboxSender
from handlers.actions import SendMessage, dump_action
from storage.db import session_scope, utcnow
from storage.models import Chat, OutboxMessage
from storage.outbox import enqueue
from storage.people import upsert_chat
from tests.support import NO_LIMITS, CollectingApi


class ScriptedApi(CollectingApi):
    """Fails the next sends with the given errors, then behaves."""

    def __init__(self, *failures: Exception) -> None:
        super().__init__()
        self.failures = list(failures)

    async def send(self, action: SendMessage) -> int:
        if self.failures:
            raise self.failures.pop(0)
        return await super().send(action)


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):
        return self.now


def queue(engine, *texts: str, chat_id: int = -1) -> None:
    with session_scope(engine) as session:
        upsert_chat(session=session, chat_id=chat_id, type="group", title="g", now=utcnow())
        for text in texts:
            action = SendMessage(chat_id=chat_id, text=text)
            enqueue(session=session, chat_id=chat_id, payload=dump_action(action), now=utcnow())


def rows(engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def sender(engine, api, clock) -> OutboxSender:
    return OutboxSender(engine=engine, api=api, flood=FloodControl(NO_LIMITS), clock=clock)


async def test_sends_in_order_and_records_message_ids(engine) -> None:
    queue(engine, "一", "二", "三")
    api = CollectingApi()
    await sender(engine, api, utcnow).flush()
    assert [c.text for c in api.calls] == ["一", "二", "三"]
    assert [r.status for r in rows(engine)] == ["sent"] * 3
    assert all(r.sent_message_id for r in rows(engine))


async def test_429_waits_for_retry_after_then_sends_once(engine) -> None:
    queue(engine, "一", "二")
    clock = Clock()
    api = ScriptedApi(RetryLater(5))
    out = sender(engine, api, clock)
    await out.flush()
    assert api.calls == []  # the chat is held: "二" must not overtake "一"
    first, _ = rows(engine)
    assert first.status == "pending" and first.not_before - clock.now == timedelta(seconds=5)
    clock.now += timedelta(seconds=5)
    out.flood = FloodControl(NO_LIMITS)
    await out.flush()
    assert [c.text for c in api.calls] == ["一", "二"]


async def test_server_errors_are_retried_with_backoff(engine) -> None:
    queue(engine, "一")
    clock = Clock()
    api = ScriptedApi(Transient("502 Bad Gateway"), Transient("500"))
    out = sender(engine, api, clock)
    for _ in range(3):
        await out.flush()
        clock.now += timedelta(minutes=10)
    [row] = rows(engine)
    assert (row.status, row.attempts) == ("sent", 3)
    assert [c.text for c in api.calls] == ["一"]


async def test_403_gives_up_and_marks_the_chat_inactive(engine) -> None:
    queue(engine, "一")
    await sender(engine, ScriptedApi(ChatGone("bot was kicked")), utcnow).flush()
    [row] = rows(engine)
    assert row.status == "dead" and "kicked" in row.last_error
    with Session(engine) as session:
        assert session.get(Chat, -1).active is False


async def test_a_new_sender_picks_up_what_the_last_one_left(engine) -> None:
    """A restart loses nothing: unsent rows are still in the table for the next process."""
    queue(engine, "一", "二")
    first = CollectingApi()
    await sender(engine, ScriptedApi(Transient("connection reset")), utcnow).flush()
    assert first.calls == []
    clock = Clock()
    clock.now += timedelta(minutes=1)
    second = CollectingApi()
    await sender(engine, second, clock).flush()
    assert [c.text for c in second.calls] == ["一", "二"]
