"""Each Telegram update is processed once."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from storage.db import conflict_insert
from storage.models import ProcessedUpdate


def claim_update(*, session: Session, update_id: int, now: datetime) -> bool:
    """Record the update in the caller's transaction; False if it was processed before.

    Because the record commits together with the update's effects, a redelivered update is either
    fully processed once or, if the first attempt rolled back, processed again from scratch.
    """
    table = ProcessedUpdate.__table__  # type: ignore[attr-defined]
    # One statement, no savepoint: a second claimer (even one racing us) inserts nothing.
    claimed = session.execute(
        conflict_insert(session, table)
        .values(update_id=update_id, processed_at=now)
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(table.c.update_id)
    ).first()
    return claimed is not None
