"""Each Telegram update is processed once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from storage.models import ProcessedUpdate


def claim_update(*, session: Session, update_id: int, now: datetime) -> bool:
    """Record the update in the caller's transaction; False if it was processed before.

    Because the record commits together with the update's effects, a redelivered update is either
    fully processed once or, if the first attempt rolled back, processed again from scratch.
    """
    if session.get(ProcessedUpdate, update_id) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(ProcessedUpdate(update_id=update_id, processed_at=now))
    except IntegrityError:
        return False
    return True
