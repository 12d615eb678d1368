"""Leases: roles exactly one bot process holds at a time, taken over when the holder stops renewing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from storage.db import conflict_insert, dialect_of
from storage.models import Lease


def acquire(*, session: Session, name: str, holder: str, now: datetime, until: datetime) -> bool:
    """Take or renew the lease; True if `holder` has it until `until`.

    One statement each way, so two processes racing for a free lease cannot both win: the update only
    matches a lease that is ours or has run out, and the insert only lands if nobody holds a row yet.
    """
    renewed = session.exec(
        update(Lease)
        .where(col(Lease.name) == name, (col(Lease.holder) == holder) | (col(Lease.until) <= now))
        .values(holder=holder, until=until)
        .returning(col(Lease.name))
    ).first()
    if renewed is not None:
        return True
    table = Lease.__table__  # type: ignore[attr-defined]
    inserted = session.execute(
        conflict_insert(dialect_of(session), table)
        .values(name=name, holder=holder, until=until)
        .on_conflict_do_nothing(index_elements=["name"])
        .returning(table.c.name)
    ).first()
    return inserted is not None


def release(*, session: Session, name: str, holder: str) -> None:
    session.exec(delete(Lease).where(col(Lease.name) == name, col(Lease.holder) == holder))


def all_leases(*, session: Session) -> list[Lease]:
    return list(session.exec(select(Lease).order_by(col(Lease.name))))
