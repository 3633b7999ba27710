"""Writers on one SQLite file take turns at an flock beside it, across processes.

A second open file stands in for another process: flock locks belong to the open file,
so it meets the lock exactly as another web process or the worker would.
"""

from __future__ import annotations

import fcntl
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from participation.db import make_engine, session_scope, sqlite_writers


def _try_lock(path: str) -> bool:
    with open(path, "a+b") as other:
        try:
            fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(other.fileno(), fcntl.LOCK_UN)
        return True


def test_a_write_waits_for_the_other_process_and_then_commits(tmp_path: Path):
    database = tmp_path / "council.db"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as db:
        db.execute(text("CREATE TABLE note (body TEXT)"))
    lock_path = f"{database}-writers"

    def write() -> None:
        with session_scope(engine, write=True) as session:
            session.execute(text("INSERT INTO note VALUES ('from the web')"))

    with open(lock_path, "a+b") as other_process:
        fcntl.flock(other_process.fileno(), fcntl.LOCK_EX)
        writer = threading.Thread(target=write)
        writer.start()
        writer.join(timeout=1.0)
        # Still queued at the flock, not polling SQLite's lock nor writing past it.
        assert writer.is_alive()
        fcntl.flock(other_process.fileno(), fcntl.LOCK_UN)
    writer.join(timeout=30)
    assert not writer.is_alive()
    with engine.connect() as db:
        assert db.execute(text("SELECT body FROM note")).scalars().all() == ["from the web"]
    # Released after the commit: the next process gets it at once.
    assert _try_lock(lock_path)
    engine.dispose()


def test_reads_take_no_lock_and_a_failed_write_releases_it(tmp_path: Path):
    database = tmp_path / "council.db"
    engine = make_engine(f"sqlite:///{database}")
    lock_path = f"{database}-writers"
    with open(lock_path, "a+b") as other_process:
        fcntl.flock(other_process.fileno(), fcntl.LOCK_EX)
        with session_scope(engine) as session:  # a read goes on beside a writer
            assert session.execute(text("SELECT 1")).scalar_one() == 1
    with pytest.raises(OperationalError), session_scope(engine, write=True) as session:
        session.execute(text("SELECT * FROM no_such_table"))
    assert _try_lock(lock_path)
    engine.dispose()


def test_nested_turns_keep_the_lock_until_the_outermost_ends(tmp_path: Path):
    path = str(tmp_path / "council.db")
    writers = sqlite_writers(path)
    assert writers.acquire() and writers.acquire()
    writers.release()
    assert not _try_lock(f"{path}-writers")
    writers.release()
    assert _try_lock(f"{path}-writers")


def test_an_in_memory_database_needs_no_lock_file(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    engine = make_engine("sqlite://")
    with session_scope(engine, write=True) as session:
        session.execute(text("SELECT 1"))
    assert list(tmp_path.iterdir()) == []
