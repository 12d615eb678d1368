"""End-to-end: the real adapters and the real database against the sandbox over HTTP on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.playground import Playground


@pytest.fixture(params=["ptb", "aiogram"])
async def pg(request: pytest.FixtureRequest, db_url: str) -> AsyncIterator[Playground]:
    async with Playground(framework=request.param, database_url=db_url) as playground:
        yield playground
