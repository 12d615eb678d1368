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
