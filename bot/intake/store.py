"""Storing arrivals in the inbox, shared by the poller and the webhook."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import Engine

from storage.db import session_scope
from storage.inbox import Arrival, claim_arrived, store_new
from storage.models import InboxUpdate

log = logging.getLogger(__name__)

# Claims the rows this process will start on at once: (holder, until), or None to leave them to any.
ClaimFor = Callable[[], tuple[str, datetime] | None]


def store_arrivals(
    engine: Engine, arrivals: Sequence[Arrival], clock: Callable[[], datetime], claim_for: ClaimFor
) -> tuple[int, list[InboxUpdate]]:
    """Commit the arrivals; returns how many were new, and those claimed in the same go for this process.

    Unusable ones are stored as failed, and logged.
    """
    with session_scope(engine) as session:
        ids = store_new(session=session, arrivals=arrivals, now=clock())
        claim = claim_for()
        claimed = (
            [] if claim is None else claim_arrived(session=session, ids=ids, holder=claim[0], until=claim[1])
        )
    for bad in (a for a in arrivals if a.error):
        log.warning("stored an unusable update (%s); see `linli inbox --failed`", bad.error)
    return len(ids), claimed
