"""Database fixtures: SQLite by default, PostgreSQL when LINLI_TEST_DATABASE_URL is set.

Under pytest-xdist every worker has a database of its own: SQLite files live in the worker's own
tmp_path, and on PostgreSQL worker gw0 uses `<database>_gw0` on the same server (created on first use).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text
from sqlmodel import SQLModel

from storage.db import make_engine, migrate

_GIVEN_DATABASE_URL = os.environ.get("LINLI_TEST_DATABASE_URL")
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, … under xdist; unset in a plain run


def _worker_url(url: str | None, worker: str | None) -> str | None:
    """This worker's database on the given server: the given database itself without xdist."""
    if not url or not worker:
        return url
    parsed = make_url(url)
    if parsed.database and parsed.database.endswith(f"_{worker}"):  # already this worker's
        return url
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


TEST_DATABASE_URL = _worker_url(_GIVEN_DATABASE_URL, _WORKER)
if TEST_DATABASE_URL:
    # Anything else in this worker that reads the variable (a helper, a child process) gets its database.
    os.environ["LINLI_TEST_DATABASE_URL"] = TEST_DATABASE_URL


def _create_database_if_missing(server_url: str, name: str) -> None:
    """CREATE DATABASE cannot run in a transaction: ask the given database, in autocommit."""
    engine = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if found.first() is None:
                quoted = conn.dialect.identifier_preparer.quote_identifier(name)
                conn.execute(text(f"CREATE DATABASE {quoted}"))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once, copy per test: every test still starts from the real migrations."""
    path = tmp_path_factory.mktemp("template") / "linli.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    # Fold the WAL into the main file so a plain copy is the whole database (outside any transaction).
    raw = engine.raw_connection()
    raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def _postgres_migrated() -> Iterator[Engine]:
    assert TEST_DATABASE_URL and _GIVEN_DATABASE_URL
    if TEST_DATABASE_URL != _GIVEN_DATABASE_URL:
        _create_database_if_missing(_GIVEN_DATABASE_URL, make_url(TEST_DATABASE_URL).database)
    engine = make_engine(TEST_DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL to a freshly migrated, empty database for this test alone."""
    if TEST_DATABASE_URL:
        engine = request.getfixturevalue("_postgres_migrated")
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        return TEST_DATABASE_URL
    path = tmp_path / "linli.db"
    shutil.copy(request.getfixturevalue("_sqlite_template"), path)
    return f"sqlite:///{path}"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()
