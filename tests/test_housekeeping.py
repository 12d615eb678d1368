"""Daily housekeeping (bot/housekeeping.py) on whichever database the run uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.housekeeping import housekeep
from handlers.actions import Media, SendMessage, Upload, dump_action
from storage.db import session_scope
from storage.inbox import Arrival, store
from storage.models import (
    InboxStatus,
    InboxUpdate,
    JobRun,
    OutboxMessage,
    OutboxStatus,
    ProcessedUpdate,
)

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
CHAT = -100123
CHART = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def add_inbox(engine: Engine, update_id: int | None, status: str, age: timedelta, **extra: Any) -> int:
    with session_scope(engine) as session:
        row = InboxUpdate(
            update_id=update_id,
            chat_key=CHAT,
            payload={"update_id": update_id, "message": {"text": "电梯坏了"}},
            status=status,
            received_at=NOW - age,
            finished_at=None if status == InboxStatus.PENDING else NOW - age,
            error="ValueError: boom" if status == InboxStatus.FAILED else None,
            **extra,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def add_processed(engine: Engine, update_id: int, age: timedelta) -> None:
    with session_scope(engine) as session:
        session.add(ProcessedUpdate(update_id=update_id, processed_at=NOW - age))


def upload_payload(name: str = "week.png", data: bytes = CHART) -> dict[str, Any]:
    upload = Upload.of(name, data)
    message = SendMessage(chat_id=CHAT, text="本周报事统计", media=Media(kind="photo", upload=upload))
    return dump_action(message)


def add_outbox(engine: Engine, payload: dict[str, Any], status: str, age: timedelta = DAY) -> int:
    with session_scope(engine) as session:
        row = OutboxMessage(
            chat_id=CHAT,
            payload=payload,
            status=status,
            not_before=NOW - age,
            created_at=NOW - age,
            sent_at=NOW - age if status == OutboxStatus.SENT else None,
            sent_message_id=77 if status == OutboxStatus.SENT else None,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def inbox(engine: Engine) -> dict[int, InboxUpdate]:
    with Session(engine) as session:
        return {row.id: row for row in session.exec(select(InboxUpdate))}  # type: ignore[misc]


def processed(engine: Engine) -> set[int]:
    with Session(engine) as session:
        return set(session.exec(select(col(ProcessedUpdate.update_id))))


def outbox_payload(engine: Engine, row_id: int) -> dict[str, Any]:
    with Session(engine) as session:
        row = session.get(OutboxMessage, row_id)
        assert row is not None
        return row.payload


def data_of(payload: dict[str, Any]) -> str:
    return payload["media"]["upload"]["data_b64"]


def test_housekeeping_prunes_exactly_what_it_should(engine: Engine) -> None:
    done_old = add_inbox(engine, 101, InboxStatus.DONE, 8 * DAY)
    done_recent = add_inbox(engine, 102, InboxStatus.DONE, 6 * DAY)
    failed_ancient = add_inbox(engine, 103, InboxStatus.FAILED, 31 * DAY)
    failed_old = add_inbox(engine, 104, InboxStatus.FAILED, 20 * DAY)
    failed_recent = add_inbox(engine, 105, InboxStatus.FAILED, 3 * DAY)
    pending_ancient = add_inbox(engine, 106, InboxStatus.PENDING, 45 * DAY)
    pending_claimed = add_inbox(
        engine, 107, InboxStatus.PENDING, 9 * DAY, claimed_by="a:1", claimed_until=NOW - 8 * DAY
    )
    for update_id, age in ((201, 8 * DAY), (202, 7 * DAY + timedelta(minutes=1)), (203, 6 * DAY), (204, DAY)):
        add_processed(engine, update_id, age)
    sent_upload = add_outbox(engine, upload_payload(), OutboxStatus.SENT, 2 * DAY)
    sent_today = add_outbox(
        engine, upload_payload("sheet.xlsx", b"PK\x03\x04xlsx"), OutboxStatus.SENT, timedelta()
    )
    pending_upload = add_outbox(engine, upload_payload(), OutboxStatus.PENDING)
    dead_upload = add_outbox(engine, upload_payload(), OutboxStatus.DEAD)
    text_only = dump_action(SendMessage(chat_id=CHAT, text="工单 #3 已受理"))
    sent_text = add_outbox(engine, text_only, OutboxStatus.SENT)
    known_file = dump_action(
        SendMessage(chat_id=CHAT, text="照片", media=Media(kind="photo", file_id="AgAD"))
    )
    sent_file_id = add_outbox(engine, known_file, OutboxStatus.SENT)

    assert housekeep(engine, NOW) is True

    rows = inbox(engine)
    assert set(rows) == {done_recent, failed_old, failed_recent, pending_ancient, pending_claimed}
    assert {done_old, failed_ancient}.isdisjoint(rows)
    assert rows[done_recent].update_id == 102
    assert rows[failed_recent].update_id == 105  # Telegram may still redeliver it
    assert rows[failed_old].update_id is None  # past the window: the id is free for reuse
    assert rows[failed_old].status == InboxStatus.FAILED and rows[failed_old].error == "ValueError: boom"
    assert rows[pending_ancient].update_id == 106 and rows[pending_ancient].status == InboxStatus.PENDING
    assert rows[pending_claimed].update_id == 107 and rows[pending_claimed].status == InboxStatus.PENDING

    assert processed(engine) == {203, 204}

    for row_id in (sent_upload, sent_today):
        payload = outbox_payload(engine, row_id)
        assert data_of(payload) == ""
        assert payload["text"] == "本周报事统计" and payload["media"]["kind"] == "photo"
        assert payload["media"]["upload"]["filename"] in ("week.png", "sheet.xlsx")
    assert Upload(**outbox_payload(engine, pending_upload)["media"]["upload"]).data == CHART
    assert Upload(**outbox_payload(engine, dead_upload)["media"]["upload"]).data == CHART
    assert outbox_payload(engine, sent_text) == text_only
    assert outbox_payload(engine, sent_file_id) == known_file
    with Session(engine) as session:
        sent = session.get(OutboxMessage, sent_upload)
        assert sent is not None and sent.status == OutboxStatus.SENT and sent.sent_message_id == 77


def test_housekeeping_runs_once_a_day(engine: Engine) -> None:
    first = add_inbox(engine, 301, InboxStatus.DONE, 10 * DAY)
    assert housekeep(engine, NOW) is True
    assert first not in inbox(engine)

    # Things become old enough later the same day: they wait for tomorrow's round.
    done_later = add_inbox(engine, 302, InboxStatus.DONE, 10 * DAY)
    failed_later = add_inbox(engine, 303, InboxStatus.FAILED, 40 * DAY)
    freed_later = add_inbox(engine, 304, InboxStatus.FAILED, 10 * DAY)
    add_processed(engine, 305, 10 * DAY)
    upload = add_outbox(engine, upload_payload(), OutboxStatus.SENT)
    for later in (timedelta(hours=1), timedelta(hours=11, minutes=59)):  # 23:59 UTC is still the same day
        assert housekeep(engine, NOW + later) is False
    rows = inbox(engine)
    assert {done_later, failed_later, freed_later} <= set(rows)
    assert rows[freed_later].update_id == 304
    assert processed(engine) == {305}
    assert data_of(outbox_payload(engine, upload)) == Upload.of("week.png", CHART).data_b64
    with Session(engine) as session:
        assert [(r.job, r.period) for r in session.exec(select(JobRun))] == [("housekeeping", "2026-03-10")]

    tomorrow = NOW.replace(hour=0, minute=1) + DAY
    assert housekeep(engine, tomorrow) is True
    rows = inbox(engine)
    assert {done_later, failed_later}.isdisjoint(rows)
    assert rows[freed_later].update_id is None
    assert processed(engine) == set()
    assert data_of(outbox_payload(engine, upload)) == ""
    assert housekeep(engine, tomorrow + timedelta(hours=3)) is False
    assert housekeep(engine, tomorrow + DAY) is True


def test_failed_rows_are_kept_for_30_days_but_let_go_of_their_update_id(engine: Engine) -> None:
    kept = {age: add_inbox(engine, 400 + age, InboxStatus.FAILED, age * DAY) for age in (8, 15, 29)}
    gone = add_inbox(engine, 431, InboxStatus.FAILED, 31 * DAY)
    assert housekeep(engine, NOW) is True

    rows = inbox(engine)
    assert gone not in rows
    for row_id in kept.values():
        assert rows[row_id].status == InboxStatus.FAILED  # still there for `linli inbox --failed`
        assert rows[row_id].update_id is None
    # Telegram reuses ids after a week: the same id arriving again is a new update, not a duplicate.
    with session_scope(engine) as session:
        arrivals = [Arrival(400 + age, CHAT, {"update_id": 400 + age}) for age in kept]
        assert store(session=session, arrivals=arrivals, now=NOW) == len(kept)
    rows = inbox(engine)
    assert len(rows) == 2 * len(kept)
    assert sorted(r.update_id for r in rows.values() if r.status == InboxStatus.PENDING) == [408, 415, 429]


def test_pending_updates_and_unsent_uploads_are_left_alone(engine: Engine) -> None:
    pending = [
        add_inbox(engine, 500 + i, InboxStatus.PENDING, age * DAY) for i, age in enumerate((1, 8, 31, 90))
    ]
    unsent = [add_outbox(engine, upload_payload(), OutboxStatus.PENDING, age * DAY) for age in (0, 8, 40)]
    retrying = add_outbox(engine, upload_payload(), OutboxStatus.PENDING, 3 * DAY)
    with session_scope(engine) as session:
        row = session.get(OutboxMessage, retrying)
        assert row is not None
        row.attempts, row.last_error, row.claimed_until = 3, "429 retry after 30", NOW + timedelta(seconds=30)
        session.add(row)
    before = inbox(engine)

    assert housekeep(engine, NOW) is True

    after = inbox(engine)
    assert set(after) == set(pending)
    for row_id in pending:
        assert (after[row_id].update_id, after[row_id].status) == (
            before[row_id].update_id,
            InboxStatus.PENDING,
        )
    for row_id in [*unsent, retrying]:
        assert Upload(**outbox_payload(engine, row_id)["media"]["upload"]).data == CHART


def test_housekeeping_of_an_empty_database(engine: Engine) -> None:
    assert housekeep(engine, NOW) is True
    assert inbox(engine) == {} and processed(engine) == set()


def test_two_processes_at_the_same_moment_housekeep_once(engine: Engine, db_url: str) -> None:
    """Each bot process runs housekeeping on its clock; the first to claim the day does it, alone."""
    from concurrent.futures import ThreadPoolExecutor

    from storage.db import make_engine

    add_inbox(engine, 601, InboxStatus.DONE, 10 * DAY)
    engines = [engine, make_engine(db_url)]  # two engines: two pools, as two processes would have
    try:
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda e: housekeep(e, NOW), engines))
    finally:
        engines[1].dispose()
    assert sorted(results) == [False, True]
    assert inbox(engine) == {}
