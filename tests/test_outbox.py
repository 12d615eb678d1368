"""The outbox sender against a scripted Telegram: 429, 5xx, 403, restarts, claims and flood limits."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta

from sqlmodel import Session, select

from bot.delivery import ChatGone, RetryLater, Transient
from bot.flood import FloodControl, Limits
from bot.outbox import DEFERRED_MARKS, OutboxSender, Sent
from handlers.actions import SendMessage, dump_action
from storage.db import make_engine, session_scope, utcnow
from storage.models import Chat, OutboxMessage
from storage.outbox import claim_due, enqueue
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


class SlowApi(CollectingApi):
    """Telegram on a slow link: each send takes `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.times: list[tuple[float, float]] = []  # (call made, call returned), monotonic

    async def send(self, action: SendMessage) -> int:
        started = time.monotonic()
        await asyncio.sleep(self.seconds)
        message_id = await super().send(action)
        self.times.append((started, time.monotonic()))
        return message_id


class GatedApi(CollectingApi):
    """Telegram on a slow link: each send returns only when the test resolves its gate."""

    def __init__(self) -> None:
        super().__init__()
        self.gates: list[asyncio.Future[None]] = []

    async def send(self, action: SendMessage) -> int:
        gate = asyncio.get_running_loop().create_future()
        self.gates.append(gate)
        await gate
        return await super().send(action)


class SteppedClock:
    """Wall and monotonic time together, moving only when the test advances them."""

    def __init__(self) -> None:
        self.now = utcnow()
        self.elapsed = 0.0

    def __call__(self):
        return self.now

    def monotonic(self) -> float:
        return self.elapsed

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.elapsed += seconds


async def eventually(condition, what: str, timeout: float = 60.0) -> None:
    """Wait for something the code under test does on its own schedule; the timeout only catches a hang."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        await asyncio.sleep(0.01)


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


# --- claims: two processes, crashes, order


def claim(engine, *, now, lease=timedelta(seconds=30), limit=100, room=None) -> list[str]:
    """Claim as another process would, committed; returns the texts claimed."""
    with session_scope(engine) as session:
        rows = claim_due(session=session, now=now, until=now + lease, limit=limit, room=room)
        return [r.payload["text"] for r in rows]


def texts(api: CollectingApi) -> list[str]:
    return [c.text for c in api.calls]


async def test_a_row_claimed_elsewhere_holds_back_its_chat_until_the_claim_runs_out(engine) -> None:
    queue(engine, "甲1", "甲2", chat_id=-1)
    queue(engine, "乙1", chat_id=-2)
    clock = Clock()
    # Another process claims only 甲1 (its flood limits let one message to that group through), then dies.
    assert claim(engine, now=clock.now, room=lambda chat: 1, limit=1) == ["甲1"]
    api = CollectingApi()
    out = sender(engine, api, clock)
    pause = await out.flush()
    assert texts(api) == ["乙1"]  # 甲2 must not overtake 甲1, wherever 甲1 is
    assert 0 < pause <= 1.0
    clock.now += timedelta(seconds=31)  # the dead process's lease ran out: 甲1 is due again
    await out.flush()
    assert texts(api) == ["乙1", "甲1", "甲2"]
    assert [r.status for r in rows(engine)] == ["sent"] * 3


async def test_claims_made_at_the_same_moment_keep_each_chat_in_order(engine) -> None:
    """Process A has claimed 甲1 but not committed yet when process B claims.

    On PostgreSQL, B's SKIP LOCKED passes over 甲1 and B's snapshot still shows it unclaimed; B must not take
    甲2 on the strength of that. (On SQLite, B waits for A's write lock, then sees A's claim.)
    """
    queue(engine, "甲1", "甲2", "甲3", chat_id=-1)
    queue(engine, "乙1", "乙2", chat_id=-2)
    now = utcnow()
    with session_scope(engine) as session_a:
        taken_a = claim_due(session=session_a, now=now, until=now + timedelta(seconds=30), limit=1)
        thread_b = threading.Thread(target=lambda: taken_b.extend(claim(engine, now=now)))
        taken_b: list[str] = []
        thread_b.start()
        thread_b.join(timeout=0.5 if engine.dialect.name == "sqlite" else 10)
        if engine.dialect.name == "postgresql":
            assert not thread_b.is_alive()  # SKIP LOCKED: B did not wait for A
    thread_b.join(timeout=10)
    assert [r.payload["text"] for r in taken_a] == ["甲1"]
    assert taken_b == ["乙1", "乙2"]


async def test_two_senders_flushing_together_send_each_row_once(engine) -> None:
    for chat in range(-1, -11, -1):
        queue(engine, *(f"{chat}:{i}" for i in range(5)), chat_id=chat)
    apis = [SlowApi(0.002), SlowApi(0.002)]
    second_engine = make_engine(engine.url.render_as_string(hide_password=False))
    senders = [sender(engine, apis[0], utcnow), sender(second_engine, apis[1], utcnow)]
    await asyncio.gather(*(s.flush() for s in senders))
    second_engine.dispose()
    sent = texts(apis[0]) + texts(apis[1])
    assert sorted(sent) == sorted(r.payload["text"] for r in rows(engine))
    assert all(r.status == "sent" for r in rows(engine))
    for api in apis:  # and each chat in order within each sender
        for chat in range(-1, -11, -1):
            mine = [int(t.split(":")[1]) for t in texts(api) if t.startswith(f"{chat}:")]
            assert mine == sorted(mine)


async def test_a_slow_batch_keeps_its_claim_so_a_second_sender_leaves_it_alone(engine) -> None:
    """The batch outlasts its lease several times over; the renewals alone keep the second sender off.

    Time (both clocks) moves only when the test moves it, and each step waits for the renewal it needs,
    so a busy machine can slow this test down but cannot make a claim lapse.
    """
    for chat in range(-1, -5, -1):
        queue(engine, f"通知{chat}", chat_id=chat)
    lease = timedelta(seconds=0.6)  # renewed every 0.2 s; the batch takes 1.6 s by the test's clock
    clock = SteppedClock()
    slow, other = GatedApi(), CollectingApi()
    first, second = (
        OutboxSender(
            engine=engine,
            api=api,
            flood=FloodControl(NO_LIMITS),
            clock=clock,
            monotonic=clock.monotonic,
            lease=lease,
        )
        for api in (slow, other)
    )

    def claimed_until() -> set:
        return {r.claimed_until for r in rows(engine) if r.status == "pending"}

    batch = asyncio.create_task(first.flush())
    for n in range(1, 5):
        await eventually(lambda n=n: len(slow.gates) == n, f"send {n} under way")
        for _ in range(2):  # a send takes 0.4 s: two steps of a third of the lease
            clock.advance(0.2)
            await second.flush()  # the last renewal still holds
            assert other.calls == []
            await eventually(lambda: claimed_until() == {clock() + lease}, "the claim renewed")
            await second.flush()
            assert other.calls == []
        slow.gates[-1].set_result(None)
    await batch
    assert other.calls == [] and len(slow.calls) == 4
    assert all(r.status == "sent" and r.attempts == 1 for r in rows(engine))


async def test_a_claim_lost_while_stalled_is_not_sent(engine) -> None:
    """If our lease ran out and someone else took the row, we must leave it to them."""
    queue(engine, "一", "二", "三", chat_id=-1)
    lease = timedelta(seconds=0.6)
    slow = SlowApi(0.5)
    out = OutboxSender(engine=engine, api=slow, flood=FloodControl(NO_LIMITS), lease=lease)
    batch = asyncio.create_task(out.flush())
    await asyncio.sleep(0.1)  # 一 is on its way; now "another process" holds 二 and 三
    taken_over = utcnow() + timedelta(minutes=5)
    with session_scope(engine) as session:
        for row in session.exec(select(OutboxMessage).where(OutboxMessage.id > 1)):
            row.claimed_until = taken_over
            session.add(row)
    await batch
    assert texts(slow) == ["一"]
    assert [r.claimed_until is not None for r in rows(engine)] == [False, True, True]


async def test_stopping_gives_back_what_was_claimed_but_not_sent(engine) -> None:
    queue(engine, "一", "二", "三", chat_id=-1)
    slow = SlowApi(0.2)
    out = OutboxSender(engine=engine, api=slow, flood=FloodControl(NO_LIMITS))
    stop = asyncio.Event()
    task = asyncio.create_task(out.run(stop))
    await asyncio.sleep(0.1)
    stop.set()
    await task
    assert texts(slow) == ["一"]
    assert [(r.status, r.claimed_until) for r in rows(engine)] == [
        ("sent", None),
        ("pending", None),
        ("pending", None),
    ]


# --- flood limits as the sender applies them


async def test_the_overall_limit_paces_sends_a_full_window_after_each_returned(engine) -> None:
    for chat in range(-1, -8, -1):
        queue(engine, str(chat), chat_id=chat)
    api = SlowApi(0.01)
    out = OutboxSender(engine=engine, api=api, flood=FloodControl(Limits(overall=3)))
    started = time.monotonic()
    await out.flush()
    assert len(api.calls) == 7 and time.monotonic() - started < 2.5
    for i in range(3, 7):
        # Telegram counts a message somewhere within its call: the 4th may start a second after the 1st
        # returned, not after it was made.
        assert api.times[i][0] >= api.times[i - 3][1] + 1.0
    # And no later than that: the sender sleeps to the slot rather than polling.
    assert api.times[3][0] - (api.times[0][1] + 1.0) < 0.1


async def test_one_message_per_person_per_second_and_the_pause_says_when(engine) -> None:
    queue(engine, "张1", "张2", chat_id=42)
    queue(engine, "王1", chat_id=43)
    api = CollectingApi()
    out = OutboxSender(engine=engine, api=api, flood=FloodControl(Limits()))
    pause = await out.flush()
    assert texts(api) == ["张1", "王1"]
    assert 0.9 < pause <= 1.0  # exactly when 张2 may go, not a polling interval
    await asyncio.sleep(pause)
    await out.flush()
    assert texts(api) == ["张1", "王1", "张2"]


async def test_a_group_at_its_limit_does_not_hold_up_other_chats(engine) -> None:
    queue(engine, *(f"甲{i}" for i in range(150)), chat_id=-1)
    queue(engine, "乙", chat_id=-2)
    api = CollectingApi()
    out = OutboxSender(engine=engine, api=api, flood=FloodControl(Limits(overall=10**9)))
    await out.flush()
    assert texts(api) == [f"甲{i}" for i in range(20)] + ["乙"]
    assert sum(r.claimed_until is not None for r in rows(engine)) == 0


# --- rows Telegram can never take


async def test_an_unreadable_row_is_given_up_and_its_chat_goes_on(engine) -> None:
    with session_scope(engine) as session:
        upsert_chat(session=session, chat_id=-1, type="group", title="g", now=utcnow())
        enqueue(session=session, chat_id=-1, payload={"kind": "fax"}, now=utcnow())
    queue(engine, "二")
    api = CollectingApi()
    await sender(engine, api, utcnow).flush()
    assert texts(api) == ["二"]
    assert [r.status for r in rows(engine)] == ["dead", "sent"]


async def test_a_failed_pin_does_not_send_the_message_again(engine) -> None:
    class NoPin(CollectingApi):
        async def pin(self, chat_id: int, message_id: int) -> None:
            raise RetryLater(3)

    with session_scope(engine) as session:
        action = SendMessage(chat_id=-1, text="紧急：停电", pin=True)
        enqueue(session=session, chat_id=-1, payload=dump_action(action), now=utcnow())
    api = NoPin()
    await sender(engine, api, utcnow).flush()
    assert texts(api) == ["紧急：停电"]
    [row] = rows(engine)
    assert row.status == "sent" and row.sent_message_id == 1000


async def test_an_unexpected_error_gives_up_on_the_row_rather_than_resending_it(engine) -> None:
    queue(engine, "一", "二")
    api = ScriptedApi(KeyError("message_id"))  # say, an adapter bug reading Telegram's answer
    await sender(engine, api, utcnow).flush()
    assert texts(api) == ["二"]
    first, second = rows(engine)
    assert (first.status, second.status) == ("dead", "sent") and "KeyError" in (first.last_error or "")


async def test_what_one_update_fans_out_is_marked_row_by_row_and_its_answers_later(engine) -> None:
    """An update's few answers sent at once wait for its worker's next transaction to be marked; a notice's
    copies to many chats are marked as each returns, so a crash resends at most the one in flight."""
    groups = [-100 - i for i in range(DEFERRED_MARKS + 3)]
    for chat_id in groups:
        queue(engine, f"通知 {chat_id}", chat_id=chat_id)
    out = sender(engine, CollectingApi(), utcnow)
    answers, copies = rows(engine)[:2], rows(engine)[2:]
    for batch in (answers, copies):
        marks: list[Sent] = []
        until = out.claim_until()
        with session_scope(engine) as session:
            for row in batch:
                session.get(OutboxMessage, row.id).claimed_until = until  # type: ignore[union-attr]
        await out.send_claimed(batch, until, marks)
        if batch is answers:
            assert sorted(r.id for sent in marks for r in sent.rows) == [r.id for r in answers]
        else:
            assert marks == []
    assert [r.status for r in rows(engine)] == ["pending"] * 2 + ["sent"] * len(copies)
