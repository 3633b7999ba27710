"""`participation backup PATH` and `participation restore PATH`.

SQLite: the online backup API (sqlite3.Connection.backup) copies the database in one
step while the server keeps running. In WAL mode the copy is a consistent snapshot of
the moment it started, and writers are never blocked. The copy is checked with
``PRAGMA integrity_check`` and written under a temporary name first, so a half-written
file never carries the backup's name.

PostgreSQL: ``pg_dump --format=custom`` is run when it is installed (it is PostgreSQL's
own consistent online backup); restore with ``pg_restore`` as README.md ("Operations")
describes. This module prints the exact commands.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy.engine import make_url


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class BackupReport:
    path: Path
    tables: int
    contributions: int
    size_bytes: int


def sqlite_path(database_url: str) -> Path | None:
    """The file of an SQLite URL; None for other databases and in-memory SQLite."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite"):
        return None
    if not url.database or url.database == ":memory:":
        return None
    return Path(unquote(url.database))


def _summary(path: Path) -> BackupReport:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        problem = connection.execute("PRAGMA integrity_check").fetchone()[0]
        if problem != "ok":
            raise BackupError(f"{path}: integrity check failed: {problem}")
        tables = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
        ).fetchone()[0]
        try:
            contributions = connection.execute("SELECT count(*) FROM contribution").fetchone()[0]
        except sqlite3.OperationalError as error:
            raise BackupError(f"{path} is not a database of this application") from error
    connection.close()
    return BackupReport(path, tables, contributions, path.stat().st_size)


def backup_sqlite(source: Path, target: Path) -> BackupReport:
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    target = target.resolve()
    if target == source.resolve():
        raise BackupError("the backup must not overwrite the database itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source_connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    target_connection = sqlite3.connect(partial)
    try:
        # pages=-1: everything in one step, so the copy is one consistent snapshot.
        source_connection.backup(target_connection, pages=-1)
        # A backup is one self-contained file: no -wal beside it to forget.
        target_connection.execute("PRAGMA journal_mode=DELETE")
    finally:
        target_connection.close()
        source_connection.close()
    report = _summary(partial)
    os.replace(partial, target)
    return BackupReport(target, report.tables, report.contributions, report.size_bytes)


def restore_sqlite(backup: Path, database: Path) -> tuple[BackupReport, Path | None]:
    """Copies a backup into the database file; the current database is kept beside it.

    Uses the same backup API in the other direction, so a server that is still running
    sees either the old or the restored database, never a mixture. Stop the server and
    the worker anyway if you can: whatever they write after the backup was made is lost.
    """
    report = _summary(backup)
    kept = None
    if database.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = database.with_name(f"{database.name}.before-restore-{stamp}")
        backup_sqlite(database, kept)
    database.parent.mkdir(parents=True, exist_ok=True)
    source_connection = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    target_connection = sqlite3.connect(database, timeout=30)
    try:
        source_connection.backup(target_connection, pages=-1)
    finally:
        target_connection.close()
        source_connection.close()
    restored = _summary(database)
    if restored.contributions != report.contributions:
        raise BackupError("the restored database does not match the backup")
    return restored, kept


def _libpq_url(database_url: str) -> str:
    """The address as pg_dump and pg_restore take it: no SQLAlchemy driver, with password."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def pg_dump_command(database_url: str, target: Path) -> list[str]:
    return [
        "pg_dump",
        "--format=custom",
        "--no-owner",
        f"--file={target}",
        _libpq_url(database_url),
    ]


def pg_restore_command(database_url: str, backup: Path) -> list[str]:
    return [
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        f"--dbname={_libpq_url(database_url)}",
        str(backup),
    ]


def shown(command: list[str]) -> str:
    """The command for printing, with the password (if any) replaced."""
    masked = []
    for part in command:
        if "://" in part:
            prefix, _, url = part.partition("=") if part.startswith("--") else ("", "", part)
            url = make_url(url).render_as_string(hide_password=True)
            part = f"{prefix}={url}" if prefix else url
        masked.append(part)
    return " ".join(masked)


def backup_postgresql(database_url: str, target: Path) -> list[str]:
    command = pg_dump_command(database_url, target)
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed; run this where it is:\n  " + shown(command))
    target.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(command, capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        raise BackupError("pg_dump failed: " + done.stderr.strip())
    return command
