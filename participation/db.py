"""Engine and sessions. SQLite gets WAL and foreign keys; PostgreSQL goes through psycopg 3."""

from __future__ import annotations

import fcntl
import functools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

from sqlalchemy import Table, event, inspect
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from participation.tenancy import CouncilOwned, council_for_new, scope


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
        def _sqlite_pragmas(dbapi_connection, _record):
            # WAL lets readers go on while one writer writes; foreign keys are off by default.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # A writing transaction takes the write lock at BEGIN, so two writers queue up
            # (busy_timeout) instead of one failing with "database is locked" half-way.
            # Readers stay deferred so they never wait for a writer (WAL).
            immediate = conn.get_execution_options().get("sqlite_write")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        # pysqlite's own transaction handling would issue BEGIN itself; hand it to us.
        @event.listens_for(engine, "connect")
        def _sqlite_no_autobegin(dbapi_connection, _record):
            dbapi_connection.isolation_level = None

        return engine
    # 20 kept per web process (a new PostgreSQL connection costs milliseconds); two web
    # processes and two workers stay well inside the server's default of 100.
    return create_engine(database_url, pool_pre_ping=True, pool_size=20, max_overflow=10)


class SqliteWriters:
    """The writers of every process on one SQLite file, taking turns.

    SQLite lets one transaction write at a time, and a writer that finds the lock taken
    polls with growing sleeps (up to 100 ms each): with 32 comments arriving at once, p99
    was two seconds in one process, and with two web processes on one file still 1.3 s.
    Writers queue here instead and begin the moment the one before them has committed:
    the threads of a process at a lock of their own, the processes at an flock on a file
    beside the database, which the kernel hands on at once and frees with a process
    that dies.
    """

    def __init__(self, path: str | None) -> None:
        self.path = f"{path}-writers" if path else None
        self.threads = threading.RLock()
        self.depth = 0  # changed only by the thread holding self.threads
        self.file = None
        self.pid = 0

    def acquire(self) -> bool:
        if not self.threads.acquire(timeout=30):
            return False  # SQLite's own busy timeout still applies
        if self.depth == 0 and self.path:
            try:
                lock_file = self._file()
                if lock_file is not None:
                    fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
            except BaseException:
                self.threads.release()
                raise
        self.depth += 1
        return True

    def release(self) -> None:
        self.depth -= 1
        if self.depth == 0 and self.file is not None:
            fcntl.flock(self.file.fileno(), fcntl.LOCK_UN)
        self.threads.release()

    def _file(self):
        # A process started by fork must not share its parent's open file: the lock
        # belongs to the open file, so the two would never wait for each other.
        if self.file is None or self.pid != os.getpid():
            try:
                self.file = open(self.path, "a+b")  # noqa: SIM115 - kept open for the process
            except OSError:
                # No such directory, or read-only: SQLite's own error says it better.
                return None
            self.pid = os.getpid()
        return self.file


@functools.cache
def sqlite_writers(path: str | None) -> SqliteWriters:
    return SqliteWriters(path)


def _writers(engine: Engine) -> SqliteWriters | None:
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    in_memory = not database or database == ":memory:" or database.startswith("file::memory:")
    return sqlite_writers(None if in_memory or database is None else os.path.abspath(database))


@contextmanager
def session_scope(
    engine: Engine, *, write: bool = False, council_id: int | None = None, alone: bool = False
) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any error.

    ``write=True`` marks a transaction that will write, so SQLite locks at BEGIN.
    ``council_id`` keeps the session to that council's rows (tenancy.py); None sees all;
    with ``alone`` (the installation's only council) it only names the council of new rows.
    """
    writers = _writers(engine) if write else None
    queued = writers is not None and writers.acquire()
    try:
        with Session(engine, expire_on_commit=False) as session:
            scope(session, council_id, alone=alone)
            if write:
                session.connection(execution_options={"sqlite_write": True})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        if queued and writers is not None:
            writers.release()


def table_of(model: type) -> Table:
    """A model's Core table, for statements that skip the ORM. The same object as
    ``model.__table__``, which SQLModel sets but does not declare to the type checker."""
    return cast(Table, inspect(model).local_table)


def insert_or_skip(session: Session, model: type, values: dict) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING RETURNING the new row's id; None when a unique
    constraint held another row.

    One statement where the ORM needs a SAVEPOINT, an INSERT and a RELEASE; on PostgreSQL a
    racing insert of the same key waits for the other transaction and then yields None
    instead of aborting this one. The id alone comes back: loading the new row as an ORM
    object cost more than the INSERT (0.15 ms on every SMS and web comment).
    """
    if issubclass(model, CouncilOwned) and "council_id" not in values:
        values = {**values, "council_id": council_for_new(session, table_of(model), values)}
    return session.execute(_insert_statement(dialect_of(session), model), values).scalar()


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def dialect_insert(dialect: str):
    """The insert() with ON CONFLICT for this dialect (SQLite has it since 3.24, RETURNING
    since 3.35)."""
    return postgresql_insert if dialect == "postgresql" else sqlite_insert


@functools.cache
def _insert_statement(dialect: str, model: type):
    # Built once: the values go in as parameters, so SQLAlchemy's compiled cache is hit
    # (building .values() per call cost three times the INSERT itself).
    table = table_of(model)
    return dialect_insert(dialect)(table).on_conflict_do_nothing().returning(table.c.id)
