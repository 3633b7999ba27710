"""The database goes away: the comment form comes back with the person's text and a
clear "please try again" (503), /healthz says 503, and nothing half-written remains.

Real faults, no mocks: a PostgreSQL address where nothing listens, an SQLite file that
cannot be opened, and a TCP proxy that cuts the connection exactly when the COMMIT of
the comment is on its way to PostgreSQL.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from participation.app import create_app
from participation.contributions.models import Contribution
from participation.db import make_engine, session_scope
from participation.settings import Settings
from participation.web.csrf import new_token
from tests.conftest import PUBLIC_BASE, TEST_SECRET, TEST_TWILIO_TOKEN
from tests.factories import make_consultation, soup

TEXT = "Bitte mehr Bänke am Marktplatz – und Schatten für die Älteren! 🌳"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: nothing listens


def _post_comment(client: TestClient, slug: str, **headers: str):
    token = new_token(TEST_SECRET, {})
    data = {"csrf_token": token, "body": TEXT, "pseudonym": "Anna"}
    return client.post(
        f"/en/c/{slug}/contribute", data=data, headers=headers, follow_redirects=False
    )


def _assert_try_again(response) -> None:
    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"
    page = soup(response.text)
    assert page.find("textarea", attrs={"name": "body"}).get_text() == TEXT
    assert page.find("input", attrs={"name": "pseudonym"})["value"] == "Anna"
    assert "try again" in page.find(class_="error-summary").get_text().lower()


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(lambda tmp: f"postgresql+psycopg://127.0.0.1:{_closed_port()}/x", id="pg"),
        pytest.param(lambda tmp: f"sqlite:///{tmp}/no/such/dir/db.sqlite", id="sqlite"),
    ],
)
def test_unreachable_database_gives_the_text_back(tmp_path, url):
    settings = Settings(
        database_url=url(tmp_path),
        secret_key=TEST_SECRET,
        public_base_url=PUBLIC_BASE,
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=TEST_TWILIO_TOKEN,
    )
    with TestClient(create_app(settings), base_url=PUBLIC_BASE) as client:
        _assert_try_again(_post_comment(client, "marktplatz"))
        # With htmx the form alone comes back, to be swapped in place.
        fragment = _post_comment(client, "marktplatz", **{"HX-Request": "true"})
        _assert_try_again(fragment)
        assert "<html" not in fragment.text
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json() == {"status": "unavailable", "database": False}
        # Twilio gets a 5xx, so its retry and the fallback URL apply; nothing is lost.
        from tests.channels.sms.conftest import send_sms

        assert send_sms(client, "4711 Bitte mehr Bänke").status >= 500
        # Pages that only read say so too, with a proper page and status.
        page = client.get("/en/")
        assert page.status_code == 503
        assert "try again" in page.text.lower()


class CuttingProxy:
    """Forwards TCP to PostgreSQL; cuts the connection when a COMMIT is about to pass."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.cut_on_commit = False
        self.cuts = 0
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, to_server: bool) -> None:
        try:
            while data := source.recv(65536):
                if to_server and self.cut_on_commit and b"COMMIT" in data:
                    self.cuts += 1
                    break  # the COMMIT never reaches the server
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def close(self) -> None:
        self._stop = True
        self.server.close()


@contextmanager
def cutting_proxy(port: int) -> Iterator[CuttingProxy]:
    proxy = CuttingProxy(port)
    try:
        yield proxy
    finally:
        proxy.close()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_connection_lost_at_commit_leaves_nothing_half_written(engine, settings, backend):
    consultation = make_consultation(engine, poll=["yes", "no"])
    url = engine.url
    with cutting_proxy(url.port or 5432) as proxy:
        proxied = make_engine(
            url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        )
        app = create_app(settings.with_(database_url=str(proxied.url)), proxied)
        with TestClient(app, base_url=PUBLIC_BASE) as client:
            # Through the proxy all is well at first: the page reads fine.
            assert client.get(f"/de/c/{consultation.slug}").status_code == 200
            proxy.cut_on_commit = True
            _assert_try_again(_post_comment(client, consultation.slug))
            assert proxy.cuts == 1
            proxy.cut_on_commit = False
            # The app recovers by itself: the pool drops the dead connection.
            stored = _post_comment(client, consultation.slug)
            assert stored.status_code == 303
        proxied.dispose()
    with session_scope(engine) as session:
        rows = session.exec(select(Contribution)).all()
    # Only the second try is stored: the first one left no row, no vote, no half.
    assert [row.body for row in rows] == [TEXT]
