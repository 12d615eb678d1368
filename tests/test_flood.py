from __future__ import annotations

import pytest

from bot.flood import FloodControl, Limits


def test_private_chat_one_per_second() -> None:
    flood = FloodControl(Limits())
    flood.record(42, now=100.0)
    assert flood.wait_time(42, now=100.2) > 0.7
    assert flood.wait_time(42, now=101.0) == 0
    assert flood.wait_time(43, now=100.2) == 0  # another person is not held up


def test_group_twenty_per_minute() -> None:
    flood = FloodControl(Limits())
    for i in range(20):
        assert flood.wait_time(-5, now=float(i)) == 0
        flood.record(-5, now=float(i))
    assert flood.wait_time(-5, now=20.0) == 40.0  # the first of the twenty leaves the window at 60
    assert flood.wait_time(-5, now=60.5) == 0


def test_thirty_per_second_overall() -> None:
    flood = FloodControl(Limits())
    for chat in range(1, 31):
        flood.record(chat, now=10.0)
    assert flood.wait_time(999, now=10.5) == 0.5
    assert flood.wait_time(999, now=11.0) == 0


def test_hold_after_429() -> None:
    flood = FloodControl(Limits())
    flood.hold(-5, until=30.0)
    assert flood.wait_time(-5, now=10.0) == 20.0
    assert flood.wait_time(-5, now=30.0) == 0
    flood.hold(7, until=5.0)
    assert flood.wait_time(7, now=3.0) == 2.0


def test_overall_and_chat_waits_are_told_apart() -> None:
    flood = FloodControl(Limits(overall=2))
    flood.record(-5, now=10.0)
    flood.record(42, now=10.2)
    assert flood.overall_wait(now=10.5) == 0.5  # until the send at 10.0 leaves the window
    assert flood.chat_wait(-5, now=10.5) == 0  # the group itself has room
    assert flood.chat_wait(42, now=10.5) == pytest.approx(0.7)  # the person had a message at 10.2
    assert flood.wait_time(42, now=10.5) == pytest.approx(0.7)


def test_more_sends_than_the_limit_wait_for_enough_of_them_to_leave() -> None:
    """Sends made outside the outbox can overfill a window; one more waits until it has room again."""
    flood = FloodControl(Limits(overall=3))
    for i in range(5):
        flood.record(-i - 1, now=10.0 + i / 10)  # 10.0 .. 10.4
    assert flood.overall_wait(now=10.5) == pytest.approx(0.7)  # three must leave, the third at 11.2


def test_slots_tell_a_planner_who_may_get_how_much() -> None:
    flood = FloodControl(Limits())
    for i in range(18):
        flood.record(-5, now=float(i))
    flood.record(-6, now=0.0)
    flood.record(42, now=19.5)
    flood.hold(-7, until=25.0)
    slots = flood.slots(now=20.0)
    assert slots.blocked == {42: 0.5, -7: 5.0}
    assert [slots.room(chat) for chat in (-5, -6, -8, 42, 43, -7)] == [2, 19, 20, 0, 1, 0]


def test_history_is_forgotten_once_it_limits_nothing() -> None:
    flood = FloodControl(Limits())
    flood.record(-5, now=0.0)
    flood.record(42, now=0.0)
    flood.hold(-6, until=30.0)
    assert flood.slots(now=59.0).room(-5) == 19  # the group's send still counts for a minute
    assert (flood._private, flood._held_until, len(flood._overall)) == ({}, {}, 0)
    flood.slots(now=60.0)
    assert flood._groups == {}


def test_paid_broadcasts_go_up_to_a_thousand_a_second_and_each_group_keeps_its_limit() -> None:
    flood = FloodControl(Limits())
    for i in range(999):
        assert flood.overall_wait(10.0, paid=True) == 0
        flood.record(-1000 - i, now=10.0)
    # Past 30 in the second a free message waits; a paid one still goes, up to the 1,000th.
    assert flood.overall_wait(10.0) == 1.0
    assert flood.wait_time(-5, now=10.0, paid=True) == 0
    flood.record(-5, now=10.0)
    assert flood.overall_wait(10.0, paid=True) == 1.0
    assert flood.overall_wait(11.0, paid=True) == 0 and flood.overall_wait(11.0) == 0
    # Paid or not, a group gets 20 a minute.
    for i in range(1, 20):
        flood.record(-5, now=11.0 + i)
    assert flood.wait_time(-5, now=31.0, paid=True) == 39.0
