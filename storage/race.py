"""Get-or-create that survives two workers inserting the same row at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from storage.db import conflict_insert

T = TypeVar("T", bound=SQLModel)


def get_or_create(*, session: Session, find: Callable[[], T | None], make: Callable[[], T]) -> tuple[T, bool]:
    """Return (row, created). A unique violation means someone else won: read their row."""
    row = find()
    if row is not None:
        return row, False
    try:
        with session.begin_nested():
            row = make()
            session.add(row)
    except IntegrityError:
        row = find()
        if row is None:  # the violation was not the race we expected
            raise
        return row, False
    return row, True


def get_or_insert(*, session: Session, model: type[T], key: Any, values: dict[str, Any]) -> tuple[T, bool]:
    """Return (row, created) for a row found by primary key, inserted from `values` when missing.

    The same guarantee as get_or_create for rows keyed by their primary key, in one INSERT … ON CONFLICT
    DO NOTHING RETURNING instead of a savepoint around an insert (four statements): someone who inserted
    the row first makes ours insert nothing, and their row is read."""
    row = session.get(model, key)
    if row is not None:
        return row, False
    statement = conflict_insert(session, model).values(**values).on_conflict_do_nothing().returning(model)
    row = session.scalars(statement).first()
    if row is not None:
        return row, True
    row = session.get(model, key)
    if row is None:  # the conflict was not the race we expected
        raise LookupError(f"{model.__name__} {key!r}: neither inserted nor found")
    return row, False
