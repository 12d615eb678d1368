"""The `linli` command itself, as a user runs it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.sandbox import Sandbox

LINLI = [sys.executable, "-m", "bot.cli"]


def clean_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env.update({f"LINLI_{k.upper()}": v for k, v in settings.items()})
    return env


async def run(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *LINLI, *args, env=env, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=60)
    return proc.returncode or 0, out.decode()


async def test_run_without_a_token_names_the_setting_and_the_demo(tmp_path: Path) -> None:
    code, out = await run(["run"], clean_env(tmp_path), tmp_path)
    assert code != 0
    [line] = out.strip().splitlines()
    assert "LINLI_BOT_TOKEN" in line and "make demo" in line


async def test_run_with_a_bad_setting_names_it(tmp_path: Path) -> None:
    code, out = await run(["run"], clean_env(tmp_path, bot_token="1:x", framework="telethon"), tmp_path)
    assert code != 0 and "LINLI_FRAMEWORK" in out


@pytest.mark.parametrize("framework", ["ptb", "aiogram"])
async def test_run_serves_the_api_url_it_is_given(tmp_path: Path, framework: str) -> None:
    """`linli run` migrates a new database and answers /start through LINLI_API_URL."""
    async with Sandbox() as sb:
        sb.add_user(7, "张阿姨")
        env = clean_env(
            tmp_path,
            bot_token="123:REAL",
            staff_chat_id="-1001",
            framework=framework,
            api_url=sb.url,
            database_url=f"sqlite:///{tmp_path / 'live.db'}",
        )
        proc = await asyncio.create_subprocess_exec(
            *LINLI,
            "run",
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            sb.send_text(chat_id=7, user_id=7, text="/start")
            await sb.wait_message("您好", chat_id=7, timeout=30)
            call = sb.calls_of("sendMessage", chat_id=7)[0]
            assert call.params["reply_markup"]["keyboard"][0][0]["text"] == "📝 我要报事"
            assert {c.token for c in sb.calls} == {"123:REAL"}
        finally:
            proc.send_signal(signal.SIGINT)
            await asyncio.wait_for(proc.wait(), timeout=20)
    assert proc.returncode == 0
    assert (tmp_path / "live.db").exists()


async def test_migrate_creates_the_schema(tmp_path: Path) -> None:
    code, out = await run(
        ["migrate"], clean_env(tmp_path, database_url=f"sqlite:///{tmp_path / 'm.db'}"), tmp_path
    )
    assert code == 0 and "up to date" in out


async def test_export_labels_writes_what_people_sorted(tmp_path: Path, db_url: str) -> None:
    """Re-sorted tickets come out as text,label rows that `linli nlp mine` reads."""
    import csv

    from storage.db import make_engine, session_scope, utcnow
    from storage.models import SortState
    from storage.people import upsert_user
    from storage.tickets import Sorting, create_ticket

    engine = make_engine(db_url)
    with session_scope(engine) as session:
        upsert_user(session=session, user_id=5, first_name="x", username=None, now=utcnow())
        for text, state in (
            ("楼上天天跺脚", SortState.STAFF),
            ("电梯坏了", SortState.AUTO),
            ("看图", SortState.REPORTER),
        ):
            create_ticket(
                session=session,
                reporter_id=5,
                chat_id=5,
                message_id=1,
                text=text,
                building_id=None,
                sorting=Sorting(category="noise" if "跺脚" in text else "other", state=state),
                now=utcnow(),
            )
    engine.dispose()
    out = tmp_path / "labels.csv"
    code, said = await run(["export-labels", str(out)], clean_env(tmp_path, database_url=db_url), tmp_path)
    assert code == 0 and "2 labelled" in said
    with out.open(encoding="utf-8") as f:
        assert list(csv.DictReader(f)) == [
            {"text": "楼上天天跺脚", "label": "noise"},
            {"text": "看图", "label": "other"},
        ]


async def test_points_verify_passes_a_whole_ledger_and_names_an_edited_entry(tmp_path: Path) -> None:
    from sqlalchemy import text

    from storage.db import make_engine, migrate, session_scope, utcnow
    from storage.people import upsert_user
    from storage.points import POOL, post, resident

    url = f"sqlite:///{tmp_path / 'p.db'}"
    engine = make_engine(url)
    migrate(engine)
    with session_scope(engine) as session:
        upsert_user(session=session, user_id=5, first_name="x", username=None, now=utcnow())
        for amount in (5, 10):
            post(
                session=session,
                from_account=POOL,
                to_account=resident(5),
                amount=amount,
                rule="award",
                now=utcnow(),
            )
    env = clean_env(tmp_path, database_url=url)
    code, out = await run(["points", "verify"], env, tmp_path)
    assert code == 0 and "2 entries" in out and "check out" in out
    with engine.begin() as conn:
        conn.execute(text("UPDATE points_entries SET amount = 50 WHERE id = 2"))
    engine.dispose()
    code, out = await run(["points", "verify"], env, tmp_path)
    assert code == 1 and "entry 2: its hash does not match its contents" in out


async def test_run_with_a_broken_points_file_names_the_file_entry_and_problem(tmp_path: Path) -> None:
    broken = tmp_path / "points.toml"
    broken.write_text(
        (Path(__file__).parents[2] / "handlers" / "points" / "default_points.toml")
        .read_text(encoding="utf-8")
        .replace("amount = 5\n", "amount = -5\n", 1),
        encoding="utf-8",
    )
    env = clean_env(tmp_path, bot_token="1:x", staff_chat_id="-1001", points_file=str(broken))
    code, out = await run(["run"], env, tmp_path)
    assert code != 0
    assert str(broken) in out and "rules[0].amount" in out and "greater than 0" in out
