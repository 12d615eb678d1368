"""Workers against a collecting sink: the updates that arrive together commit together, and one that
raises fails alone."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import Session, select

from bot.flood import FloodControl
from bot.intake.workers import LEASE, Workers
from bot.outbox import OutboxSender
from handlers.actions import Action, SendMessage
from handlers.core import Core
from handlers.events import Event
from storage.db import session_scope, utcnow
from storage.inbox import Arrival, claim_arrived, store_new
from storage.models import InboxUpdate, OutboxMessage, Ticket
from storage.people import bind_chat, get_or_create_building, upsert_chat
from tests.support import NO_LIMITS, STAFF_CHAT, CollectingApi, Harness

GROUPS = [-7001, -7002, -7003, -7004]
BROKEN = 3  # the update whose handling raises


class BrokenOnce(Core):
    """The real core, with a bug that strikes one update (as a handler's bug would)."""

    def handle_in(self, session: Session, event: Event) -> list[Action]:
        if event.update_id == BROKEN:
            raise RuntimeError("a bug in a handler")
        return super().handle_in(session, event)


def report(update_id: int, chat_id: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 500 + update_id,
            "date": 0,
            "chat": {"id": chat_id, "type": "supergroup", "title": "楼栋群"},
            "from": {"id": 9000 + update_id, "is_bot": False, "first_name": "居民"},
            "text": f"报事 {['电梯坏了', '楼道灯不亮了', '垃圾没人清', '下水道堵了'][update_id - 1]}",
        },
    }


def bind_groups(engine: Engine) -> None:
    now = utcnow()
    with session_scope(engine) as session:
        for number, chat_id in enumerate(GROUPS, start=1):
            chat = upsert_chat(session=session, chat_id=chat_id, type="supergroup", title="g", now=now)
            building = get_or_create_building(session=session, name=f"{number}号楼", now=now)
            bind_chat(session=session, chat=chat, building=building)


async def run_until_done(engine: Engine, core: Core, api: CollectingApi, count: int) -> Workers:
    """Store one report per group, hand them to the workers as the poller does, stop when each is done."""
    sender = OutboxSender(engine=engine, api=api, flood=FloodControl(NO_LIMITS))
    workers = Workers(
        engine=engine, core=core, api=api, sender=sender, holder="me", count=count, clock=utcnow
    )
    with session_scope(engine) as session:
        ids = store_new(
            session=session,
            arrivals=[Arrival(n, chat, report(n, chat)) for n, chat in enumerate(GROUPS, start=1)],
            now=utcnow(),
        )
        claimed = claim_arrived(session=session, ids=ids, holder="me", until=utcnow() + LEASE)
    workers.arrived(len(ids), claimed)
    stop = asyncio.Event()
    task = asyncio.create_task(workers.run(stop))
    for _ in range(200):
        await asyncio.sleep(0.05)
        with Session(engine) as session:
            if all(row.status != "pending" for row in session.exec(select(InboxUpdate))):
                break
    stop.set()
    await task
    return workers


def finished_per_transaction(engine: Engine) -> list[int]:
    """From now on, for each transaction on `engine` that marks updates done, how many it marks."""
    sizes: list[int] = []
    marked = [0]

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("UPDATE inbox SET payload"):
            marked[0] += 1

    def commit(_conn: object) -> None:
        if marked[0]:
            sizes.append(marked[0])
        marked[0] = 0

    event.listen(engine, "before_cursor_execute", count)
    event.listen(engine, "commit", commit)
    return sizes


async def test_updates_brought_together_commit_in_one_transaction(engine: Engine) -> None:
    bind_groups(engine)
    api = CollectingApi()
    harness = Harness(engine)
    sizes = finished_per_transaction(engine)
    await run_until_done(engine, harness.core, api, count=len(GROUPS))
    with Session(engine) as session:
        assert len(session.exec(select(Ticket)).all()) == len(GROUPS)
    assert sizes == [len(GROUPS)]  # the four workers' updates, in one transaction
    receipts = [c for c in api.calls if isinstance(c, SendMessage) and c.chat_id in GROUPS]
    assert sorted(c.chat_id for c in receipts) == sorted(GROUPS)
    assert all("已收到" in c.text for c in receipts)


async def test_an_update_that_raises_fails_alone_and_the_others_are_answered(engine: Engine) -> None:
    bind_groups(engine)
    api = CollectingApi()
    harness = Harness(engine)
    core = BrokenOnce(engine=engine, config=harness.core.config, clock=utcnow)
    await run_until_done(engine, core, api, count=len(GROUPS))
    with Session(engine) as session:
        rows = {row.update_id: row for row in session.exec(select(InboxUpdate))}
        tickets = session.exec(select(Ticket)).all()
        # Every card and receipt queued belongs to a report that was filed: nothing of the broken one.
        queued = {row.chat_id for row in session.exec(select(OutboxMessage))}
    assert rows[BROKEN].status == "failed"
    assert "a bug in a handler" in (rows[BROKEN].error or "")
    assert {n for n, row in rows.items() if row.status == "done"} == {1, 2, 4}
    assert sorted(t.chat_id for t in tickets) == sorted(GROUPS[n - 1] for n in (1, 2, 4))
    receipts = [c for c in api.calls if isinstance(c, SendMessage) and c.chat_id in GROUPS]
    assert sorted(c.chat_id for c in receipts) == sorted(GROUPS[n - 1] for n in (1, 2, 4))
    assert GROUPS[BROKEN - 1] not in queued
    assert STAFF_CHAT.id in queued


async def test_staff_cards_of_reports_handled_together_keep_their_order(engine: Engine) -> None:
    bind_groups(engine)
    api = CollectingApi()
    harness = Harness(engine)
    workers = await run_until_done(engine, harness.core, api, count=len(GROUPS))
    await workers.sender.flush()  # what had to wait its turn behind the first card
    cards = [c for c in api.calls if isinstance(c, SendMessage) and c.chat_id == STAFF_CHAT.id]
    with Session(engine) as session:
        by_card = {t.id: t for t in session.exec(select(Ticket))}
    assert len(cards) == len(GROUPS)
    numbers = [next(n for n in by_card if f"#{n}" in card.text) for card in cards]
    assert numbers == sorted(numbers)
