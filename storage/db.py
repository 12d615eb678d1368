"""Engine, sessions and migrations. The same code serves SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, bindparam, event, insert, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Mapper, instrumentation, make_transient_to_detached
from sqlmodel import Session, SQLModel, create_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

M = TypeVar("M", bound=SQLModel)


def utcnow() -> datetime:
    """Aware UTC; SQLModel stores it as UTC on both databases and hands it back aware."""
    return datetime.now(UTC)


def normalize_url(url: str) -> str:
    # psycopg 3 is the driver we ship; plain postgresql:// would ask SQLAlchemy for psycopg2.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        _create_private(make_url(url).database)
        # Updates run in worker threads; the busy timeout lets a second writer wait instead of failing.
        # isolation_level=None stops pysqlite from opening transactions lazily at the first write, which
        # would let a SELECT that decides what to claim run outside the transaction that claims it.
        options = {"check_same_thread": False, "timeout": 30, "isolation_level": None}
        engine = create_engine(url, connect_args=options)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        _WRITERS[engine] = threading.RLock()
        return engine
    return create_engine(url, pool_pre_ping=True)


def _create_private(path: str | None) -> None:
    """Create the SQLite file readable by its owner only (residents' reports are in it)."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    file = Path(path)
    if not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(file, os.O_CREAT | os.O_WRONLY, 0o600))


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock up front: two processes' transactions run one after the other, so
    # "read the due rows, then mark them" is atomic, as SELECT … FOR UPDATE SKIP LOCKED is on PostgreSQL.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


# SQLite lets one transaction write at a time, and one that finds the file locked sleeps in steps of
# milliseconds before it tries again. Threads of one process queue here instead, and are woken the moment
# the previous transaction ends; other processes still meet the busy timeout.
_WRITERS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()


def conflict_insert(dialect: str, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into `table` in the form of the database named by `dialect` (see dialect_of), the one with
    ON CONFLICT."""
    maker = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return maker(table)


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    writer = _WRITERS.get(engine)
    with writer or contextlib.nullcontext(), Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def new_row(model: type[M], **values: Any) -> M:
    """A new row object, as `model(**values)` makes it (missing fields get their defaults), at a tenth of
    the cost: built the way the ORM builds a row it loads, its values put straight into its state.

    SQLModel's constructor sets every field through pydantic and the ORM's attribute events, about 110 µs
    a row; an update files a ticket, its first step and two outbox rows. For rows made on that path.
    A flush inserts what the state holds, as for any new object."""
    row = instrumentation.manager_of_class(model).new_instance()
    defaults = _defaults(model)
    row.__dict__.update({name: make() for name, make in defaults.items() if name not in values})
    row.__dict__.update(values)
    object.__setattr__(row, "__pydantic_fields_set__", set(values))
    return row


def get_row(session: Session, model: type[M], key: Any) -> M | None:
    """What `session.get(model, key)` gives, in a third of its time for a row the session has not loaded:
    one prepared SELECT on the connection, and the row attached as the ORM attaches one it loads.

    session.get builds its query anew each call (about 250 µs of its 340); the users, chats and states
    read on the way of every update are read with this."""
    if session.new or session.deleted:  # what session.get's autoflush would write first
        session.flush()
    mapper = _mapper(model)
    identity = key if isinstance(key, tuple) else (key,)
    loaded = session.identity_map.get(mapper.identity_key_from_primary_key(identity))
    if loaded is not None:
        return loaded  # type: ignore[return-value]
    names, statement = _select_by_key(model)
    found = session.connection().execute(statement, dict(zip(names, identity, strict=True))).first()
    return None if found is None else loaded_row(session, model, found._mapping)


def loaded_row(session: Session, model: type[M], values: Mapping[str, Any]) -> M:
    """The row whose every column the database just gave (a SELECT, a RETURNING), in the session as if the
    ORM had loaded it."""
    row = instrumentation.manager_of_class(model).new_instance()
    row.__dict__.update(values)
    make_transient_to_detached(row)
    session.add(row)
    return row


@cache
def _mapper(model: type[SQLModel]) -> Mapper[Any]:
    return sa_inspect(model)


@cache
def _select_by_key(model: type[SQLModel]) -> tuple[tuple[str, ...], Any]:
    table = model.__table__  # type: ignore[attr-defined]
    names = tuple(column.key for column in _mapper(model).primary_key)
    where = [table.c[name] == bindparam(name) for name in names]
    return names, select(*table.columns).where(*where)


def insert_row(session: Session, row: M) -> M:
    """INSERT a new row at once, on the session's connection, and attach it as if it had been loaded.

    For a row that needs its id at once (a ticket's number is in the reply): the unit of work's flush of
    one object costs several times this one statement."""
    insert_rows(session, [row])
    return row


def insert_rows(session: Session, rows: Sequence[SQLModel]) -> None:
    """The same for new rows of one table whose ids the database assigns, in one statement. Rows the
    session holds pending are taken out of its unit of work first, so that its flush does not insert them
    a second time."""
    if not rows:
        return
    for row in rows:
        if row in session.new:
            session.expunge(row)
    if session.new:  # rows they may refer to: written first, as a query's autoflush would
        session.flush()
    model = type(rows[0])
    names = tuple(name for name in rows[0].__dict__ if name in _columns(model) and name != "id")
    values = [{name: row.__dict__[name] for name in names} for row in rows]
    table = model.__table__  # type: ignore[attr-defined]
    ids = session.connection().execute(_insert(table, names), values).scalars().all()
    for row, row_id in zip(rows, ids, strict=True):
        row.__dict__["id"] = row_id
        make_transient_to_detached(row)
        session.add(row)


@cache
def _columns(model: type[SQLModel]) -> frozenset[str]:
    return frozenset(model.__table__.columns.keys())  # type: ignore[attr-defined]


@cache
def _insert(table: Any, names: tuple[str, ...]) -> Any:
    # Built once per table and set of columns: building it costs several times what running it does.
    statement = insert(table).values({name: bindparam(name) for name in names})
    return statement.returning(table.c.id, sort_by_parameter_order=True)


@cache
def _defaults(model: type[SQLModel]) -> dict[str, Any]:
    """Per field with a default, what makes a fresh one (a new list for each row from default_factory)."""
    out: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if field.default_factory is not None:
            out[name] = field.default_factory
        elif not field.is_required():
            out[name] = lambda value=field.default: value
    return out


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def new_revision(engine: Engine, message: str) -> None:
    """Autogenerate a revision from the models (for developers changing the schema)."""
    command.revision(alembic_config(engine), message=message, autogenerate=True)
