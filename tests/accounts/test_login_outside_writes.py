"""A login's password check (argon2id, tens of milliseconds and 64 MiB by design) runs
outside every write: on SQLite writers take turns at one lock, so a hash computed inside
a write transaction made every citizen's comment and every SMS wait behind wrong logins.

The test instruments the two places a write can hold others up, on each backend: the
SQLite writers' lock (db.SqliteWriters) and any transaction begun for writing
(session_scope(write=True)), and records, at every argon2 verification, whether the
verifying thread held either. Wrong logins run from several threads while comments are
being written, as they would arrive at a server.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import event
from sqlmodel import select
from starlette.testclient import TestClient

from participation.accounts import passwords, throttle
from participation.accounts.models import StaffUser
from participation.contributions.models import Contribution
from participation.db import _writers, session_scope
from tests.conftest import PUBLIC_BASE
from tests.factories import STAFF_PASSWORD, csrf_token, make_consultation, make_staff

LOGIN_CLIENTS = 6
ATTEMPTS_EACH = 4
COMMENTS = 8


class _Recorder:
    """Stands in for argon2's PasswordHasher: notes the lock state at each verify()."""

    def __init__(self, real, writer_depth, write_transactions) -> None:
        self.real = real
        self.writer_depth = writer_depth
        self.write_transactions = write_transactions
        self.verifies: list[tuple[bool, bool]] = []
        self.guard = threading.Lock()

    def verify(self, *args, **kwargs):
        me = threading.get_ident()
        seen = (self.writer_depth.get(me, 0) > 0, self.write_transactions.get(me, 0) > 0)
        with self.guard:
            self.verifies.append(seen)
        return self.real.verify(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self.real, name)


def test_no_password_is_verified_while_a_write_is_held(app, engine, monkeypatch):
    consultation = make_consultation(engine)
    victim = make_staff(engine)
    writer_depth: dict[int, int] = {}
    write_transactions: dict[int, int] = {}

    writers = _writers(engine)
    if writers is not None:  # SQLite: the lock every writer of every process queues at
        acquire, release = writers.acquire, writers.release

        def counted_acquire() -> bool:
            got = acquire()
            if got:
                me = threading.get_ident()
                writer_depth[me] = writer_depth.get(me, 0) + 1
            return got

        def counted_release() -> None:
            me = threading.get_ident()
            writer_depth[me] -= 1
            release()

        monkeypatch.setattr(writers, "acquire", counted_acquire)
        monkeypatch.setattr(writers, "release", counted_release)

    def began(conn) -> None:
        if conn.get_execution_options().get("sqlite_write"):
            me = threading.get_ident()
            write_transactions[me] = write_transactions.get(me, 0) + 1

    def ended(conn) -> None:
        me = threading.get_ident()
        if write_transactions.get(me):
            write_transactions[me] -= 1

    recorder = _Recorder(passwords._hasher, writer_depth, write_transactions)
    monkeypatch.setattr(passwords, "_hasher", recorder)
    listeners = [("begin", began), ("commit", ended), ("rollback", ended)]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:

        def wrong_logins(n: int) -> list[int]:
            # Each its own address, as separate people would be.
            client = TestClient(app, base_url=PUBLIC_BASE, client=(f"198.51.100.{n + 1}", 4000))
            statuses = []
            for attempt in range(ATTEMPTS_EACH):
                token = csrf_token(client, "/de/staff/login")
                email = victim.email if attempt % 2 else f"guess{n}-{attempt}@example.org"
                response = client.post(
                    "/de/staff/login",
                    data={"email": email, "password": "wrong password 1234", "csrf_token": token},
                )
                statuses.append(response.status_code)
            return statuses

        def comments() -> list[int]:
            client = TestClient(app, base_url=PUBLIC_BASE, client=("192.0.2.50", 5000))
            statuses = []
            for n in range(COMMENTS):
                token = csrf_token(client, f"/de/c/{consultation.slug}")
                response = client.post(
                    f"/de/c/{consultation.slug}/contribute",
                    data={"csrf_token": token, "body": f"Mehr Bäume, Nummer {n}"},
                    follow_redirects=False,
                )
                statuses.append(response.status_code)
            return statuses

        with ThreadPoolExecutor(LOGIN_CLIENTS + 1) as pool:
            logins = [pool.submit(wrong_logins, n) for n in range(LOGIN_CLIENTS)]
            written = pool.submit(comments)
            login_statuses = [s for f in logins for s in f.result()]
            comment_statuses = written.result()
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)

    assert set(login_statuses) == {401}
    assert set(comment_statuses) == {303}
    # Every attempt was checked (unknown e-mails against the stand-in hash, for equal time).
    assert len(recorder.verifies) == LOGIN_CLIENTS * ATTEMPTS_EACH
    held = [seen for seen in recorder.verifies if any(seen)]
    assert held == [], f"{len(held)} of {len(recorder.verifies)} verifications held a write"

    # The failures were still counted, in the short write after each check.
    with session_scope(engine) as session:
        user = session.get(StaffUser, victim.id)
        keys = session.exec(select(throttle.LoginThrottle)).all()
        stored = session.exec(select(Contribution)).all()
    # 12 wrong passwords on one account: the fifth locked it, the rest found it locked.
    assert user.locked_until is not None and user.failed_logins == 0
    assert len(keys) == LOGIN_CLIENTS and {k.failures for k in keys} == {ATTEMPTS_EACH}
    assert len(stored) == COMMENTS


def test_a_right_password_still_logs_in(client, engine):
    user = make_staff(engine)
    token = csrf_token(client, "/de/staff/login")
    response = client.post(
        "/de/staff/login",
        data={"email": user.email, "password": STAFF_PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
