"""Get-or-create that survives two workers inserting the same row at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

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
