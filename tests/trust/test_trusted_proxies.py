"""The client address behind the documented nginx: X-Forwarded-For is believed only from
a peer listed in TRUSTED_PROXIES, and then its right-most address that is not a trusted
proxy is the client. Without this, every visitor had the proxy's address: 20 wrong
logins from anywhere locked every staff login for 15 minutes."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from participation.accounts import throttle
from participation.app import create_app
from participation.contributions.models import Status
from participation.db import session_scope
from participation.moderation import flags
from participation.settings import load_settings
from tests.conftest import PUBLIC_BASE, TEST_SECRET
from tests.factories import (
    STAFF_PASSWORD,
    csrf_token,
    make_consultation,
    make_contribution,
    make_staff,
)
from tests.trust.live import served

NGINX = ("127.0.0.1", 41000)


def _through(app, forwarded_for: str | None, peer=NGINX) -> TestClient:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return TestClient(app, base_url=PUBLIC_BASE, client=peer, headers=headers)


def _attempt(client: TestClient, email: str, password: str) -> int:
    token = csrf_token(client, "/en/staff/login")
    return client.post(
        "/en/staff/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    ).status_code


def _keys(engine) -> set[str]:
    with session_scope(engine) as session:
        return {row.key for row in session.exec(select(throttle.LoginThrottle)).all()}


def _key(host: str) -> str:
    return throttle.address_key(TEST_SECRET, host)


@pytest.fixture
def proxied_app(settings, engine):
    return create_app(settings.with_(trusted_proxies=("127.0.0.1", "10.0.0.0/8")), engine)


def test_one_guesser_behind_the_proxy_does_not_lock_out_the_staff(proxied_app, engine):
    staff = make_staff(engine)
    guesser = _through(proxied_app, "203.0.113.7")
    for n in range(throttle.ADDRESS_MAX_FAILURES):
        assert _attempt(guesser, f"guess{n}@example.org", "wrong password 1234") == 401
    assert _attempt(guesser, staff.email, STAFF_PASSWORD) == 401  # that address is locked
    colleague = _through(proxied_app, "198.51.100.20")
    assert _attempt(colleague, staff.email, STAFF_PASSWORD) == 303
    assert _keys(engine) == {_key("203.0.113.7")}


def test_the_right_most_untrusted_address_is_the_client(proxied_app, engine):
    # The client wrote "192.0.2.1" itself; nginx appended the address it really saw,
    # and a second proxy of ours (10.1.2.3) passed it on.
    client = _through(proxied_app, "192.0.2.1, 203.0.113.8, 10.1.2.3")
    _attempt(client, "nobody@example.org", "wrong password 1234")
    assert _keys(engine) == {_key("203.0.113.8")}


def test_a_forwarded_header_from_an_untrusted_peer_is_ignored(proxied_app, engine):
    # Someone talking to the app directly cannot pick an address per request.
    direct = _through(proxied_app, "203.0.113.9", peer=("198.51.100.77", 5000))
    _attempt(direct, "nobody@example.org", "wrong password 1234")
    assert _keys(engine) == {_key("198.51.100.77")}


def test_by_default_nobody_is_trusted(client, engine):
    forged = TestClient(
        client.app,
        base_url=PUBLIC_BASE,
        client=NGINX,
        headers={"X-Forwarded-For": "203.0.113.10"},
    )
    _attempt(forged, "nobody@example.org", "wrong password 1234")
    assert _keys(engine) == {_key("127.0.0.1")}


def test_the_report_limit_counts_the_forwarded_client(proxied_app, engine, monkeypatch):
    seen = []
    original = flags.report_contribution

    def spy(session, **kwargs):
        seen.append(kwargs["client_address"])
        return original(session, **kwargs)

    monkeypatch.setattr(flags, "report_contribution", spy)
    consultation = make_consultation(engine)
    contribution = make_contribution(engine, consultation)
    with session_scope(engine, write=True) as session:
        contribution.status = Status.published
        session.add(contribution)
    reader = _through(proxied_app, "203.0.113.11")
    form = f"/en/c/{consultation.slug}/report/{contribution.reference}"
    response = reader.post(
        form,
        data={"csrf_token": csrf_token(reader, form), "reason": "advertising"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert seen == ["203.0.113.11"]


def test_trusted_proxies_setting_is_read_and_checked():
    settings = load_settings({"TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8 ::1", "SECRET_KEY": "k"})
    assert settings.trusted_proxies == ("127.0.0.1", "10.0.0.0/8", "::1")
    assert load_settings({"SECRET_KEY": "k"}).trusted_proxies == ()
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        load_settings({"TRUSTED_PROXIES": "nginx.local", "SECRET_KEY": "k"})


def test_forwarded_client_reads_from_the_right():
    from participation.web.proxy import forwarded_client, parse_networks

    ours = parse_networks(("127.0.0.1", "10.0.0.0/8", "::1"))
    assert forwarded_client("127.0.0.1", "203.0.113.1", ours) == "203.0.113.1"
    assert forwarded_client("::1", "2001:db8::7", ours) == "2001:db8::7"
    assert forwarded_client("::ffff:127.0.0.1", "203.0.113.1", ours) == "203.0.113.1"
    # What the client wrote itself (left) never wins over what our proxy saw (right).
    assert forwarded_client("127.0.0.1", "1.2.3.4, 203.0.113.2", ours) == "203.0.113.2"
    assert forwarded_client("127.0.0.1", "203.0.113.3, 10.0.0.5, 10.0.0.6", ours) == ("203.0.113.3")
    assert forwarded_client("127.0.0.1", "10.0.0.5", ours) == "10.0.0.5"  # all ours
    assert forwarded_client("127.0.0.1", " , ", ours) == "127.0.0.1"  # nothing usable
    assert forwarded_client("198.51.100.1", "203.0.113.4", ours) == "198.51.100.1"
    assert forwarded_client("198.51.100.1", "203.0.113.4", ()) == "198.51.100.1"


def _served(database_url: str, **env: str):
    # The page cache off, so that every request reaches the throttle.
    return served(database_url, PAGE_CACHE_SECONDS="0", **env)


def _wrong_login_over_http(base: str, forwarded_for: str) -> int:
    with httpx.Client(base_url=base, timeout=30) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/de/staff/login").text)
        assert token
        return client.post(
            "/de/staff/login",
            data={
                "email": "nobody@example.org",
                "password": "wrong password 1234",
                "csrf_token": token.group(1),
            },
            headers={"X-Forwarded-For": forwarded_for},
        ).status_code


@pytest.mark.parametrize("trusted", ["", "127.0.0.1"])
def test_the_served_app_believes_the_header_only_from_trusted_proxies(
    database_url, engine, trusted
):
    # Real HTTP from 127.0.0.1 (where the README's nginx sits) to the real server command:
    # neither uvicorn nor the app may take the header unless TRUSTED_PROXIES says so.
    with _served(database_url, TRUSTED_PROXIES=trusted) as base:
        assert _wrong_login_over_http(base, "203.0.113.99") == 401
    expected = "203.0.113.99" if trusted else "127.0.0.1"
    assert _keys(engine) == {_key(expected)}
