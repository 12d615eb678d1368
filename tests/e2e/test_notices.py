"""Notices (通知) end to end on both adapters against the sandbox: 300 groups with a `kill -9` of a real
`linli run` process in the middle of delivery and a restart (every group gets exactly one copy), 收到
counted once per person, groups that removed the bot, withdrawing, a resident refused, and paid broadcasts
(LINLI_PAID_BROADCAST) going faster than Telegram's free 30 a second."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from bot.outbox import LEASE
from bot.playground import ADMIN, Playground
from bot.sandbox import ApiError, Sandbox
from handlers.notices import texts
from storage.db import session_scope, utcnow
from storage.models import Chat, NoticeAck, NoticeDelivery, OutboxMessage
from storage.people import bind_chat, get_or_create_building, upsert_chat
from tests.e2e.conftest import Clock
from tests.e2e.intake_support import bot_env, start_bot

TEXT = "明天上午9点到12点停水，请提前储水。"
LINE = f"/notice 全部 | {TEXT}"
FIRST_GROUP = -1007000000000


# --- helpers


def bound_groups(sandbox: Sandbox, engine: Engine, n: int, *, first: int = FIRST_GROUP) -> list[int]:
    """n building groups (N号楼业主群, bound to N号楼) the bot knows already, as /bind in each would leave
    them; sending /bind 300 times would only test /bind."""
    groups = [sandbox.add_group(first - i, f"{i + 1}号楼业主群")["id"] for i in range(n)]
    now = utcnow()
    with session_scope(engine) as session:
        for i, chat_id in enumerate(groups):
            title = f"{i + 1}号楼业主群"
            chat = upsert_chat(session=session, chat_id=chat_id, type="supergroup", title=title, now=now)
            building = get_or_create_building(session=session, name=f"{i + 1}号楼", now=now)
            bind_chat(session=session, chat=chat, building=building)
    return groups


def is_copy(message: dict[str, Any]) -> bool:
    return message["from"]["is_bot"] and TEXT in (message.get("text") or "")


def copies(sandbox: Sandbox, groups: list[int]) -> Counter[int]:
    """How many copies of the notice each group shows."""
    return Counter({g: sum(is_copy(m) for m in sandbox.messages(g)) for g in groups})


def copy_in(sandbox: Sandbox, group: int) -> dict[str, Any]:
    [message] = [m for m in sandbox.messages(group) if is_copy(m)]
    return message


def acks_in_db(engine: Engine) -> list[int]:
    with Session(engine) as session:
        return sorted(a.user_id for a in session.exec(select(NoticeAck)))


def acked_people(listing: str) -> int:
    """The sum of "已收到 N 人" over the buildings of an /acks answer."""
    return sum(int(n) for n in re.findall(r"已收到 (\d+) 人", listing))


async def compose_and_confirm(sandbox: Sandbox, staff: int, line: str = LINE, timeout: float = 10) -> int:
    """Staff send the one-line /notice privately and press 确认发送 on the preview; returns its id (the
    progress message)."""
    sandbox.send_text(chat_id=staff, user_id=staff, text=line)
    preview = await sandbox.wait_message("预览", chat_id=staff, timeout=timeout)
    assert TEXT in preview["text"] and texts.BTN_CONFIRM in str(preview["reply_markup"])
    sandbox.press(chat_id=staff, user_id=staff, message_id=preview["message_id"], button=texts.BTN_CONFIRM)
    return int(preview["message_id"])


# --- 1. 300 groups, a kill -9 in the middle, a restart


GROUPS = 300
KILL_AT = 150  # the copy whose arrival kills the bot: half way
STAFF = 1001
PEOPLE = [8101 + i for i in range(8)]


@pytest.mark.xdist_group("notice_processes")  # two real bot processes each: one worker runs them in turn
@pytest.mark.parametrize("framework", ["ptb", "aiogram"])
async def test_a_notice_to_300_groups_survives_a_kill_and_acks_count_once(
    framework: str, db_url: str, engine: Engine, tmp_path: Path
) -> None:
    async with Sandbox() as sandbox:  # Telegram's own limits: 30 a second overall
        sandbox.add_group(-1001000000001, "物业工作群")
        sandbox.add_user(STAFF, "李主任")
        groups = bound_groups(sandbox, engine, GROUPS)
        for person in PEOPLE:
            sandbox.add_user(person, f"居民{person}")

        bot: asyncio.subprocess.Process | None = None
        name, handler = sandbox._api["sendmessage"]
        arrived: list[int] = []

        def kill_on_arrival(params: dict[str, Any]) -> Any:
            # The process dies while a copy is on its way, before Telegram has taken it: so none may be
            # lost and none doubled. Only Telegram's side is wrapped; the bot runs unmodified.
            if TEXT in str(params.get("text")) and params.get("chat_id") in groups:
                arrived.append(int(params["chat_id"]))
                if len(arrived) == KILL_AT and bot is not None:
                    os.kill(bot.pid, signal.SIGKILL)
                    time.sleep(0.05)  # dead before it could hear an answer
                    raise ApiError(500, "Internal Server Error")
            return handler(params)

        sandbox._api["sendmessage"] = (name, kill_on_arrival)
        env = bot_env(sandbox, db_url, framework, LINLI_ADMIN_IDS=str(STAFF))
        log = tmp_path / "bot.log"
        bot = await start_bot(env, tmp_path, log)
        progress = await compose_and_confirm(sandbox, STAFF, timeout=30)
        code = await asyncio.wait_for(bot.wait(), timeout=60)
        assert code == -signal.SIGKILL, log.read_text(errors="replace")[-3000:]
        before = copies(sandbox, groups)
        assert sum(before.values()) == KILL_AT - 1 and set(before.values()) <= {0, 1}

        sandbox._api["sendmessage"] = (name, handler)
        bot = await start_bot(env, tmp_path, log)
        try:
            await sandbox.wait_for(
                lambda: all(copies(sandbox, groups).values()) and len(copies(sandbox, groups)) == GROUPS,
                timeout=LEASE.total_seconds() + 40,
                what="a copy in every group after the restart",
            )
            # The clock job (every 10 s in `linli run`) turns the progress message into the summary.
            summary = texts.SUMMARY.format(number=1, sent=GROUPS, total=GROUPS, failed=0)
            await sandbox.wait_for(
                lambda: sandbox.get_message(STAFF, progress)["text"].startswith(summary),
                timeout=25,
                what="the summary",
            )

            # 收到: several people in several groups, some pressing twice.
            presses = []
            for i, person in enumerate(PEOPLE):
                for group in groups[i * 3 : i * 3 + 3]:
                    times = 2 if i % 2 else 1
                    for _ in range(times):
                        message = copy_in(sandbox, group)
                        presses.append(
                            sandbox.press(
                                chat_id=group,
                                user_id=person,
                                message_id=message["message_id"],
                                button=texts.BTN_ACK,
                            )
                        )
            answered = await sandbox.wait_calls(
                "answerCallbackQuery",
                n=len(presses),
                timeout=30,
                callback_query_id=lambda q: q in presses,
            )
            assert {str(c.params.get("text")) for c in answered} == {texts.ACK_THANKS}
            mark = len(sandbox.calls)
            sandbox.send_text(chat_id=STAFF, user_id=STAFF, text="/acks 1")
            # 300 buildings: the answer comes in several messages, 再提醒 under the last.
            await sandbox.wait_calls(
                "sendMessage",
                since=mark,
                timeout=15,
                chat_id=STAFF,
                reply_markup=lambda m: texts.BTN_REMIND in str(m),
            )
            parts = sandbox.calls_of("sendMessage", since=mark, chat_id=STAFF)
            assert all(c.ok for c in parts), [c.summary() for c in parts if not c.ok]
            assert len(parts) > 1 and str(parts[0].params["text"]).startswith("通知 #1 收到情况")
            listing = "\n".join(str(c.params["text"]) for c in parts)
            assert listing.count("号楼：已收到") == GROUPS
            await sandbox.settle(quiet=0.5, timeout=20)
        finally:
            if bot.returncode is None:
                bot.send_signal(signal.SIGTERM)
            await asyncio.wait_for(bot.wait(), timeout=20)

    # Every group: exactly one copy, none lost, none doubled; every delivery marked sent with its message.
    assert copies(sandbox, groups) == Counter(dict.fromkeys(groups, 1))
    with Session(engine) as session:
        deliveries = list(session.exec(select(NoticeDelivery)))
        dead = session.exec(
            select(func.count()).select_from(OutboxMessage).where(col(OutboxMessage.status) == "dead")
        ).one()
    assert len(deliveries) == GROUPS and {d.state for d in deliveries} == {"sent"}
    assert {d.chat_id: d.message_id for d in deliveries} == {
        g: copy_in(sandbox, g)["message_id"] for g in groups
    }
    assert dead == 0
    assert [c.summary() for c in sandbox.calls if c.error_code == 429] == []
    # Acks: once per person, however many groups they pressed in and however often.
    assert acks_in_db(engine) == PEOPLE
    assert acked_people(listing) == len(PEOPLE)


# --- the playground: the bot in-process, Telegram's limits on


async def confirmed(pg: Playground, n: int) -> tuple[list[int], int]:
    """n bound groups and a notice to all of them confirmed by the admin; returns the groups and the
    progress message."""
    assert pg.runtime is not None
    groups = bound_groups(pg.sandbox, pg.runtime.engine, n)
    progress = await compose_and_confirm(pg.sandbox, ADMIN.id)
    return groups, progress


async def summary_of(pg: Playground, progress: int) -> str:
    """Tick the clock job until the progress message is the summary."""
    assert pg.runtime is not None

    async def done() -> str | None:
        await pg.runtime.tick()  # type: ignore[union-attr]
        text = str(pg.sandbox.get_message(ADMIN.id, progress)["text"])
        return text if "发送完毕" in text else None

    return str(await pg.sandbox.wait_for(done, timeout=20, interval=0.3, what="the summary"))


# --- 2. groups that removed the bot


async def test_groups_that_removed_the_bot_are_marked_inactive_and_listed(pg: Playground) -> None:
    assert pg.runtime is not None
    groups = bound_groups(pg.sandbox, pg.runtime.engine, 12)
    gone = groups[2:5]
    for group in gone:
        # Removed while the bot was not listening (its my_chat_member update never came): Telegram answers
        # 403 "bot is not a member" to the copy.
        pg.sandbox._chats[group].bot_member = False
    progress = await compose_and_confirm(pg.sandbox, ADMIN.id)
    summary = await summary_of(pg, progress)

    assert summary.startswith(texts.SUMMARY.format(number=1, sent=9, total=12, failed=3))
    listed = [line.removeprefix("· ") for line in summary.splitlines() if line.startswith("· ")]
    assert sorted(listed) == sorted(f"{groups.index(g) + 1}号楼业主群" for g in gone)
    assert copies(pg.sandbox, groups) == Counter({g: int(g not in gone) for g in groups})
    refused = [c for c in pg.sandbox.calls_of("sendMessage", ok=False) if c.params.get("chat_id") in gone]
    assert sorted(c.error_code for c in refused) == [403, 403, 403]  # given up at once, no retries
    with Session(pg.runtime.engine) as session:
        active = {g: session.get(Chat, g).active for g in groups}  # type: ignore[union-attr]
        states = {d.chat_id: d.state for d in session.exec(select(NoticeDelivery))}
    assert active == {g: g not in gone for g in groups}
    assert states == {g: "failed" if g in gone else "sent" for g in groups}
    # The next notice goes only to groups that still have the bot.
    pg.say(ADMIN.name, "私聊", "/notice 全部 | 第二条通知")
    preview = await pg.sandbox.wait_message("第二条通知", chat_id=ADMIN.id)
    assert texts.WHERE_GROUPS.format(n=9) in preview["text"]


# --- 3. withdrawing


async def test_withdraw_deletes_the_copy_in_every_group(pg: Playground) -> None:
    assert pg.runtime is not None
    groups, progress = await confirmed(pg, 10)
    await summary_of(pg, progress)
    sent = {g: copy_in(pg.sandbox, g)["message_id"] for g in groups}

    pg.say(ADMIN.name, "私聊", "/notices")
    listing = await pg.sandbox.wait_message(texts.NOTICES_TITLE, chat_id=ADMIN.id)
    assert "已发送 10/10" in listing["text"]
    mark = len(pg.sandbox.calls)
    pg.press(ADMIN.name, "私聊", listing["message_id"], label=texts.BTN_WITHDRAW.format(number=1))
    question = await pg.sandbox.wait_message(texts.CONFIRM_WITHDRAW.split("（")[0].format(number=1))
    pg.press(ADMIN.name, "私聊", question["message_id"], label=texts.BTN_CONFIRM_WITHDRAW)
    done = texts.WITHDRAWN.format(number=1, deleted=10, cancelled=0)
    await pg.sandbox.wait_message(done, chat_id=ADMIN.id)
    await pg.sandbox.wait_for(
        lambda: not any(copies(pg.sandbox, groups).values()), timeout=15, what="every copy deleted"
    )
    await pg.settle()

    deleted = pg.sandbox.calls_of("deleteMessage", since=mark, ok=True)
    assert sorted((c.params["chat_id"], c.params["message_id"]) for c in deleted) == sorted(sent.items())
    with Session(pg.runtime.engine) as session:
        assert {d.state for d in session.exec(select(NoticeDelivery))} == {"deleted"}
    pg.say(ADMIN.name, "私聊", "/notices")
    relisted = await pg.sandbox.wait_message(texts.STATUS_WITHDRAWN, chat_id=ADMIN.id)
    assert "#1" in relisted["text"]


# --- 4. a resident


async def test_a_resident_sending_notice_is_refused_with_one_line(pg: Playground) -> None:
    assert pg.runtime is not None
    groups = bound_groups(pg.sandbox, pg.runtime.engine, 3)
    her = pg.actor("张阿姨").id
    mark = len(pg.sandbox.calls)
    pg.say("张阿姨", "私聊", LINE)
    reply = await pg.sandbox.wait_message(texts.DENY_NOTICE, chat_id=her)
    await pg.settle()
    assert reply["text"] == texts.DENY_NOTICE and "\n" not in reply["text"]
    said = [c for c in pg.sandbox.calls_of("sendMessage", since=mark) if c.params.get("chat_id") == her]
    assert len(said) == 1
    assert copies(pg.sandbox, groups) == Counter(dict.fromkeys(groups, 0))
    with Session(pg.runtime.engine) as session:
        assert session.exec(select(func.count()).select_from(NoticeDelivery)).one() == 0


# --- 5. paid broadcast (LINLI_PAID_BROADCAST)


@pytest.fixture(params=["ptb", "aiogram"])
async def paid_pg(
    request: pytest.FixtureRequest, db_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Playground]:
    monkeypatch.setenv("LINLI_PAID_BROADCAST", "true")  # read by the runtime's settings at start
    async with Playground(framework=request.param, database_url=db_url, clock=clock) as playground:
        yield playground


async def test_paid_broadcast_goes_faster_than_thirty_a_second_and_says_its_cost(paid_pg: Playground) -> None:
    pg = paid_pg
    assert pg.runtime is not None and pg.runtime.settings.paid_broadcast
    groups = bound_groups(pg.sandbox, pg.runtime.engine, 120)
    pg.say(ADMIN.name, "私聊", LINE)
    preview = await pg.sandbox.wait_message("预览", chat_id=ADMIN.id)
    assert texts.PREVIEW_PAID.format(stars=12) in preview["text"]
    mark = len(pg.sandbox.calls)
    pg.press(ADMIN.name, "私聊", preview["message_id"], label=texts.BTN_CONFIRM)
    await pg.sandbox.wait_for(
        lambda: all(copies(pg.sandbox, groups).values()), timeout=20, what="a copy in every group"
    )
    await pg.settle()

    sent = [
        c for c in pg.sandbox.calls_of("sendMessage", since=mark, ok=True) if c.params["chat_id"] in groups
    ]
    assert len(sent) == len(groups)
    # Both frameworks ask for it (JSON true, or "true" in a form).
    assert {str(c.params.get("allow_paid_broadcast")).lower() for c in sent} == {"true"}
    # More than Telegram's free 30 in some second, and never told to wait.
    times = sorted(c.time for c in sent)
    assert max(sum(1 for u in times if t <= u < t + 1.0) for t in times) > 30
    assert [c.summary() for c in pg.sandbox.calls if c.error_code == 429] == []
    # Anything else (the progress message, answers) is not paid for.
    others = [c for c in pg.sandbox.calls_of(since=mark) if c.params.get("chat_id") not in groups]
    assert all("allow_paid_broadcast" not in c.params for c in others)
