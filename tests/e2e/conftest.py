"""End-to-end: the real adapters and the real database against the sandbox over HTTP on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from bot.playground import Playground
from storage.db import utcnow


class Clock:
    """Real time plus an offset the test moves forward (time keeps running, as the outbox expects)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["ptb", "aiogram"])
async def pg(request: pytest.FixtureRequest, db_url: str, clock: Clock) -> AsyncIterator[Playground]:
    async with Playground(framework=request.param, database_url=db_url, clock=clock) as playground:
        yield playground


# Tests that run several bot processes against hundreds of reports, with deadlines sized for a machine
# doing little else. Under pytest-xdist (make test: --dist loadgroup) they share one worker, one after
# another, and start first, so they overlap only the light tests, never each other.
ONE_AT_A_TIME = {"test_intake_processes.py"}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    heavy = [item for item in items if item.path.name in ONE_AT_A_TIME]
    for item in heavy:
        item.add_marker(pytest.mark.xdist_group("processes"))
    if config.getoption("dist", "no") != "no":
        items[:] = heavy + [item for item in items if item.path.name not in ONE_AT_A_TIME]
