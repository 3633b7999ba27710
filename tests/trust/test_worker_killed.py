"""The outbox survives a worker killed mid-send (SIGKILL, no chance to clean up): no
message is lost, and none is sent twice to the same person, even when Twilio took the
message just before the worker died. The worker is the real `participation worker`
process; Twilio is the fake REST API from tests/fakes, answering on 127.0.0.1.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import ThreadingHTTPServer

from sqlmodel import select

from participation import housekeeping
from participation.clock import set_now, utcnow
from participation.db import session_scope
from participation.outbox import worker
from participation.outbox.models import OutboundMessage, OutboundStatus
from participation.outbox.service import enqueue_sms
from tests.conftest import TEST_SECRET
from tests.fakes.twilio_api import FakeTwilioApi, SentRequest, _handler
from tests.trust.live import app_environment

MESSAGES = 12
HOLD_AT = 5


class HoldingTwilioApi(FakeTwilioApi):
    """Holds one request open, so the worker can be killed exactly there.

    ``accept_first``: Twilio has accepted the message (it will be delivered) when the
    worker dies; otherwise the request dies with the worker before Twilio took it.
    """

    def __init__(self, accept_first: bool) -> None:
        super().__init__()
        self.accept_first = accept_first
        self.holding = threading.Event()
        self.release = threading.Event()
        self.seen = 0

    def _answer(self, request: SentRequest) -> tuple[int, dict]:
        with self.lock:
            self.seen += 1
            hold = self.seen == HOLD_AT
        if hold and not self.accept_first:
            self.holding.set()
            self.release.wait(30)
            return 500, {"code": None, "message": "connection lost", "status": 500}
        answer = super()._answer(request)
        if hold:
            self.holding.set()
            self.release.wait(30)
        return answer


@contextmanager
def fake_twilio(accept_first: bool) -> Iterator[HoldingTwilioApi]:
    api = HoldingTwilioApi(accept_first)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    server.daemon_threads = True
    api.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        api.release.set()
        server.shutdown()
        server.server_close()


def _numbers() -> list[str]:
    return [f"+4915120000{n:03d}" for n in range(MESSAGES)]


def _queue(engine) -> None:
    with session_scope(engine, write=True) as session:
        for n, number in enumerate(_numbers()):
            enqueue_sms(session, TEST_SECRET, number, f"Ergebnis {n}", idempotency_key=f"k{n}")


def _kill_worker_mid_send(database_url: str, api: HoldingTwilioApi) -> None:
    env = app_environment(
        database_url, "https://beteiligung.musterstadt.example", TWILIO_API_BASE=api.base_url
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "participation.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        assert api.holding.wait(60), "the worker never reached the held request: " + (
            process.stderr.read().decode() if process.poll() is not None else ""
        )
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        assert process.returncode == -signal.SIGKILL
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        api.release.set()


def _restart_after_the_lease(engine, settings, api: HoldingTwilioApi) -> None:
    # The dead worker's claims are leased; a new worker takes them once the lease ends.
    set_now(utcnow() + worker.LEASE + timedelta(seconds=1))
    worker_settings = settings.with_(twilio_api_base=api.base_url)
    housekeeping.run_worker(worker_settings, once=True, engine=engine)


def _outcome(engine, api: HoldingTwilioApi) -> tuple[Counter, list[OutboundMessage]]:
    with session_scope(engine) as session:
        rows = list(session.exec(select(OutboundMessage)).all())
    return Counter(r.form["To"] for r in api.accepted), rows


def test_killed_before_twilio_took_the_message(engine, database_url, settings):
    _queue(engine)
    with fake_twilio(accept_first=False) as api:
        _kill_worker_mid_send(database_url, api)
        before = Counter(r.form["To"] for r in api.accepted)
        assert sum(before.values()) == HOLD_AT - 1  # four went out before the kill
        _restart_after_the_lease(engine, settings, api)
        sent, rows = _outcome(engine, api)
    assert set(sent) == set(_numbers()), "a message was lost"
    assert max(sent.values()) == 1, f"sent twice: {[n for n, c in sent.items() if c > 1]}"
    assert all(row.status is OutboundStatus.sent for row in rows)


def test_killed_after_twilio_took_the_message(engine, database_url, settings):
    """The claim stamped the attempt before the request left; the next worker finds the
    stamp, asks Twilio's message list and adopts the message instead of sending it again."""
    _queue(engine)
    with fake_twilio(accept_first=True) as api:
        _kill_worker_mid_send(database_url, api)
        assert len(api.accepted) == HOLD_AT  # the fifth went out; the worker never knew
        taken_before_the_kill = api.accepted[-1]
        _restart_after_the_lease(engine, settings, api)
        sent, rows = _outcome(engine, api)
        # Every message the dead worker had claimed but not recorded was looked up once.
        assert len(api.lookups) == MESSAGES - (HOLD_AT - 1)
    assert set(sent) == set(_numbers()), "a message was lost"
    assert max(sent.values()) == 1, f"sent twice: {[n for n, c in sent.items() if c > 1]}"
    assert all(row.status is OutboundStatus.sent for row in rows)
    assert all(row.unconfirmed_since is None for row in rows)
    [adopted] = [row for row in rows if row.body == taken_before_the_kill.form["Body"]]
    assert adopted.provider_sid == taken_before_the_kill.sid
    assert adopted.attempts == 2
