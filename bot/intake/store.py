"""Storing arrivals in the inbox, shared by the poller and the webhook."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import Engine

from storage.db import session_scope
from storage.inbox import Arrival, store

log = logging.getLogger(__name__)


def store_arrivals(engine: Engine, arrivals: Sequence[Arrival], clock: Callable[[], datetime]) -> int:
    """Commit the arrivals; returns how many were new. Unusable ones are stored as failed, and logged."""
    with session_scope(engine) as session:
        new = store(session=session, arrivals=arrivals, now=clock())
    for bad in (a for a in arrivals if a.error):
        log.warning("stored an unusable update (%s); see `linli inbox --failed`", bad.error)
    return new
