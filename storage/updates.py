"""Each Telegram update is processed once."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import Executable, bindparam
from sqlmodel import Session

from storage.db import conflict_insert, dialect_of
from storage.models import ProcessedUpdate


@cache
def _claim_statement(dialect: str) -> Executable:
    # Built once per database: building it costs several times what running it does, once per update.
    table = ProcessedUpdate.__table__  # type: ignore[attr-defined]
    return (
        conflict_insert(dialect, table)
        .values(update_id=bindparam("update_id"), processed_at=bindparam("at"))
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(table.c.update_id)
    )


def claim_update(*, session: Session, update_id: int, now: datetime) -> bool:
    """Record the update in the caller's transaction; False if it was processed before.

    Because the record commits together with the update's effects, a redelivered update is either
    fully processed once or, if the first attempt rolled back, processed again from scratch.
    """
    # One statement, no savepoint: a second claimer (even one racing us) inserts nothing.
    statement = _claim_statement(dialect_of(session))
    claimed = session.connection().execute(statement, {"update_id": update_id, "at": now}).first()
    return claimed is not None
