"""The inbox (storage/inbox.py) on whichever database the run uses: store, per-chat claims, finish, prune."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from storage.db import session_scope, utcnow
from storage.inbox import (
    Arrival,
    claim,
    counts,
    failed,
    finish,
    last_received,
    prune,
    release,
    retry,
    store,
)
from storage.models import InboxStatus, InboxUpdate

X, Y, Z = -100, -200, -300
LEASE = timedelta(seconds=20)


def arrive(update_id: int | None, chat: int = X, *, error: str | None = None, **extra: Any) -> Arrival:
    return Arrival(update_id, chat, {"update_id": update_id, **extra}, error=error)


def put(engine, *arrivals: Arrival, now=None) -> int:
    with session_scope(engine) as session:
        return store(session=session, arrivals=list(arrivals), now=now or utcnow())


def take(engine, holder: str, *, now, chats: int = 10, per_chat: int = 10, **kw: Any) -> list[int | None]:
    """The update_ids `holder` claims at `now` (for LEASE)."""
    with session_scope(engine) as session:
        rows = claim(
            session=session, now=now, until=now + LEASE, holder=holder, chats=chats, per_chat=per_chat, **kw
        )
    return [row.update_id for row in rows]


def rows(engine) -> list[InboxUpdate]:
    with Session(engine) as session:
        return list(session.exec(select(InboxUpdate).order_by(InboxUpdate.id)))


def row_of(engine, update_id: int) -> InboxUpdate:
    with Session(engine) as session:
        return session.exec(select(InboxUpdate).where(InboxUpdate.update_id == update_id)).one()


def done(engine, *update_ids: int, error: str | None = None) -> None:
    with session_scope(engine) as session:
        for update_id in update_ids:
            row = session.exec(select(InboxUpdate).where(InboxUpdate.update_id == update_id)).one()
            finish(session=session, inbox_id=row.id, now=utcnow(), error=error)


# --- store


def test_the_same_update_id_twice_is_stored_once(engine) -> None:
    assert put(engine, arrive(1, text="first")) == 1
    assert put(engine, arrive(1, text="second"), arrive(2)) == 1
    assert put(engine, arrive(3), arrive(3)) == 1  # twice within one call, too
    stored = rows(engine)
    assert [r.update_id for r in stored] == [1, 2, 3]
    assert stored[0].payload["text"] == "first"  # the first copy wins


def test_store_nothing(engine) -> None:
    assert put(engine) == 0
    assert rows(engine) == []


def test_stored_rows_are_pending_with_their_chat_and_payload(engine) -> None:
    now = utcnow()
    put(engine, Arrival(7, X, {"update_id": 7, "message": {"text": "电梯坏了"}}), now=now)
    [row] = rows(engine)
    assert (row.update_id, row.chat_key, row.status, row.attempts) == (7, X, InboxStatus.PENDING, 0)
    assert row.payload == {"update_id": 7, "message": {"text": "电梯坏了"}}
    assert row.error is None and row.finished_at is None and row.claimed_until is None
    assert abs((row.received_at - now).total_seconds()) < 1


def test_an_unusable_arrival_is_stored_failed(engine) -> None:
    assert put(engine, arrive(None, 0, error="no update_id"), arrive(None, 0, error="not a JSON object")) == 2
    assert [(r.status, r.error) for r in rows(engine)] == [
        ("failed", "no update_id"),
        ("failed", "not a JSON object"),
    ]
    assert all(r.finished_at is not None for r in rows(engine))
    assert take(engine, "A", now=utcnow()) == []


def test_updates_without_an_id_are_all_kept(engine) -> None:
    assert put(engine, *(arrive(None, X) for _ in range(3))) == 3


def test_a_thousand_arrivals_in_one_call(engine) -> None:
    batch = [arrive(10_000 + i, -(i % 37) - 1, text="报事" * 20) for i in range(1000)]
    assert put(engine, *batch) == 1000
    assert put(engine, *batch, arrive(99_999)) == 1  # only the new one
    with Session(engine) as session:
        assert counts(session=session) == {"pending": 1001}


# --- claim: per-chat strict order


def test_a_claim_takes_each_chats_run_in_id_order(engine) -> None:
    put(engine, arrive(1, X), arrive(2, Y), arrive(3, X), arrive(4, Y), arrive(5, X))
    assert take(engine, "A", now=utcnow()) == [1, 2, 3, 4, 5]
    claimed = rows(engine)
    assert {r.claimed_by for r in claimed} == {"A"} and all(r.claimed_until for r in claimed)


def test_another_holder_cannot_overtake_a_chat_whose_head_is_held(engine) -> None:
    put(engine, arrive(1, X), arrive(2, X), arrive(3, X), arrive(4, Y), arrive(5, Y))
    now = utcnow()
    assert take(engine, "A", now=now, chats=1, per_chat=1) == [1]
    # B must not take X's 2 and 3 while A works on X's 1; Y is free.
    assert take(engine, "B", now=now) == [4, 5]
    assert take(engine, "C", now=now) == []
    done(engine, 1)  # A is through its run: X goes on, in order
    assert take(engine, "C", now=now) == [2, 3]


def test_a_held_run_keeps_the_rest_of_its_chat_back(engine) -> None:
    put(engine, *(arrive(i, X) for i in range(1, 6)))
    now = utcnow()
    assert take(engine, "A", now=now, per_chat=2) == [1, 2]
    done(engine, 1)  # X's head is now 2, still A's
    assert take(engine, "B", now=now) == []
    done(engine, 2)
    assert take(engine, "B", now=now) == [3, 4, 5]


def test_a_run_stops_at_an_update_someone_else_holds(engine) -> None:
    put(engine, arrive(1, X), arrive(2, X), arrive(3, X))
    now = utcnow()
    assert take(engine, "A", now=now) == [1, 2, 3]
    with session_scope(engine) as session:
        release(session=session, ids=[row_of(engine, 1).id], holder="A")
    # B may have X's head back, but not 3 past A's 2.
    assert take(engine, "B", now=now) == [1]


def test_the_run_length_is_capped_by_per_chat(engine) -> None:
    put(engine, *(arrive(i, X) for i in range(1, 8)), arrive(8, Y))
    now = utcnow()
    assert take(engine, "A", now=now, per_chat=3) == [1, 2, 3, 8]
    done(engine, 1, 2, 3)
    assert take(engine, "A", now=now, per_chat=3) == [4, 5, 6]
    done(engine, 4, 5, 6)
    assert take(engine, "A", now=now, per_chat=1) == [7]


def test_the_number_of_chats_is_capped_oldest_head_first(engine) -> None:
    put(engine, arrive(1, Z), arrive(2, Y), arrive(3, X), arrive(4, Z))
    now = utcnow()
    assert take(engine, "A", now=now, chats=2, per_chat=1) == [1, 2]
    assert take(engine, "B", now=now, chats=2, per_chat=5) == [3]


def test_skip_chats(engine) -> None:
    put(engine, arrive(1, X), arrive(2, Y), arrive(3, Z))
    assert take(engine, "A", now=utcnow(), skip_chats={X, Z}) == [2]


def test_failed_and_done_updates_do_not_hold_up_their_chat(engine) -> None:
    put(engine, arrive(1, X), arrive(2, X), arrive(3, X))
    now = utcnow()
    assert take(engine, "A", now=now, per_chat=1) == [1]
    done(engine, 1, error="boom")
    assert take(engine, "B", now=now, per_chat=1) == [2]
    done(engine, 2)
    assert take(engine, "C", now=now, per_chat=1) == [3]


def test_an_expired_claim_is_claimable_again(engine) -> None:
    put(engine, arrive(1, X), arrive(2, X), arrive(3, Y))
    now = utcnow()
    assert take(engine, "A", now=now, chats=1) == [1, 2]
    assert take(engine, "B", now=now + LEASE - timedelta(seconds=1), chats=5) == [3]
    # A died: once its lease has run out, B takes X over, in order.
    assert take(engine, "B", now=now + LEASE, chats=5) == [1, 2]
    assert {r.claimed_by for r in rows(engine)} == {"B"}


def test_claims_made_at_the_same_moment_keep_each_chat_in_order(engine) -> None:
    """A has claimed X's head but not committed when B claims: B gets only Y.

    On PostgreSQL B's SKIP LOCKED passes over X's head, and B's snapshot still shows X unclaimed; B must
    not start X at its second update. On SQLite B waits for A's write lock, then sees A's claim.
    """
    put(engine, arrive(1, X), arrive(2, X), arrive(3, X), arrive(4, Y), arrive(5, Y))
    now = utcnow()
    taken_b: list[int | None] = []
    with session_scope(engine) as session_a:
        taken_a = claim(session=session_a, now=now, until=now + LEASE, holder="A", chats=1, per_chat=1)
        thread_b = threading.Thread(target=lambda: taken_b.extend(take(engine, "B", now=now)))
        thread_b.start()
        thread_b.join(timeout=0.5 if engine.dialect.name == "sqlite" else 10)
        if engine.dialect.name == "postgresql":
            assert not thread_b.is_alive()  # SKIP LOCKED: B did not wait for A
    thread_b.join(timeout=10)
    assert [r.update_id for r in taken_a] == [1]
    assert taken_b == [4, 5]


def test_many_holders_racing_claim_each_update_once_and_each_chat_once(engine) -> None:
    put(engine, *(arrive(i, -(i % 5) - 1) for i in range(1, 51)))
    now = utcnow()
    barrier = threading.Barrier(4)
    got: dict[str, list[int | None]] = {}
    errors: list[BaseException] = []

    def worker(holder: str) -> None:
        try:
            barrier.wait()
            got[holder] = take(engine, holder, now=now, chats=2, per_chat=4)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(h,)) for h in "ABCD"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    everything = [u for ids in got.values() for u in ids]
    assert len(everything) == len(set(everything))
    by_chat: dict[int, set[str]] = {}
    for holder, ids in got.items():
        for update_id in ids:
            by_chat.setdefault(-(update_id % 5) - 1, set()).add(holder)
        # each holder's run of a chat starts at that chat's head and has no gaps
        for chat in {-(u % 5) - 1 for u in ids}:
            mine = sorted(u for u in ids if -(u % 5) - 1 == chat)
            first = 5 if chat == -1 else -chat - 1
            assert mine == list(range(first, first + 5 * len(mine), 5))
    assert all(len(holders) == 1 for holders in by_chat.values())


# --- finish, failed, retry, release


def test_finish_failed_retry_round_trip(engine) -> None:
    put(engine, arrive(1, X), arrive(2, X))
    now = utcnow()
    assert take(engine, "A", now=now, per_chat=1) == [1]
    done(engine, 1, error="Traceback: boom")
    row = row_of(engine, 1)
    assert (row.status, row.error, row.attempts, row.claimed_until) == ("failed", "Traceback: boom", 1, None)
    assert row.finished_at is not None
    with Session(engine) as session:
        assert [r.update_id for r in failed(session=session)] == [1]
        assert counts(session=session) == {"failed": 1, "pending": 1}

    with session_scope(engine) as session:
        assert retry(session=session, inbox_id=row.id)
        assert not retry(session=session, inbox_id=row.id)  # pending now, not failed
        assert not retry(session=session, inbox_id=row.id + 1000)
    row = row_of(engine, 1)
    assert (row.status, row.finished_at, row.claimed_until) == ("pending", None, None)
    assert take(engine, "B", now=now, per_chat=1) == [1]  # back at the head of its chat
    done(engine, 1)
    row = row_of(engine, 1)
    assert (row.status, row.error, row.attempts) == ("done", None, 2)
    with Session(engine) as session:
        assert failed(session=session) == []
        assert counts(session=session) == {"done": 1, "pending": 1}


def test_retry_of_a_done_update_is_refused(engine) -> None:
    put(engine, arrive(1))
    done(engine, 1)
    with session_scope(engine) as session:
        assert not retry(session=session, inbox_id=row_of(engine, 1).id)
    assert row_of(engine, 1).status == "done"


def test_a_long_error_is_cut_to_2000_characters(engine) -> None:
    put(engine, arrive(1))
    done(engine, 1, error="x" * 5000)
    assert row_of(engine, 1).error == "x" * 2000


def test_failed_lists_newest_first_up_to_the_limit(engine) -> None:
    put(engine, *(arrive(i, error="bad") for i in range(1, 6)), arrive(6))
    with Session(engine) as session:
        assert [r.update_id for r in failed(session=session, limit=3)] == [5, 4, 3]


def test_release_gives_back_only_the_holders_own_pending_claims(engine) -> None:
    put(engine, arrive(1, X), arrive(2, X), arrive(3, Y))
    now = utcnow()
    assert take(engine, "A", now=now, chats=1) == [1, 2]
    assert take(engine, "B", now=now) == [3]
    done(engine, 1)
    ids = [r.id for r in rows(engine)]
    with session_scope(engine) as session:
        release(session=session, ids=ids, holder="A")
        release(session=session, ids=[], holder="A")
    one, two, three = rows(engine)
    assert two.claimed_until is None  # A's, pending: released
    assert three.claimed_until is not None and three.claimed_by == "B"  # B's: untouched
    assert one.status == "done"
    assert take(engine, "C", now=now) == [2]


# --- counts, last_received


def test_counts_and_last_received(engine) -> None:
    with Session(engine) as session:
        assert counts(session=session) == {}
        assert last_received(session=session) is None
    early, late = utcnow() - timedelta(hours=2), utcnow()
    put(engine, arrive(1), arrive(2, error="bad"), now=late)
    put(engine, arrive(3), now=early)
    with Session(engine) as session:
        assert counts(session=session) == {"pending": 2, "failed": 1}
        received = last_received(session=session)
    assert received is not None and abs((received - late).total_seconds()) < 1


# --- prune


def test_prune(engine) -> None:
    now = utcnow()
    day = timedelta(days=1)
    put(engine, arrive(1), arrive(2), now=now - 8 * day)  # done, old: deleted
    put(engine, arrive(3), now=now - 6 * day)  # done, recent: kept
    put(engine, arrive(4, error="bad"), now=now - 31 * day)  # failed, very old: deleted
    put(engine, arrive(5, error="bad"), now=now - 8 * day)  # failed, old: kept, loses its update_id
    put(engine, arrive(6, error="bad"), now=now - 6 * day)  # failed, recent: kept as is
    put(engine, arrive(7), now=now)  # pending, new
    done(engine, 1, 2, 3)
    with session_scope(engine) as session:
        assert prune(session=session, now=now) == 3
    left = rows(engine)
    assert [(r.update_id, r.status) for r in left] == [
        (3, "done"),
        (None, "failed"),
        (6, "failed"),
        (7, "pending"),
    ]
    assert left[1].error == "bad"
    # Telegram reused 5 (and, after their window, 1 and 4): new again. 3 and 6 are still remembered.
    assert put(engine, arrive(5), arrive(1), arrive(4), arrive(3), arrive(6), now=now) == 3
    with session_scope(engine) as session:
        assert prune(session=session, now=now) == 0


def test_prune_keeps_what_is_inside_the_windows(engine) -> None:
    now = utcnow()
    put(engine, arrive(1), now=now - timedelta(days=7) + timedelta(minutes=1))
    put(engine, arrive(2, error="bad"), now=now - timedelta(days=30) + timedelta(minutes=1))
    done(engine, 1)
    with session_scope(engine) as session:
        assert prune(session=session, now=now) == 0
    assert [r.update_id for r in rows(engine)] == [1, None]  # 2 is past the dedupe window, not deleted


@pytest.mark.parametrize("status", ["pending", "failed", "done"])
def test_prune_on_an_empty_inbox_or_fresh_rows(engine, status: str) -> None:
    now = utcnow()
    with session_scope(engine) as session:
        assert prune(session=session, now=now) == 0
    put(engine, arrive(1, error="bad" if status == "failed" else None), now=now)
    if status == "done":
        done(engine, 1)
    with session_scope(engine) as session:
        assert prune(session=session, now=now) == 0
    assert [(r.update_id, r.status) for r in rows(engine)] == [(1, status)]


def test_a_handled_update_keeps_its_id_but_not_its_words(engine) -> None:
    """Residents' texts and who pressed which button (anonymous votes too) are not kept once handled."""
    put(engine, Arrival(7, X, {"update_id": 7, "message": {"text": "电梯坏了"}}))
    put(engine, Arrival(8, X, {"update_id": 8, "message": {"text": "楼道灯坏了"}}))
    done(engine, 7)
    done(engine, 8, error="ValueError: boom")
    kept = {row.update_id: row.payload for row in rows(engine)}
    assert kept[7] == {}
    assert kept[8] == {"update_id": 8, "message": {"text": "楼道灯坏了"}}  # a failed one is kept to retry it
    assert put(engine, Arrival(7, X, {"update_id": 7})) == 0  # and the id still de-duplicates
