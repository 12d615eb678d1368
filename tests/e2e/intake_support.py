"""Shared by the intake tests: groups bound to buildings, many reports, and who got acknowledged."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.sandbox import Sandbox
from storage.db import session_scope, utcnow
from storage.models import Ticket
from storage.people import bind_chat, get_or_create_building, upsert_chat

TOKEN = "123456:INTAKE-TESTS"
STAFF_CHAT = -1001000000001
# Different problems, so no report is taken for a neighbour's duplicate of another.
PROBLEMS = (
    "电梯坏了",
    "楼道灯不亮了",
    "楼上装修太吵了",
    "垃圾堆了好几天没人清",
    "消防通道被车堵了",
    "有人遛狗不拴绳",
    "停车位被别人占了",
    "物业费怎么交",
    "小区里有人偷电动车",
    "下水道堵了反味",
)
_NUMBER = re.compile(r"#(\d+)")


@dataclass(frozen=True, slots=True)
class Sent:
    chat_id: int
    message_id: int


def bound_groups(sandbox: Sandbox, engine: Engine, n: int, *, first: int = -1004000000000) -> list[int]:
    """n building groups the bot already knows and has bound (as /bind would), plus the staff group."""
    sandbox.add_group(STAFF_CHAT, "物业工作群")
    groups = [sandbox.add_group(first - i, f"{i + 1}号楼业主群")["id"] for i in range(n)]
    now = utcnow()
    with session_scope(engine) as session:
        for i, chat_id in enumerate(groups):
            chat = upsert_chat(session=session, chat_id=chat_id, type="supergroup", title=str(i), now=now)
            building = get_or_create_building(session=session, name=f"{i + 1}号楼", now=now)
            bind_chat(session=session, chat=chat, building=building)
    return groups


def residents(sandbox: Sandbox, n: int, *, first: int = 8001) -> list[int]:
    for i in range(n):
        sandbox.add_user(first + i, f"居民{i}")
    return [first + i for i in range(n)]


def send_reports(sandbox: Sandbox, groups: list[int], people: list[int], per_group: int) -> list[Sent]:
    """per_group reports in each group, interleaved across groups as they would arrive together."""
    sent = []
    for round_ in range(per_group):
        for g, chat_id in enumerate(groups):
            who = people[(g * per_group + round_) % len(people)]
            text = f"报事 {PROBLEMS[round_ % len(PROBLEMS)]}"
            message = sandbox.send_text(chat_id=chat_id, user_id=who, text=text)
            sent.append(Sent(chat_id, message["message_id"]))
    return sent


def tickets_by_message(engine: Engine) -> dict[tuple[int, int], Ticket]:
    with Session(engine) as session:
        return {(t.chat_id, t.message_id): t for t in session.exec(select(Ticket))}


def acknowledgements(sandbox: Sandbox, engine: Engine, sent: list[Sent]) -> dict[Sent, int]:
    """How many bot messages acknowledge each report: a reply to it, or a combined 已收到 with its number."""
    tickets = tickets_by_message(engine)
    counts: dict[Sent, int] = {}
    by_chat: dict[int, list[dict[str, Any]]] = {}
    for report in sent:
        if report.chat_id not in by_chat:
            by_chat[report.chat_id] = [m for m in sandbox.messages(report.chat_id) if m["from"]["is_bot"]]
        ticket = tickets.get((report.chat_id, report.message_id))
        n = 0
        for message in by_chat[report.chat_id]:
            replied = (message.get("reply_to_message") or {}).get("message_id")
            if replied == report.message_id:
                n += 1
            elif replied is None and ticket is not None and "已收到" in message.get("text", ""):
                n += int(str(ticket.id) in _NUMBER.findall(message["text"]))
        counts[report] = n
    return counts


def bot_env(sandbox: Sandbox, db_url: str, framework: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env |= {
        "LINLI_BOT_TOKEN": TOKEN,
        "LINLI_FRAMEWORK": framework,
        "LINLI_API_URL": sandbox.url,
        "LINLI_DATABASE_URL": db_url,
        "LINLI_STAFF_CHAT_ID": str(STAFF_CHAT),
        "LINLI_WEEKLY_REPORT": "off",
    }
    return env | extra


async def start_bot(env: dict[str, str], cwd: Path, log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as out:  # the child keeps its own descriptor
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", env=env, cwd=cwd, stdout=out, stderr=out
        )
