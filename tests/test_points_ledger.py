"""The points ledger on both databases: double entry, once per key, never below zero, a chain `verify` checks,
and parallel requests that cannot overspend."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlmodel import Session

from storage import points as ledger
from storage.db import session_scope
from storage.models import User

NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)
ALICE, BOB = 101, 102


@pytest.fixture
def people(engine) -> None:
    with session_scope(engine) as session:
        session.add_all(
            [User(id=ALICE, first_name="甲", created_at=NOW), User(id=BOB, first_name="乙", created_at=NOW)]
        )


def earn(session: Session, user_id: int, amount: int, key: str | None = None) -> ledger.PointsEntry | None:
    return ledger.post(
        session=session,
        from_account=ledger.POOL,
        to_account=ledger.resident(user_id),
        amount=amount,
        rule="award",
        key=key,
        user_id=user_id,
        now=NOW,
    )


def test_every_movement_balances_to_zero_and_verifies(engine, people) -> None:
    with session_scope(engine) as session:
        earn(session, ALICE, 30)
        earn(session, BOB, 12)
        ledger.request_redemption(
            session=session, user_id=ALICE, building_id=None, reward="meal", price=20, stock=None, now=NOW
        )
    with Session(engine) as session:
        assert ledger.standing(session=session, user_id=ALICE) == ledger.Standing(
            balance=10, held=20, earned=30
        )
        assert ledger.balance(session=session, account=ledger.POOL) == -42
        result = ledger.verify(session=session)
    assert result.problems == [] and result.entries == 3


def test_the_same_key_pays_once(engine, people) -> None:
    with session_scope(engine) as session:
        assert earn(session, ALICE, 5, key="report:1") is not None
        assert earn(session, ALICE, 5, key="report:1") is None
    with Session(engine) as session:
        assert ledger.standing(session=session, user_id=ALICE).balance == 5


def test_a_resident_never_goes_below_zero(engine, people) -> None:
    with session_scope(engine) as session:
        earn(session, ALICE, 5)
    with pytest.raises(ledger.NotEnoughPoints), session_scope(engine) as session:
        ledger.post(
            session=session,
            from_account=ledger.resident(ALICE),
            to_account=ledger.REWARDS,
            amount=6,
            rule="redeem",
            now=NOW,
        )
    with Session(engine) as session:
        assert ledger.standing(session=session, user_id=ALICE).balance == 5
        assert ledger.verify(session=session).problems == []


def test_a_reversal_names_the_entry_and_takes_back_only_what_is_left(engine, people) -> None:
    with session_scope(engine) as session:
        paid = earn(session, ALICE, 10)
        ledger.request_redemption(
            session=session, user_id=ALICE, building_id=None, reward="meal", price=8, stock=None, now=NOW
        )
        reversal = ledger.reverse(session=session, entry=paid, now=NOW, granted_by=None, note="重复")
        assert reversal is not None and reversal.reverses == paid.id and reversal.amount == 2
        assert ledger.reverse(session=session, entry=paid, now=NOW, granted_by=None, note="again") is None
    with Session(engine) as session:
        assert ledger.standing(session=session, user_id=ALICE) == ledger.Standing(balance=0, held=8, earned=8)


@pytest.mark.parametrize(
    ("edit", "finding"),
    [
        ("UPDATE points_entries SET amount = 50 WHERE id = 2", "entry 2: its hash does not match"),
        ("UPDATE points_entries SET to_account = 'u:102' WHERE id = 1", "entry 1: its hash does not match"),
        ("DELETE FROM points_entries WHERE id = 2", "expected entry 2 here"),
        ("UPDATE points_balances SET balance = 100 WHERE account = 'u:101'", "balance 100 recorded"),
        ("UPDATE points_balances SET earned = 100 WHERE account = 'u:101'", "earned 100 recorded"),
        (
            "UPDATE points_monthly SET earned = 99 WHERE user_id = 101",
            "99 earned recorded, 21 by the entries",
        ),
    ],
)
def test_verify_finds_what_was_changed_behind_the_bots_back(engine, people, edit: str, finding: str) -> None:
    with session_scope(engine) as session:
        for amount in (5, 7, 9):
            earn(session, ALICE, amount)
    with engine.begin() as conn:
        conn.execute(text(edit))
    with Session(engine) as session:
        problems = ledger.verify(session=session).problems
    assert any(finding in p for p in problems), problems


def _in_parallel(count: int, work: Callable[[], object]) -> list[object]:
    start = threading.Barrier(count)
    outcomes: list[object] = []

    def run() -> None:
        start.wait()
        try:
            outcomes.append(work())
        except Exception as exc:  # the outcome is what the test counts
            outcomes.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_parallel_redemptions_cannot_overspend(engine, people) -> None:
    with session_scope(engine) as session:
        earn(session, ALICE, 250)

    def redeem() -> ledger.Redemption:
        with session_scope(engine) as session:
            return ledger.request_redemption(
                session=session,
                user_id=ALICE,
                building_id=None,
                reward="meal",
                price=100,
                stock=None,
                now=NOW,
            )[0]

    outcomes = _in_parallel(8, redeem)
    assert sum(isinstance(o, ledger.Redemption) for o in outcomes) == 2
    assert sum(isinstance(o, ledger.NotEnoughPoints) for o in outcomes) == 6
    with Session(engine) as session:
        assert ledger.standing(session=session, user_id=ALICE) == ledger.Standing(
            balance=50, held=200, earned=250
        )
        assert ledger.verify(session=session).problems == []


def test_parallel_requests_cannot_take_more_than_the_stock(engine, people) -> None:
    with session_scope(engine) as session:
        earn(session, ALICE, 500)
        earn(session, BOB, 500)

    def redeem(user_id: int) -> ledger.Redemption:
        with session_scope(engine) as session:
            return ledger.request_redemption(
                session=session, user_id=user_id, building_id=None, reward="meal", price=100, stock=3, now=NOW
            )[0]

    turn = iter([ALICE, BOB] * 4)
    lock = threading.Lock()

    def next_redeem() -> ledger.Redemption:
        with lock:
            user_id = next(turn)
        return redeem(user_id)

    outcomes = _in_parallel(8, next_redeem)
    assert sum(isinstance(o, ledger.Redemption) for o in outcomes) == 3
    assert sum(isinstance(o, ledger.OutOfStock) for o in outcomes) == 5


def test_a_second_confirm_from_the_same_message_asks_nothing_more(engine, people) -> None:
    with session_scope(engine) as session:
        earn(session, ALICE, 300)
    made = []
    for _ in range(2):
        with session_scope(engine) as session:
            made.append(
                ledger.request_redemption(
                    session=session,
                    user_id=ALICE,
                    building_id=None,
                    reward="meal",
                    price=100,
                    stock=None,
                    now=NOW,
                    source="101:55",
                )
            )
    assert [new for _, new in made] == [True, False] and made[0][0].id == made[1][0].id
    with Session(engine) as session:
        assert ledger.standing(session=session, user_id=ALICE).balance == 200


def test_parallel_presses_of_one_key_pay_once(engine, people) -> None:
    def press() -> ledger.PointsEntry | None:
        with session_scope(engine) as session:
            return earn(session, ALICE, 5, key="report:7")

    outcomes = _in_parallel(6, press)
    assert sum(isinstance(o, ledger.PointsEntry) for o in outcomes) == 1
    assert sum(o is None for o in outcomes) == 5
    with Session(engine) as session:
        assert ledger.standing(session=session, user_id=ALICE).balance == 5
        assert ledger.verify(session=session).problems == []


def test_the_monthly_rank_counts_the_month_per_building_and_across(engine, people) -> None:
    with session_scope(engine) as session:
        for user_id, amount, building, month in (
            (ALICE, 30, 1, "2026-11"),
            (BOB, 20, 1, "2026-11"),
            (BOB, 25, 2, "2026-11"),  # moved house mid-month: both buildings count it, the community adds up
            (ALICE, 99, 1, "2026-10"),  # another month
        ):
            ledger.post(
                session=session,
                from_account=ledger.POOL,
                to_account=ledger.resident(user_id),
                amount=amount,
                rule="award",
                user_id=user_id,
                building_id=building,
                month=month,
                now=NOW,
            )
    with Session(engine) as session:
        assert ledger.monthly_ranking(session=session, month="2026-11", building_id=1) == [
            (ALICE, 30),
            (BOB, 20),
        ]
        assert ledger.monthly_ranking(session=session, month="2026-11") == [(BOB, 45), (ALICE, 30)]
        assert ledger.monthly_place(session=session, month="2026-11", user_id=BOB, building_id=1) == (2, 20)
        assert ledger.monthly_place(session=session, month="2026-11", user_id=ALICE, building_id=None) == (
            2,
            30,
        )
        assert ledger.monthly_place(session=session, month="2026-12", user_id=ALICE, building_id=1) is None
        assert ledger.verify(session=session).problems == []
