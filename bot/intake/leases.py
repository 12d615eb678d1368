"""Keeps this process's leases (polling Telegram, sending the outbox) and tells who holds what."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import Engine

from storage.db import session_scope
from storage.leases import acquire, release

log = logging.getLogger(__name__)

POLLER = "poller"
SENDER = "sender"
LEASE = timedelta(seconds=15)
RENEW_EVERY = 5.0  # a dead holder's lease is taken over within LEASE + RENEW_EVERY = 20 s


def instance_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


class LeaseKeeper:
    def __init__(
        self, *, engine: Engine, holder: str, names: Iterable[str], clock: Callable[[], datetime]
    ) -> None:
        self.engine = engine
        self.holder = holder
        self.names = tuple(names)
        self.clock = clock
        self.held: dict[str, bool] = dict.fromkeys(self.names, False)
        self.changed = asyncio.Event()

    def holds(self, name: str) -> bool:
        return self.held.get(name, False)

    async def renew(self) -> None:
        held = await asyncio.to_thread(self._renew)
        for name, now_held in held.items():
            if now_held != self.held[name]:
                log.info("%s the %s lease", "took" if now_held else "lost", name)
                self.changed.set()
        self.held = held

    def _renew(self) -> dict[str, bool]:
        now = self.clock()
        with session_scope(self.engine) as session:
            return {
                name: acquire(session=session, name=name, holder=self.holder, now=now, until=now + LEASE)
                for name in self.names
            }

    def release_all(self) -> None:
        with session_scope(self.engine) as session:
            for name in self.names:
                release(session=session, name=name, holder=self.holder)
        self.held = dict.fromkeys(self.names, False)
