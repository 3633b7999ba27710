"""`participation backup` makes a consistent copy while the application writes, and
`participation restore` (SQLite) or pg_restore (PostgreSQL) brings every contribution
back."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest
from sqlmodel import select

from participation import backup
from participation.contributions.models import Contribution
from participation.db import make_engine, session_scope
from tests.conftest import TEST_SECRET
from tests.factories import make_consultation, make_contribution


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "PARTICIPATION_QUIET": "1",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }
    return subprocess.run(
        [sys.executable, "-m", "participation.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _references(engine) -> set[str]:
    with session_scope(engine) as session:
        return set(session.exec(select(Contribution.reference)).all())


class Writer(threading.Thread):
    """Keeps submitting contributions, as visitors do while the backup runs."""

    def __init__(self, engine, consultation) -> None:
        super().__init__(daemon=True)
        self.engine, self.consultation = engine, consultation
        self.stop = threading.Event()
        self.written = 0

    def run(self) -> None:
        while not self.stop.is_set():
            make_contribution(self.engine, self.consultation, f"Beitrag {self.written}")
            self.written += 1


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sqlite_backup_while_writing_then_restore(engine, database_url, tmp_path, backend):
    consultation = make_consultation(engine)
    for n in range(50):
        make_contribution(engine, consultation, f"Vorher {n}")
    writer = Writer(engine, consultation)
    writer.start()
    try:
        while writer.written < 20:
            threading.Event().wait(0.01)
        target = tmp_path / "backups" / "participation-backup.db"
        done = _cli(database_url, "backup", str(target))
        during = writer.written
    finally:
        writer.stop.set()
        writer.join()
    assert done.returncode == 0, done.stderr
    assert "integrity check passed" in done.stdout
    assert writer.written > 20 and during > 20  # writes went on around the backup

    copy = make_engine(f"sqlite:///{target}")
    in_backup = _references(copy)
    copy.dispose()
    everything = _references(engine)
    assert len(in_backup) >= 70 and in_backup <= everything

    # Restore into a new, empty place: every contribution of the backup is there.
    fresh = tmp_path / "restored" / "participation.db"
    restored = _cli(f"sqlite:///{fresh}", "restore", str(target), "--yes")
    assert restored.returncode == 0, restored.stderr
    fresh_engine = make_engine(f"sqlite:///{fresh}")
    assert _references(fresh_engine) == in_backup
    fresh_engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sqlite_restore_over_a_database_keeps_the_old_one(engine, database_url, tmp_path, backend):
    consultation = make_consultation(engine)
    before = {make_contribution(engine, consultation, f"A{n}").reference for n in range(5)}
    target = tmp_path / "b.db"
    assert _cli(database_url, "backup", str(target)).returncode == 0
    later = make_contribution(engine, consultation, "Nach dem Backup").reference

    refused = _cli(database_url, "restore", str(target))
    assert refused.returncode == 1 and "--yes" in refused.stderr
    done = _cli(database_url, "restore", str(target), "--yes")
    assert done.returncode == 0, done.stderr
    assert _references(engine) == before
    kept = [
        p
        for p in Path(database_url.removeprefix("sqlite:///")).parent.iterdir()
        if ".before-restore-" in p.name
    ]
    assert kept
    old = make_engine(f"sqlite:///{kept[-1]}")
    assert later in _references(old)
    old.dispose()


def test_backup_refuses_what_is_not_ours(tmp_path):
    other = tmp_path / "other.db"
    import sqlite3

    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE x (y)")
    connection.close()
    done = _cli(f"sqlite:///{tmp_path / 'live.db'}", "restore", str(other), "--yes")
    assert done.returncode == 1
    assert "not a database of this application" in done.stderr
    missing = _cli(f"sqlite:///{tmp_path / 'none.db'}", "backup", str(tmp_path / "x.db"))
    assert missing.returncode == 1 and "no database" in missing.stderr


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_postgresql_backup_with_pg_dump_and_restore(engine, database_url, tmp_path, backend):
    if backup.shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    consultation = make_consultation(engine)
    references = {make_contribution(engine, consultation, f"P{n}").reference for n in range(30)}
    target = tmp_path / "pg.dump"
    done = _cli(database_url, "backup", str(target))
    assert done.returncode == 0, done.stderr
    assert "pg_restore" in done.stdout

    # Restore into a new database, exactly as README.md tells.
    url = engine.url
    name = url.database + "_restored"
    server = url.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        restored_url = url.set(database=name).render_as_string(hide_password=False)
        command = backup.pg_restore_command(restored_url, target)
        ran = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert ran.returncode == 0, ran.stderr
        restored = make_engine(restored_url)
        assert _references(restored) == references
        restored.dispose()
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_restore_on_postgresql_prints_the_steps(database_url, backend, tmp_path):
    done = _cli(database_url, "restore", str(tmp_path / "pg.dump"))
    assert done.returncode == 2
    assert "pg_restore --clean" in done.stdout
