"""Leases (storage/leases.py): one holder at a time, taken over once the holder stops renewing."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from storage.db import make_engine, session_scope, utcnow
from storage.leases import acquire, all_leases, release

LEASE = timedelta(seconds=15)


def grab(engine, holder: str, *, now: datetime, name: str = "poller", lease: timedelta = LEASE) -> bool:
    with session_scope(engine) as session:
        return acquire(session=session, name=name, holder=holder, now=now, until=now + lease)


def give_up(engine, holder: str, name: str = "poller") -> None:
    with session_scope(engine) as session:
        release(session=session, name=name, holder=holder)


def held(engine) -> list[tuple[str, str, datetime]]:
    with session_scope(engine) as session:
        return [(lease.name, lease.holder, lease.until) for lease in all_leases(session=session)]


def close(a: datetime, b: datetime) -> bool:
    return abs((a - b).total_seconds()) < 0.01


def test_first_acquire_wins_and_a_second_holder_is_refused_while_valid(engine) -> None:
    now = utcnow()
    assert grab(engine, "A", now=now)
    assert not grab(engine, "B", now=now)
    assert not grab(engine, "B", now=now + LEASE - timedelta(seconds=1))
    [(name, holder, until)] = held(engine)
    assert (name, holder) == ("poller", "A") and close(until, now + LEASE)


@pytest.mark.parametrize("after", [LEASE, LEASE + timedelta(seconds=1), timedelta(days=3)], ids=str)
def test_an_expired_lease_is_taken_over(engine, after: timedelta) -> None:
    now = utcnow()
    assert grab(engine, "A", now=now)
    assert grab(engine, "B", now=now + after)
    [(_, holder, until)] = held(engine)
    assert holder == "B" and close(until, now + after + LEASE)
    assert not grab(engine, "A", now=now + after)  # A, back from the dead, is refused


def test_renewal_by_the_holder_extends_the_lease(engine) -> None:
    now = utcnow()
    assert grab(engine, "A", now=now)
    later = now + timedelta(seconds=10)
    assert grab(engine, "A", now=later)
    [(_, holder, until)] = held(engine)
    assert holder == "A" and close(until, later + LEASE)
    # Past the first lease, but within the renewed one: B is still refused.
    assert not grab(engine, "B", now=now + LEASE + timedelta(seconds=1))


def test_the_holder_may_renew_even_after_its_lease_ran_out(engine) -> None:
    now = utcnow()
    assert grab(engine, "A", now=now)
    assert grab(engine, "A", now=now + LEASE * 3)
    assert [h for _, h, _ in held(engine)] == ["A"]


def test_release_lets_another_take_it(engine) -> None:
    now = utcnow()
    assert grab(engine, "A", now=now)
    give_up(engine, "B")  # not B's to release
    assert not grab(engine, "B", now=now)
    give_up(engine, "A")
    assert held(engine) == []
    assert grab(engine, "B", now=now)
    assert [h for _, h, _ in held(engine)] == ["B"]


def test_release_of_a_lease_nobody_holds_is_harmless(engine) -> None:
    give_up(engine, "A")
    assert held(engine) == []


def test_leases_of_different_names_are_independent(engine) -> None:
    now = utcnow()
    assert grab(engine, "A", now=now, name="poller")
    assert grab(engine, "B", now=now, name="sender")
    assert not grab(engine, "B", now=now, name="poller")
    assert not grab(engine, "A", now=now, name="sender")
    assert [(name, holder) for name, holder, _ in held(engine)] == [("poller", "A"), ("sender", "B")]


def race(db_url: str, holders: list[str], now: datetime) -> dict[str, bool]:
    barrier = threading.Barrier(len(holders))
    results: dict[str, bool] = {}
    errors: list[BaseException] = []

    def worker(holder: str) -> None:
        # An engine each, as separate processes would have.
        own = make_engine(db_url)
        try:
            with session_scope(own) as session:
                barrier.wait()
                results[holder] = acquire(
                    session=session, name="poller", holder=holder, now=now, until=now + LEASE
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=worker, args=(h,)) for h in holders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    return results


@pytest.mark.parametrize("count", [2, 6])
def test_threads_racing_for_a_free_lease_exactly_one_wins(engine, db_url: str, count: int) -> None:
    holders = [f"P{i}" for i in range(count)]
    results = race(db_url, holders, utcnow())
    winners = [h for h, won in results.items() if won]
    assert len(results) == count and len(winners) == 1
    assert [h for _, h, _ in held(engine)] == winners


def test_threads_racing_for_an_expired_lease_exactly_one_wins(engine, db_url: str) -> None:
    now = utcnow()
    assert grab(engine, "dead", now=now - LEASE * 2)
    results = race(db_url, ["P0", "P1", "P2"], now)
    winners = [h for h, won in results.items() if won]
    assert len(winners) == 1
    assert [h for _, h, _ in held(engine)] == winners
