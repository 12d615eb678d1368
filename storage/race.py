"""Get-or-create that survives two workers inserting the same row at once."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Executable, bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from storage.db import conflict_insert, dialect_of, get_row, loaded_row

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
    row = get_row(session, model, key)
    if row is not None:
        return row, False
    statement = _insert_returning(dialect_of(session), model, tuple(values))
    params = {f"v_{name}": value for name, value in values.items()}
    # On the connection, and the new row made persistent from what RETURNING gave: the ORM's own
    # INSERT … RETURNING of an entity costs twice as much, and a new user or chat comes with most updates.
    inserted = session.connection().execute(statement, params).first()
    if inserted is not None:
        return loaded_row(session, model, inserted._mapping), True
    row = get_row(session, model, key)
    if row is None:  # the conflict was not the race we expected
        raise LookupError(f"{model.__name__} {key!r}: neither inserted nor found")
    return row, False


@cache
def _insert_returning(dialect: str, model: type[SQLModel], names: tuple[str, ...]) -> Executable:
    # Built once per database, model and set of columns: building it costs several times what running it
    # does, and users and chats are inserted on the way of every update.
    values = {name: bindparam(f"v_{name}") for name in names}
    table = model.__table__  # type: ignore[attr-defined]
    return conflict_insert(dialect, table).values(values).on_conflict_do_nothing().returning(*table.columns)
