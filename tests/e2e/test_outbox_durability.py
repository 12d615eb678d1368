"""The outbox survives a kill, shares its table with a second sender, and obeys Telegram's errors.

Rows are queued straight into the outbox, as a handler's transaction would queue them, and delivered by the
real bot: a `linli run` process, or the playground's runtime, through the real adapters to the sandbox over
loopback HTTP. The sandbox enforces its default flood limits throughout.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.flood import FloodControl
from bot.outbox import LEASE, OutboxSender
from bot.playground import GROUPS, Playground
from bot.runtime import make_adapter
from bot.sandbox import Sandbox
from handlers.actions import SendMessage, dump_action
from storage.db import make_engine, session_scope, utcnow
from storage.models import Chat, OutboxMessage
from storage.outbox import enqueue
from storage.people import upsert_chat
from tests.e2e.intake_support import start_bot

TOKEN = "123456:OUTBOX-DURABILITY"
STAFF_CHAT = -1001000000001


def queue(engine: Engine, messages: list[tuple[int, str]]) -> None:
    """Queue (chat, text) sends in one transaction, in this order; chats are known and active."""
    now = utcnow()
    with session_scope(engine) as session:
        for chat_id in dict.fromkeys(chat for chat, _ in messages):
            kind = "private" if chat_id > 0 else "supergroup"
            upsert_chat(session=session, chat_id=chat_id, type=kind, title=str(chat_id), now=now)
        for chat_id, text in messages:
            payload = dump_action(SendMessage(chat_id=chat_id, text=text))
            enqueue(session=session, chat_id=chat_id, payload=payload, now=now)


def outbox(engine: Engine, messages: list[tuple[int, str]]) -> list[OutboxMessage]:
    """The rows of these messages (the bot queues its own too, e.g. the weekly report to staff)."""
    ours = {text for _, text in messages}
    with Session(engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(OutboxMessage.id))
        return [row for row in rows if row.payload.get("text") in ours]


def text_of(row: OutboxMessage) -> str:
    return str(row.payload["text"])


def arrivals(sandbox: Sandbox, messages: list[tuple[int, str]], since: int = 0) -> Counter[str]:
    ours = {text for _, text in messages}
    calls = sandbox.calls_of("sendMessage", since=since, ok=True, text=lambda text: text in ours)
    return Counter(call.params["text"] for call in calls)


def assert_each_chat_in_order(sandbox: Sandbox, messages: list[tuple[int, str]]) -> None:
    """Every chat shows its messages in the order they were queued (a resend may repeat one later)."""
    for chat_id in dict.fromkeys(chat for chat, _ in messages):
        shown = [m["text"] for m in sandbox.messages(chat_id) if m["from"]["is_bot"]]
        assert list(dict.fromkeys(shown)) == [text for chat, text in messages if chat == chat_id]


def assert_sent_with_their_message_ids(sandbox: Sandbox, rows: list[OutboxMessage]) -> None:
    for row in rows:
        assert row.status == "sent" and row.sent_message_id is not None, row
        message = sandbox.get_message(row.chat_id, row.sent_message_id)
        assert message.get("text") == text_of(row), (row, message)


def people_and_groups(sandbox: Sandbox, n: int, *, first_user: int = 7001) -> list[int]:
    """n chats the bot may write to, alternating a group and a person who started the bot."""
    chats = []
    for i in range(n):
        if i % 2:
            sandbox.add_user(first_user + i, f"邻居{i}")
            chats.append(first_user + i)
        else:
            chats.append(sandbox.add_group(-1003000000000 - i, f"{i}号楼业主群")["id"])
    return chats


# --- a crash in the middle of a batch


def bot_env(sandbox: Sandbox, db_url: str, framework: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env |= {
        "LINLI_BOT_TOKEN": TOKEN,
        "LINLI_FRAMEWORK": framework,
        "LINLI_API_URL": sandbox.url,
        "LINLI_DATABASE_URL": db_url,
        "LINLI_STAFF_CHAT_ID": str(STAFF_CHAT),
    }
    return env


@pytest.mark.parametrize("framework", ["ptb", "aiogram"])
async def test_killed_mid_batch_loses_nothing_and_resends_at_most_one(
    framework: str, db_url: str, engine: Engine, tmp_path: Path
) -> None:
    async with Sandbox() as sandbox:
        sandbox.add_group(STAFF_CHAT, "物业工作群")
        chats = people_and_groups(sandbox, 20)
        messages = [(chats[i % 20], f"通知 {i:02d}") for i in range(60)]
        everything = {text for _, text in messages}
        queue(engine, messages)

        bot: asyncio.subprocess.Process | None = None
        name, handler = sandbox._api["sendmessage"]
        accepted: list[str] = []
        kill_at = 15  # half way through the first batch (a second's worth: 30)

        def send_then_kill(params: dict[str, Any]) -> Any:
            # The worst moment to die: the sandbox has taken the message, and the bot cannot have marked it
            # sent, since it never hears back. Only Telegram's side is wrapped; the bot runs unmodified.
            result = handler(params)
            if params.get("text") not in everything:
                return result
            accepted.append(str(params["text"]))
            if len(accepted) == kill_at and bot is not None:
                os.kill(bot.pid, signal.SIGKILL)
            return result

        sandbox._api["sendmessage"] = (name, send_then_kill)
        env, log = bot_env(sandbox, db_url, framework), tmp_path / "bot.log"
        bot = await start_bot(env, tmp_path, log)
        code = await asyncio.wait_for(bot.wait(), timeout=60)
        assert code == -signal.SIGKILL, log.read_text(errors="replace")[-3000:]

        in_flight = accepted[-1]
        rows = outbox(engine, messages)
        assert len(accepted) == kill_at < len(messages)
        assert sorted(text_of(r) for r in rows if r.status == "sent") == sorted(accepted[:-1])
        [unmarked] = [r for r in rows if text_of(r) == in_flight]
        assert unmarked.status == "pending" and unmarked.claimed_until is not None
        assert unmarked.claimed_until > utcnow()  # still held by the dead process's lease

        bot = await start_bot(env, tmp_path, log)
        try:
            await sandbox.wait_for(
                lambda: everything <= arrivals(sandbox, messages).keys(),
                timeout=LEASE.total_seconds() + 30,
                what="every message delivered after the restart",
            )
            await sandbox.wait_for(
                lambda: all(r.status == "sent" for r in outbox(engine, messages)),
                timeout=10,
                what="all rows sent",
            )
            await sandbox.settle(quiet=0.5)
        finally:
            if bot.returncode is None:
                bot.send_signal(signal.SIGINT)
            await asyncio.wait_for(bot.wait(), timeout=20)

    delivered = arrivals(sandbox, messages)
    assert delivered.keys() == {text for _, text in messages}
    duplicates = {text: n for text, n in delivered.items() if n > 1}
    assert duplicates in ({}, {in_flight: 2}), duplicates  # at worst the one message caught in flight
    assert_each_chat_in_order(sandbox, messages)
    assert_sent_with_their_message_ids(sandbox, outbox(engine, messages))


# --- two senders, one table


async def test_two_senders_on_one_database_send_each_row_once(pg: Playground) -> None:
    """A second sender with its own engine, flood limits and bot client, as a second process would have."""
    assert pg.runtime is not None
    chats = people_and_groups(pg.sandbox, 60)
    messages = [(chats[i % 60], f"公告 {i:03d}") for i in range(120)]
    queue(pg.runtime.engine, messages)

    # A second token only so the sandbox can tell the senders' calls apart; it is the same bot to it.
    settings = pg.runtime.settings.model_copy(update={"bot_token": SecretStr("123456:SECOND-PROCESS")})
    adapter = make_adapter(settings)
    await adapter.connect()
    engine = make_engine(pg.database_url)
    other = OutboxSender(engine=engine, api=adapter.api, flood=FloodControl(), clock=pg.clock)
    stop = asyncio.Event()
    task = asyncio.create_task(other.run(stop))
    try:
        pg.runtime.sender.wake.set()
        await pg.sandbox.wait_for(
            lambda: len(arrivals(pg.sandbox, messages)) == len(messages),
            timeout=60,
            what="all messages delivered",
        )
        await pg.sandbox.settle(quiet=0.5)
    finally:
        stop.set()
        await task
        await adapter.close()
        engine.dispose()

    assert set(arrivals(pg.sandbox, messages).values()) == {1}  # every message exactly once
    assert_each_chat_in_order(pg.sandbox, messages)
    assert_sent_with_their_message_ids(pg.sandbox, outbox(pg.runtime.engine, messages))
    ours = {text for _, text in messages}
    by_sender = Counter(
        c.token for c in pg.sandbox.calls_of("sendMessage", ok=True, text=lambda t: t in ours)
    )
    assert by_sender.keys() == {pg.runtime.settings.bot_token.get_secret_value(), "123456:SECOND-PROCESS"}
    # Two senders share Telegram's budget without knowing it: 429s are expected, and obeyed.
    refused = pg.sandbox.calls_of("sendMessage", ok=False)
    assert {c.error_code for c in refused} <= {429}


# --- Telegram's errors through the real adapters


async def test_429_and_server_errors_delay_delivery_but_each_message_arrives_once(pg: Playground) -> None:
    assert pg.runtime is not None
    group, person = GROUPS[1].id, pg.actor("张阿姨").id
    messages = [
        (group, "停水通知"),
        (group, "恢复供水"),
        (person, "您的报事已受理"),
        (person, "您的报事已解决"),
    ]
    pg.sandbox.fail_next("sendMessage", error_code=429, retry_after=1)  # the first send: 停水通知
    pg.sandbox.fail_next("sendMessage", error_code=500, times=2)  # the next two
    mark = len(pg.sandbox.calls)
    queue(pg.runtime.engine, messages)
    pg.runtime.sender.wake.set()
    await pg.sandbox.wait_for(
        lambda: len(arrivals(pg.sandbox, messages, mark)) == len(messages),
        timeout=20,
        what="all messages delivered",
    )
    await pg.sandbox.settle(quiet=0.5)

    assert set(arrivals(pg.sandbox, messages, mark).values()) == {1}
    refused = pg.sandbox.calls_of("sendMessage", since=mark, ok=False)
    assert [c.error_code for c in refused] == [429, 500, 500]
    [accepted] = pg.sandbox.calls_of("sendMessage", since=mark, ok=True, text="停水通知")
    assert refused[0].params["text"] == "停水通知" and accepted.time - refused[0].time >= 1.0
    assert_each_chat_in_order(pg.sandbox, messages)
    rows = outbox(pg.runtime.engine, messages)
    assert_sent_with_their_message_ids(pg.sandbox, rows)
    refusals = Counter(c.params["text"] for c in refused)
    assert {text_of(r): r.attempts for r in rows} == {text: 1 + refusals[text] for _, text in messages}


async def test_403_gives_up_on_the_row_and_marks_the_chat_inactive(pg: Playground) -> None:
    assert pg.runtime is not None
    blocked = pg.actor("刘大爷").id
    pg.sandbox.block_bot(blocked)
    left = pg.sandbox.add_group(-1001000000099, "99号楼业主群", bot_is_member=False)["id"]
    live = GROUPS[2].id
    messages = [(blocked, "您的报事已解决"), (left, "停电通知"), (live, "停电通知（5号楼）")]
    mark = len(pg.sandbox.calls)
    queue(pg.runtime.engine, messages)
    pg.runtime.sender.wake.set()

    def settled() -> bool:
        return all(r.status != "pending" for r in outbox(pg.runtime.engine, messages))

    await pg.sandbox.wait_for(settled, timeout=10, what="no row left pending")
    await pg.sandbox.settle(quiet=0.5)

    rows = {r.chat_id: r for r in outbox(pg.runtime.engine, messages)}
    assert rows[blocked].status == rows[left].status == "dead"
    assert "blocked" in (rows[blocked].last_error or "")
    assert "not a member" in (rows[left].last_error or "")
    assert rows[live].status == "sent"
    with Session(pg.runtime.engine) as session:
        active = {chat: session.get(Chat, chat).active for chat in rows}  # type: ignore[union-attr]
    assert active == {blocked: False, left: False, live: True}
    # Given up at once: one call each, no retries.
    calls = pg.sandbox.calls_of("sendMessage", since=mark, chat_id=lambda chat: chat in rows)
    assert Counter(c.params["chat_id"] for c in calls) == {blocked: 1, left: 1, live: 1}
