"""Operating the bot with the real `linli` command: status, failed updates, start-up errors, stopping."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import stat
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.intake.leases import POLLER, SENDER
from bot.sandbox import Sandbox
from storage.db import session_scope, utcnow
from storage.inbox import Arrival, store
from storage.leases import acquire
from storage.models import InboxStatus, InboxUpdate, Lease, OutboxStatus
from storage.outbox import enqueue
from tests.e2e.intake_support import STAFF_CHAT, bot_env, start_bot

LINLI = [sys.executable, "-m", "bot.cli"]
# What a resident wrote: an operator's tools must never show it.
SECRET_TEXT = "报事 我家住三单元1202室，楼上邻居王秀英每天半夜装修"
CANNOT_REACH = "cannot reach the Bot API"


def clean_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    return env | {f"LINLI_{k.upper()}": v for k, v in settings.items()}


async def linli(*args: str, env: dict[str, str], cwd: Path, **popen: object) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *LINLI,
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        **popen,  # type: ignore[arg-type]
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    return proc.returncode or 0, out.decode(), err.decode()


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def holder_of(proc: asyncio.subprocess.Process) -> str:
    return f"{socket.gethostname()}:{proc.pid}"[:64]  # bot.intake.leases.instance_name in that process


async def stop(proc: asyncio.subprocess.Process, timeout: float = 10.0) -> tuple[int | None, float]:
    """SIGTERM, as systemctl/docker stop send it; the exit code (None: still running) and the time taken."""
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        code: int | None = await asyncio.wait_for(proc.wait(), timeout=timeout)
    except TimeoutError:
        code = None
    return code, time.monotonic() - started


async def kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()


async def wait_until(
    predicate: Callable[[], object], timeout: float, what: str, log: Path | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log else ""
            raise AssertionError(f"timed out waiting for {what}\n{tail}")
        await asyncio.sleep(0.05)


def log_text(log: Path) -> str:
    return log.read_text(errors="replace") if log.exists() else ""


# --- linli status


async def test_status_of_a_fresh_database(db_url: str, tmp_path: Path) -> None:
    code, out, err = await linli("status", env=clean_env(database_url=db_url), cwd=tmp_path)
    assert code == 0, err
    lines = dict(line.split(":", 1) for line in out.strip().splitlines())
    assert {k: v.strip() for k, v in lines.items()} == {
        "mode": "polling",
        "inbox backlog": "0",
        "failed updates": "0",
        "outbox backlog": "0",
        "outbox dead rows": "0",
        "last update": "none yet",
        "leases": "none held (no bot running)",
    }


async def test_status_says_webhook_mode_when_one_is_configured(db_url: str, tmp_path: Path) -> None:
    env = clean_env(database_url=db_url, webhook_url="https://bot.example.com/hook", webhook_secret="s3cret")
    code, out, err = await linli("status", env=env, cwd=tmp_path)
    assert code == 0, err
    assert re.search(r"^mode:\s+webhook$", out, re.M), out
    assert "polling" not in out


async def test_status_shows_backlog_failures_and_leases_but_no_texts(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    now = utcnow()
    message = {"message_id": 5, "chat": {"id": -100777, "type": "supergroup"}, "text": SECRET_TEXT}
    with session_scope(engine) as session:
        stored = store(
            session=session,
            arrivals=[
                Arrival(9001, -100777, {"update_id": 9001, "message": message}),
                Arrival(
                    9002, -100777, {"update_id": 9002, "message": message}, error=f"KeyError: {SECRET_TEXT}"
                ),
            ],
            now=now - timedelta(seconds=30),
        )
        assert stored == 2
        enqueue(
            session=session,
            chat_id=-100777,
            payload={"kind": "send", "chat_id": -100777, "text": SECRET_TEXT},
            now=now,
        )
        dead = enqueue(
            session=session, chat_id=42, payload={"kind": "send", "chat_id": 42, "text": SECRET_TEXT}, now=now
        )
        dead.status = OutboxStatus.DEAD
        assert acquire(
            session=session, name=POLLER, holder="tower-b:4242", now=now, until=now + timedelta(minutes=5)
        )
        assert acquire(
            session=session,
            name=SENDER,
            holder="tower-b:4242",
            now=now - timedelta(minutes=10),
            until=now - timedelta(minutes=9),
        )

    code, out, err = await linli("status", env=clean_env(database_url=db_url), cwd=tmp_path)
    assert code == 0, err
    assert re.search(r"^inbox backlog:\s+1$", out, re.M), out
    assert re.search(r"^failed updates:\s+1\s+\(linli inbox --failed\)$", out, re.M), out
    assert re.search(r"^outbox backlog:\s+1$", out, re.M), out
    assert re.search(r"^outbox dead rows:\s+1$", out, re.M), out
    last = re.search(r"^last update:\s+(.*)$", out, re.M)
    assert last and "none yet" not in last.group(1) and re.search(r"\(\d+ s ago\)", last.group(1)), out
    assert re.search(r"^lease poller\s+tower-b:4242 \(held, until .* UTC\)$", out, re.M), out
    assert re.search(r"^lease sender\s+tower-b:4242 \(expired, until .* UTC\)$", out, re.M), out
    assert "none held" not in out
    for fragment in (SECRET_TEXT, "王秀英", "1202", "装修"):
        assert fragment not in out + err


# --- linli inbox


async def test_inbox_failed_lists_failures_and_retry_puts_one_back(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    env = clean_env(database_url=db_url)
    code, out, err = await linli("inbox", "--failed", env=env, cwd=tmp_path)
    assert (code, out.strip()) == (0, "no failed updates"), err

    error = (
        "Traceback (most recent call last):\n"
        '  File "handlers/core.py", line 1, in handle\n'
        "ValueError: no such ticket #17\n"
    )
    with session_scope(engine) as session:
        store(
            session=session,
            arrivals=[
                Arrival(7001, -100555, {"update_id": 7001, "message": {"text": SECRET_TEXT}}),
                Arrival(7002, -100555, {"update_id": 7002, "message": {"text": SECRET_TEXT}}, error=error),
            ],
            now=utcnow(),
        )
    with Session(engine) as session:
        row = session.exec(select(InboxUpdate).where(InboxUpdate.update_id == 7002)).one()
        pending = session.exec(select(InboxUpdate).where(InboxUpdate.update_id == 7001)).one()
    failed_id, pending_id = row.id, pending.id
    assert failed_id is not None and pending_id is not None

    code, out, err = await linli("inbox", "--failed", env=env, cwd=tmp_path)
    assert code == 0, err
    listed = [line for line in out.splitlines() if line.strip().startswith("ID ")]
    assert len(listed) == 1, out
    assert re.search(rf"\bID {failed_id}\b", listed[0]) and "update 7002" in listed[0], out
    assert listed[0].rstrip().endswith("ValueError: no such ticket #17"), out
    assert "Traceback" not in out and SECRET_TEXT not in out
    code_default, out_default, _ = await linli("inbox", env=env, cwd=tmp_path)  # --failed is the default
    assert (code_default, out_default) == (0, out)

    code, out, err = await linli("inbox", "--retry", str(failed_id), env=env, cwd=tmp_path)
    assert code == 0, err
    assert str(failed_id) in out
    with Session(engine) as session:
        again = session.get(InboxUpdate, failed_id)
        assert again is not None
        assert again.status == InboxStatus.PENDING
        assert again.claimed_until is None and again.finished_at is None
    code, out, err = await linli("inbox", "--failed", env=env, cwd=tmp_path)
    assert (code, out.strip()) == (0, "no failed updates"), err

    # A second retry of the same row (now pending), a pending row and an unknown id: refused in one line.
    for unknown in (failed_id, pending_id, 999999):
        code, out, err = await linli("inbox", "--retry", str(unknown), env=env, cwd=tmp_path)
        assert code != 0, out
        line = one_line(err)
        assert str(unknown) in line and "no failed update" in line, line
    with Session(engine) as session:
        assert session.get(InboxUpdate, pending_id).status == InboxStatus.PENDING  # type: ignore[union-attr]


# --- start-up errors


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"database_url": "not a url"}, "LINLI_DATABASE_URL"),
        ({"webhook_url": "http://example.com/hook", "webhook_secret": "s3cret"}, "LINLI_WEBHOOK_URL"),
        ({"webhook_url": "https://example.com/hook"}, "LINLI_WEBHOOK_SECRET"),
        ({"workers": "0"}, "LINLI_WORKERS"),
    ],
    ids=["database-url", "webhook-http", "webhook-no-secret", "workers-0"],
)
async def test_a_bad_setting_stops_run_with_one_line_naming_it(
    settings: dict[str, str], named: str, tmp_path: Path
) -> None:
    db = tmp_path / "never.db"
    base = {"bot_token": "123:ABC", "staff_chat_id": "-1001", "database_url": f"sqlite:///{db}"}
    code, out, err = await linli("run", env=clean_env(**(base | settings)), cwd=tmp_path)
    assert code != 0
    line = one_line(err)
    assert named in line and line.startswith("linli:"), line
    assert out == ""
    assert not db.exists()  # refused before touching anything


# --- the Bot API out of reach


@pytest.mark.parametrize("framework", ["ptb", "aiogram"])
async def test_unreachable_api_is_retried_with_growing_delays_and_sigterm_still_stops_it(
    framework: str, tmp_path: Path
) -> None:
    port = closed_port()
    env = clean_env(
        bot_token="123:ABC",
        staff_chat_id="-1001",
        framework=framework,
        api_url=f"http://127.0.0.1:{port}",
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        weekly_report="off",
    )
    log = tmp_path / "bot.log"
    proc = await start_bot(env, tmp_path, log)
    try:
        # Start-up (migrations) may be slow on a loaded machine; the retry delays are timed from the first.
        await wait_until(lambda: CANNOT_REACH in log_text(log), 90, "the first failed attempt", log)
        await wait_until(lambda: log_text(log).count(CANNOT_REACH) >= 3, 20, "three failed attempts", log)
        assert proc.returncode is None  # still trying, not given up
        code, took = await stop(proc)
    finally:
        await kill(proc)
    text = log_text(log)
    attempts = [line for line in text.splitlines() if CANNOT_REACH in line]
    assert all(f"http://127.0.0.1:{port}" in line for line in attempts), attempts
    delays = [int(m.group(1)) for line in attempts if (m := re.search(r"retrying in (\d+) s", line))]
    assert len(delays) == len(attempts) and delays[:3] == [1, 2, 4], attempts
    assert "Traceback" not in text, text[-3000:]
    for line in text.splitlines():  # every line is one log record; the only trouble is the one reported
        assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ ", line), line
        assert CANNOT_REACH in line or not re.search(r" (WARNING|ERROR|CRITICAL) ", line), line
    assert code == 0, f"still running {took:.1f} s after SIGTERM while waiting to reconnect\n{text[-1500:]}"
    assert took < 10


@pytest.mark.parametrize("framework", ["ptb", "aiogram"])
async def test_a_bot_started_while_the_api_was_down_serves_once_it_is_up(
    framework: str, db_url: str, tmp_path: Path
) -> None:
    port = closed_port()
    env = clean_env(
        bot_token="123:ABC",
        staff_chat_id="-1001",
        framework=framework,
        api_url=f"http://127.0.0.1:{port}",
        database_url=db_url,
        weekly_report="off",
    )
    log = tmp_path / "bot.log"
    proc = await start_bot(env, tmp_path, log)
    try:
        await wait_until(lambda: CANNOT_REACH in log_text(log), 90, "a failed attempt", log)
        async with Sandbox(port=port) as sandbox:
            sandbox.add_user(7, "张阿姨")
            sandbox.send_text(chat_id=7, user_id=7, text="/start")
            await sandbox.wait_message("您好", chat_id=7, timeout=15)
            assert "is running on" in log_text(log)
            code, took = await stop(proc)
    finally:
        await kill(proc)
    assert code == 0 and took < 10, log_text(log)[-3000:]
    assert "Traceback" not in log_text(log)


# --- the database file


@pytest.mark.parametrize("command", ["migrate", "status"])
async def test_a_new_sqlite_file_is_readable_by_its_owner_only(command: str, tmp_path: Path) -> None:
    path = tmp_path / "data" / "linli.db"  # the folder does not exist yet either
    env = clean_env(database_url=f"sqlite:///{path}")
    # umask 022 (the usual one) would leave a plain new file 0644, readable by everyone on the host.
    code, _, err = await linli(command, env=env, cwd=tmp_path, umask=0o022)
    assert code == 0, err
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    for side in path.parent.glob("linli.db-*"):  # WAL and shared-memory files, if still there
        assert stat.S_IMODE(os.stat(side).st_mode) == 0o600, side


# --- stopping a running bot


@pytest.mark.parametrize(
    ("framework", "mode"), [("ptb", "polling"), ("aiogram", "polling"), ("ptb", "webhook")]
)
async def test_sigterm_on_an_idle_bot_exits_0_and_hands_back_its_leases(
    framework: str, mode: str, db_url: str, engine: Engine, tmp_path: Path
) -> None:
    async with Sandbox() as sandbox:
        sandbox.add_group(STAFF_CHAT, "物业工作群")
        extra: dict[str, str] = {}
        if mode == "webhook":
            listen = closed_port()
            extra = {
                "LINLI_WEBHOOK_URL": f"http://127.0.0.1:{listen}/telegram",
                "LINLI_WEBHOOK_SECRET": "op-tests",
                "LINLI_WEBHOOK_LISTEN": f"127.0.0.1:{listen}",
            }
        env, log = bot_env(sandbox, db_url, framework, **extra), tmp_path / "bot.log"
        status_env = clean_env(database_url=db_url) | extra
        proc = await start_bot(env, tmp_path, log)
        try:
            holder = holder_of(proc)
            roles = {SENDER} if mode == "webhook" else {POLLER, SENDER}

            def held() -> set[str]:
                with Session(engine) as session:
                    return {lease.name for lease in session.exec(select(Lease)) if lease.holder == holder}

            await wait_until(
                lambda: "is running on" in log_text(log) and held() == roles, 30, "the bot up", log
            )
            code, out, err = await linli("status", env=status_env, cwd=tmp_path)
            assert code == 0, err
            assert re.search(rf"^mode:\s+{mode}$", out, re.M), out
            for role in roles:
                assert re.search(rf"^lease {role}\s+{re.escape(holder)} \(held, ", out, re.M), out
            await asyncio.sleep(0.5)  # idle: nothing in flight
            code, took = await stop(proc)
        finally:
            await kill(proc)
    text = log_text(log)
    assert code == 0, text[-3000:]
    assert took < 10, took
    assert "Traceback" not in text, text[-3000:]
    with Session(engine) as session:
        assert list(session.exec(select(Lease))) == []
    code, out, err = await linli("status", env=status_env, cwd=tmp_path)
    assert code == 0, err
    assert re.search(r"^leases:\s+none held \(no bot running\)$", out, re.M), out
    assert holder not in out
