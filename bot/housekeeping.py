"""Once a day, by whichever process gets there first: forget what no longer needs remembering."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Engine, delete
from sqlmodel import col

from storage.db import session_scope
from storage.inbox import DEDUPE_WINDOW, prune
from storage.jobs import claim_job
from storage.models import ProcessedUpdate
from storage.outbox import clear_sent_uploads

log = logging.getLogger(__name__)


def housekeep(engine: Engine, now: datetime) -> bool:
    """Prune the inbox and the record of processed updates, drop sent files; False if done today already."""
    with session_scope(engine) as session:
        if not claim_job(session=session, job="housekeeping", period=now.date().isoformat(), now=now):
            return False
        pruned = prune(session=session, now=now)
        # Scoped to the window because Telegram reuses ids after a week: an old memory must not match.
        forgotten = session.exec(
            delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < now - DEDUPE_WINDOW)
        ).rowcount
        cleared = clear_sent_uploads(session=session)
    log.info(
        "housekeeping: %d inbox rows, %d update ids forgotten, %d files dropped", pruned, forgotten, cleared
    )
    return True
