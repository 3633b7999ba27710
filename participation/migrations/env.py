"""Alembic environment: the URL comes from DATABASE_URL, the tables from participation.tables."""

from __future__ import annotations

from alembic import context

from participation.db import make_engine
from participation.settings import load_settings
from participation.tables import metadata

config = context.config
target_metadata = metadata


def _url() -> str:
    return config.attributes.get("database_url") or load_settings().database_url


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def _run(connection) -> None:
    # Batch mode lets ALTER TABLE work on SQLite, which cannot alter most columns in place:
    # it copies the table, drops the old one and renames the copy. Dropping a table other
    # rows refer to fails while SQLite checks foreign keys, so the check is off while the
    # migrations run (it can only change outside a transaction) and back on after.
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # On the driver's connection: through SQLAlchemy it would run inside the BEGIN
        # that db.py's engine emits, where SQLite ignores it.
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    try:
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
