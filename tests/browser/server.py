"""A live server for the browser tests and the screenshot script.

uvicorn serves the real app on 127.0.0.1 (a free port) in a thread of this process, on a
fresh SQLite file seeded with the demo data, so Chromium talks HTTP to exactly what a
resident would reach.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import uvicorn
from sqlalchemy.engine import Engine

from participation import tables
from participation.accounts.service import get_by_email
from participation.app import create_app
from participation.clock import utcnow
from participation.consultations import service as consultations
from participation.consultations.models import Consultation
from participation.contributions.models import Channel
from participation.contributions.service import Submission, submit_contribution
from participation.db import make_engine, session_scope
from participation.demo import DEMO_ADMIN, seed_demo
from participation.moderation.service import approve
from participation.settings import Settings

SECRET = "browser-test-secret-key-not-for-production"


@dataclass
class LiveServer:
    base_url: str
    engine: Engine
    settings: Settings
    server: uvicorn.Server
    thread: threading.Thread

    def url(self, path: str) -> str:
        return self.base_url + path

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.engine.dispose()


def add_test_data(engine: Engine) -> None:
    """Beyond the demo: a closed consultation with more comments than fit on one page."""
    with session_scope(engine, write=True) as session:
        admin = get_by_email(session, DEMO_ADMIN[0])
        now = utcnow()
        closed = Consultation(
            slug="radweg-bahnhof",
            code="4720",
            is_published=True,
            opens_at=now - timedelta(days=60),
            closes_at=now - timedelta(days=2),
        )
        session.add(closed)
        session.flush()
        consultations.save_text(
            session,
            closed,
            "de",
            title="Radweg zum Bahnhof",
            summary="Wo soll der neue Radweg zum Bahnhof entlangführen?",
            body_md="Die Beteiligung ist beendet. Der Rat wertet die Beiträge aus.",
        )
        consultations.save_text(
            session,
            closed,
            "en",
            title="Cycle path to the station",
            summary="Where should the new cycle path to the station run?",
            body_md="The consultation has ended. The council is evaluating the comments.",
        )
        closes_at = closed.closes_at
        closed.closes_at = None
        for number in range(1, 27):
            submitted = submit_contribution(
                session,
                Submission(
                    consultation=closed,
                    body=f"Beitrag Nummer {number}: Bitte den Radweg an der Bahnhofstraße bauen!",
                    channel=Channel.web,
                    locale="de",
                    pseudonym=f"Radler {number}",
                ),
            )
            approve(session, submitted.contribution, admin.id)  # type: ignore[union-attr]
        closed.closes_at = closes_at
        session.add(closed)


def start_server(directory: Path, *, extra_data: bool = False) -> LiveServer:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    database_url = f"sqlite:///{directory / 'browser.db'}"
    engine = make_engine(database_url)
    tables.metadata.create_all(engine)
    with session_scope(engine, write=True) as session:
        seed_demo(session)
    if extra_data:
        add_test_data(engine)
    settings = Settings(
        database_url=database_url,
        secret_key=SECRET,
        public_base_url=base_url,
    )
    app = create_app(settings, engine)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", ws="none")
    server = uvicorn.Server(config)
    # The socket is bound before the app exists, so the app knows its own address.
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    return LiveServer(base_url, engine, settings, server, thread)
