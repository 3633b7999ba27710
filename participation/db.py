"""Engine and sessions. SQLite gets WAL and foreign keys; PostgreSQL goes through psycopg 3."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine


def make_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite"):
        # Starlette runs blocking endpoints in up to 40 threads: with SQLAlchemy's default
        # of 5 pooled connections, every request past the fifth opened and closed its own
        # connection (and ran the four PRAGMAs), 10 % of the consultation page's time.
        in_memory = database_url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(
            database_url,
            connect_args={"check_same_thread": False, "timeout": 30},
            **({} if in_memory else {"pool_size": 20, "max_overflow": 40}),
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # noqa: ANN001
            # WAL lets readers go on while one writer writes; foreign keys are off by default.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # noqa: ANN001
            # A writing transaction takes the write lock at BEGIN, so two writers queue up
            # (busy_timeout) instead of one failing with "database is locked" half-way.
            # Readers stay deferred so they never wait for a writer (WAL).
            immediate = conn.get_execution_options().get("sqlite_write")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        # pysqlite's own transaction handling would issue BEGIN itself; hand it to us.
        @event.listens_for(engine, "connect")
        def _sqlite_no_autobegin(dbapi_connection, _record):  # noqa: ANN001
            dbapi_connection.isolation_level = None

        return engine
    # 20 kept per web process (a new PostgreSQL connection costs milliseconds); two web
    # processes and two workers stay well inside the server's default of 100.
    return create_engine(database_url, pool_pre_ping=True, pool_size=20, max_overflow=10)


#: SQLite lets one transaction write at a time, and a writer that finds the lock taken
#: polls with growing sleeps (up to 100 ms each): with 32 comments arriving at once, p99
#: was two seconds. Writers of this process queue here instead and begin the moment the
#: one before them has committed. (Other processes still meet at SQLite's own lock.)
_sqlite_writers = threading.RLock()


@contextmanager
def session_scope(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any error.

    ``write=True`` marks a transaction that will write, so SQLite locks at BEGIN.
    """
    queued = write and engine.dialect.name == "sqlite" and _sqlite_writers.acquire(timeout=30)
    try:
        with Session(engine, expire_on_commit=False) as session:
            if write:
                session.connection(execution_options={"sqlite_write": True})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        if queued:
            _sqlite_writers.release()


def insert_or_skip(session: Session, model: type, values: dict) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING RETURNING the new row's id; None when a unique
    constraint held another row.

    One statement where the ORM needs a SAVEPOINT, an INSERT and a RELEASE; on PostgreSQL a
    racing insert of the same key waits for the other transaction and then yields None
    instead of aborting this one. The id alone comes back: loading the new row as an ORM
    object cost more than the INSERT (0.15 ms on every SMS and web comment).
    """
    return session.execute(_insert_statement(_dialect(session), model), values).scalar()


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def dialect_insert(dialect: str):  # noqa: ANN201
    """The insert() with ON CONFLICT for this dialect (SQLite has it since 3.24, RETURNING
    since 3.35)."""
    return postgresql_insert if dialect == "postgresql" else sqlite_insert


@functools.cache
def _insert_statement(dialect: str, model: type):  # noqa: ANN202
    # Built once: the values go in as parameters, so SQLAlchemy's compiled cache is hit
    # (building .values() per call cost three times the INSERT itself).
    table = model.__table__  # type: ignore[attr-defined]
    return dialect_insert(dialect)(table).on_conflict_do_nothing().returning(table.c.id)
