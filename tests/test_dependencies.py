"""What the installed libraries need from the environment to run at their speed."""

from __future__ import annotations

import sys
from typing import Any

from httpcore._synchronization import current_async_library


class _Lookups:
    """A finder that only counts: every import the module cache cannot answer asks it first."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(self, name: str, *_args: Any) -> None:
        self.names.append(name)


async def test_python_telegram_bots_http_stack_imports_nothing_per_request() -> None:
    """Regression: httpcore looks for sniffio on every request (four times per Bot API call); with it
    missing, each lookup searched the whole import path and python-telegram-bot fell behind at 50 reports
    a second (已收到 p99 6.8 s in `make bench`)."""
    lookups = _Lookups()
    sys.meta_path.insert(0, lookups)
    try:
        for _ in range(4):
            assert current_async_library() == "asyncio"
    finally:
        sys.meta_path.remove(lookups)
    assert lookups.names == []
