"""Storage on whichever database the run uses (SQLite by default, PostgreSQL in `make test-postgres`)."""

from __future__ import annotations

import ast
import threading
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session, func, select

from storage.db import make_engine, session_scope, utcnow
from storage.models import Building, User
from storage.people import get_or_create_building, upsert_user
from storage.updates import claim_update


def test_upsert_user_updates_the_name(engine) -> None:
    now = utcnow()
    with session_scope(engine) as session:
        upsert_user(session=session, user_id=2**40, first_name="张", username=None, now=now)
    with session_scope(engine) as session:
        user = upsert_user(session=session, user_id=2**40, first_name="张阿姨", username="zhang", now=now)
        assert user.first_name == "张阿姨"
    with Session(engine) as session:
        assert session.get(User, 2**40).username == "zhang"  # 64-bit ids survive


def test_times_come_back_aware_utc(engine) -> None:
    now = utcnow()
    with session_scope(engine) as session:
        get_or_create_building(session=session, name="3号楼", now=now)
    with Session(engine) as session:
        stored = session.exec(select(Building)).one().created_at
    assert stored.tzinfo is not None and abs((stored - now).total_seconds()) < 1


def test_claim_update_once(engine) -> None:
    with session_scope(engine) as session:
        assert claim_update(session=session, update_id=7, now=utcnow())
    with session_scope(engine) as session:
        assert not claim_update(session=session, update_id=7, now=utcnow())


def _race(db_url: str, create: Callable[[Session], int | None]) -> list[int | None]:
    """Run `create` in two transactions at once, as two processes would; what each got back."""
    barrier = threading.Barrier(2)
    got: list[int | None] = []
    errors: list[BaseException] = []

    def worker() -> None:
        # An engine each, as two processes would have (threads of one process queue for SQLite's lock).
        own = make_engine(db_url)
        try:
            with session_scope(own) as session:
                barrier.wait()
                got.append(create(session))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return got


def test_get_or_create_survives_the_race(engine, db_url: str) -> None:
    """Two processes create the same building at once: one row, and neither fails."""
    got = _race(
        db_url, lambda session: get_or_create_building(session=session, name="5号楼", now=utcnow()).id
    )
    assert len(got) == 2 and len(set(got)) == 1
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Building)).one() == 1


def test_upsert_user_survives_the_race(engine, db_url: str) -> None:
    """Two updates of a new resident handled at once: one row, both get it, neither fails."""

    def create(session: Session) -> int | None:
        return upsert_user(session=session, user_id=4242, first_name="张", username=None, now=utcnow()).id

    assert _race(db_url, create) == [4242, 4242]
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 1


def test_migrations_match_the_models(engine) -> None:
    """A model change without its migration fails here rather than in production."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_every_migration_message_is_one_line() -> None:
    """Alembic logs a migration's first paragraph on start-up; a second line breaks the one-line log."""
    versions = Path(__file__).resolve().parent.parent / "storage" / "migrations" / "versions"
    for path in sorted(versions.glob("*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        first_paragraph = doc.split("\n\n", 1)[0]
        assert "\n" not in first_paragraph, f"{path.name}: the message spans lines"
