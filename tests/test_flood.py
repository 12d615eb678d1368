from __future__ import annotations

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
