"""The path-prefix fallback: on the installation's own host, /c/<slug>/... is that
council's site, and every address in its answers keeps the prefix."""

from __future__ import annotations

import dataclasses
import secrets
import xml.etree.ElementTree as ET
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from participation.accounts.models import Role
from participation.contributions.models import Contribution
from participation.councils.service import (
    add_host,
    add_number,
    by_slug,
    create_council,
    set_twilio_account,
)
from participation.db import session_scope
from tests.channels.sms.conftest import signature, twilio_params
from tests.conftest import PUBLIC_BASE, TEST_SECRET
from tests.factories import (
    STAFF_PASSWORD,
    csrf_token,
    make_consultation,
    make_contribution,
    make_staff,
    soup,
)

PREFIX = "/c/beispieldorf"
B_NUMBER = "+493023125516"
B_TOKEN = "beispieldorf-own-token-0123456789"
RESIDENT = "+4915111111111"
#: Attributes that hold an address the browser (or htmx) follows.
ADDRESSES = ("href", "src", "action", "poster", "hx-get", "hx-post", "hx-push-url", "data-src")


@pytest.fixture
def councils(app, engine):
    """The first council on its own host; Beispieldorf without one: its address is the
    installation's host (PUBLIC_BASE_URL) with /c/beispieldorf/."""
    with session_scope(engine, write=True) as session:
        add_host(session, by_slug(session, "council"), "musterstadt.localhost")
        other = create_council(session, "beispieldorf", "Gemeinde Beispieldorf").id
    app.state.councils.expire()
    ours = make_consultation(engine, title="Marktplatz Musterstadt", council_id=1)
    theirs = make_consultation(
        engine, title="Dorfteich Beispieldorf", council_id=other, poll=["Ja", "Nein"]
    )
    make_contribution(engine, theirs)
    return ours, theirs, other


def _addresses(response) -> list[str]:
    found = [response.headers["location"]] if "location" in response.headers else []
    if response.headers.get("content-type", "").startswith("text/html"):
        for element in soup(response.text).find_all(True):
            found += [element[name] for name in ADDRESSES if element.has_attr(name)]
    return found


def _ours(address: str) -> str | None:
    """The path of an address on this site, None for one elsewhere (tel:, mailto:, #)."""
    if address.startswith(("#", "tel:", "mailto:", "data:")):
        return None
    parts = urlsplit(address)
    if parts.scheme and parts.netloc != urlsplit(PUBLIC_BASE).netloc:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _walk(client: TestClient, starts: list[str], limit: int = 80) -> list[str]:
    """Follows every link of the pages under the prefix (German ones, and the files they
    name); asserts that each address in each answer keeps the prefix."""
    seen, queue, wrong = set(starts), deque(starts), []
    while queue and len(seen) <= limit:
        path = queue.popleft()
        response = client.get(path, follow_redirects=False)
        assert response.status_code < 500, path
        for address in _addresses(response):
            target = _ours(urljoin(path, address))
            if target is None:
                continue
            if not target.startswith(PREFIX + "/"):
                wrong.append(f"{path} -> {address}")
            elif target.startswith((PREFIX + "/de/", PREFIX + "/static/")) and "logout" not in (
                target
            ):
                key = target.split("#")[0]
                if key not in seen:
                    seen.add(key)
                    queue.append(key)
    assert not wrong, wrong
    return sorted(seen)


def test_the_public_pages_under_the_prefix_keep_it_in_every_address(app, councils):
    _first, theirs, _b = councils
    with TestClient(app, base_url=PUBLIC_BASE) as client:
        first = client.get(PREFIX + "/", follow_redirects=False)
        assert first.status_code == 307 and first.headers["location"] == PREFIX + "/de/"
        assert client.get(PREFIX, follow_redirects=False).headers["location"] == PREFIX + "/"
        home = client.get(PREFIX + "/de/")
        assert "Dorfteich Beispieldorf" in home.text and "Marktplatz" not in home.text
        walked = _walk(client, [PREFIX + "/de/", f"{PREFIX}/de/c/{theirs.slug}/poster"])
    # The walk reached the consultation, its results, the site pages and the login.
    for expected in (f"/de/c/{theirs.slug}", "/de/p/privacy", "/de/staff/login", "/static/"):
        assert any(path.startswith(PREFIX + expected) for path in walked), expected


def test_a_poster_prints_the_councils_address_with_its_prefix(app, councils):
    _first, theirs, _b = councils
    with TestClient(app, base_url=PUBLIC_BASE) as client:
        poster = client.get(f"{PREFIX}/de/c/{theirs.slug}/poster")
    assert f"{PUBLIC_BASE}{PREFIX}/de/c/{theirs.slug}" in poster.text
    assert f"{PREFIX}{PREFIX}" not in poster.text


def test_staff_log_in_and_send_a_form_under_the_prefix(app, engine, councils):
    _first, _theirs, b = councils
    admin = make_staff(engine, Role.admin, "admin@beispieldorf.example", council_id=b)
    with TestClient(app, base_url=PUBLIC_BASE) as client:
        # A staff page asks for the login, under the prefix, and comes back to itself.
        asked = client.get(PREFIX + "/de/staff/", follow_redirects=False)
        assert asked.headers["location"].startswith(PREFIX + "/de/staff/login?next=")
        token = csrf_token(client, PREFIX + "/de/staff/login")
        login = client.post(
            PREFIX + "/de/staff/login",
            data={
                "email": admin.email,
                "password": "correct horse battery staple",
                "csrf_token": "",
            },
            follow_redirects=False,
        )
        assert login.status_code == 403  # no token: refused, as anywhere
        login = client.post(
            PREFIX + "/de/staff/login?next=" + PREFIX + "/de/staff/look",
            data={"email": admin.email, "password": STAFF_PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert login.status_code == 303, login.text
        assert login.headers["location"].startswith(PREFIX + "/de/staff/")
        token = csrf_token(client, PREFIX + "/de/staff/look")
        saved = client.post(
            PREFIX + "/de/staff/look",
            data={"csrf_token": token, "accent_colour": "#1d5f3a"},
            follow_redirects=False,
        )
        assert saved.status_code == 303
        assert saved.headers["location"] == PREFIX + "/de/staff/look?saved=1"
        _walk(client, [PREFIX + "/de/staff/", PREFIX + "/de/staff/look"], limit=60)
        sheet = soup(client.get(PREFIX + "/de/").text).find(
            "link", href=lambda h: h and "council-style.css" in h
        )
        assert sheet["href"].startswith(PREFIX + "/council-style.css?v=")
        assert "#1d5f3a" in client.get(sheet["href"]).text
    with session_scope(engine) as session:
        assert by_slug(session, "beispieldorf").accent_colour == "#1d5f3a"
        assert by_slug(session, "council").accent_colour == ""


def test_an_unknown_slug_gets_the_plain_404_naming_no_council(app, councils):
    with TestClient(app, base_url=PUBLIC_BASE) as client:
        for path in ("/c/nirgendwo/de/", "/c/nirgendwo/", "/c/nirgendwo"):
            response = client.get(path, follow_redirects=False)
            assert response.status_code == 404
            assert "Beispieldorf" not in response.text and "Musterstadt" not in response.text
    # A council's own host has no prefixes: /c/ there is its own 404.
    with TestClient(app, base_url="https://musterstadt.localhost") as own:
        assert own.get(PREFIX + "/de/").status_code == 404


def test_one_councils_prefix_cannot_reach_anothers_rows(app, engine, councils):
    ours, theirs, _b = councils
    contribution = make_contribution(engine, ours)
    with TestClient(app, base_url=PUBLIC_BASE) as client:
        assert client.get(f"{PREFIX}/de/c/{ours.slug}").status_code == 404
        assert client.get(f"/c/council/de/c/{theirs.slug}").status_code == 404
        assert "Marktplatz" in client.get(f"/c/council/de/c/{ours.slug}").text
        status = client.get(f"{PREFIX}/de/r/{contribution.reference}")
        assert contribution.body not in status.text


def test_a_kept_page_of_the_prefix_is_not_served_without_it(engine, settings, councils):
    from participation.app import create_app

    app = create_app(settings.with_(page_cache_seconds=60), engine)
    _ours, theirs, _b = councils
    with TestClient(app, base_url=PUBLIC_BASE) as client:
        prefixed = client.get(f"{PREFIX}/de/c/{theirs.slug}")
        assert prefixed.status_code == 200
        # Without the prefix this host is no council's.
        assert client.get(f"/de/c/{theirs.slug}").status_code == 404
    with TestClient(app, base_url="https://musterstadt.localhost") as other:
        assert other.get(f"/de/c/{theirs.slug}").status_code == 404


@pytest.fixture
def numbered(app, engine, councils):
    with session_scope(engine, write=True) as session:
        add_number(session, by_slug(session, "beispieldorf"), B_NUMBER)
        set_twilio_account(session, "beispieldorf", "AC" + "b" * 32, B_TOKEN, TEST_SECRET)
    app.state.councils.expire()
    return councils


def _sms(client, path: str, signed_url: str, body: str = "4711 Ein Steg am Teich"):
    params = {**twilio_params(body, RESIDENT, "SM" + secrets.token_hex(16)), "To": B_NUMBER}
    headers = {"X-Twilio-Signature": signature(signed_url, params, B_TOKEN)}
    return client.post(path, data=params, headers=headers)


def _texts(engine, consultation_id: int) -> list[str]:
    with session_scope(engine) as session:
        query = select(Contribution.body).where(Contribution.consultation_id == consultation_id)
        return list(session.exec(query).all())


def test_twilio_signs_the_prefixed_address_and_only_that_is_accepted(client, engine, numbered):
    _ours, theirs, _b = numbered
    before = _texts(engine, theirs.id)
    path = PREFIX + "/twilio/sms"
    code = theirs.code
    unprefixed = _sms(client, path, PUBLIC_BASE + "/twilio/sms", f"{code} ohne Präfix")
    assert unprefixed.status_code == 403
    wrong_council = _sms(client, "/c/council/twilio/sms", PUBLIC_BASE + "/c/council/twilio/sms")
    assert wrong_council.status_code == 404
    accepted = _sms(client, path, PUBLIC_BASE + path, f"{code} Ein Steg am Teich")
    assert accepted.status_code == 200
    assert _texts(engine, theirs.id) == [*before, "Ein Steg am Teich"]


def test_the_phone_lines_next_steps_keep_the_prefix(client, numbered):
    params = {
        "CallSid": "CA" + secrets.token_hex(16),
        "AccountSid": "AC" + "b" * 32,
        "From": RESIDENT,
        "To": B_NUMBER,
        "CallStatus": "ringing",
        "Direction": "inbound",
    }
    url = PUBLIC_BASE + PREFIX + "/twilio/voice"
    answer = client.post(
        PREFIX + "/twilio/voice",
        data=params,
        headers={"X-Twilio-Signature": signature(url, params, B_TOKEN)},
    )
    assert answer.status_code == 200, answer.text
    actions = [
        element.get("action")
        for element in ET.fromstring(answer.text).iter()  # noqa: S314 - our own TwiML
        if element.get("action")
    ]
    assert actions and all(a.startswith(PUBLIC_BASE + PREFIX + "/twilio/voice/") for a in actions)


def test_a_login_under_one_prefix_is_no_login_under_another(app, engine, councils):
    _first, _theirs, b = councils
    admin = make_staff(engine, Role.admin, council_id=b)
    first_admin = make_staff(engine, Role.admin)
    with TestClient(app, base_url=PUBLIC_BASE) as client:
        token = csrf_token(client, PREFIX + "/de/staff/login")
        login = client.post(
            PREFIX + "/de/staff/login",
            data={"email": admin.email, "password": STAFF_PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert login.status_code == 303
        cookie = login.headers["set-cookie"]
        assert cookie.startswith("staff_session-beispieldorf=") and f"path={PREFIX}/;" in cookie
        assert client.get(PREFIX + "/de/staff/", follow_redirects=False).status_code == 200
        elsewhere = client.get("/c/council/de/staff/", follow_redirects=False)
        assert (
            elsewhere.status_code == 303
            and "/c/council/de/staff/login" in (elsewhere.headers["location"])
        )
        # Logging in to the other council there leaves this login as it was.
        token = csrf_token(client, "/c/council/de/staff/login")
        other = client.post(
            "/c/council/de/staff/login",
            data={"email": first_admin.email, "password": STAFF_PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert other.status_code == 303
        assert client.get(PREFIX + "/de/staff/", follow_redirects=False).status_code == 200
        assert client.get("/c/council/de/staff/", follow_redirects=False).status_code == 200


def test_the_open_data_api_under_the_prefix_names_the_prefixed_server(app, councils):
    _first, theirs, _b = councils
    with TestClient(app, base_url=PUBLIC_BASE) as client:
        document = client.get(PREFIX + "/api/v1/openapi.json").json()
        assert document["servers"] == [{"url": PUBLIC_BASE + PREFIX}]
        listed = client.get(PREFIX + "/api/v1/consultations").json()
        assert theirs.slug in str(listed) and "Marktplatz" not in str(listed)
        missing = client.get(PREFIX + "/api/v1/consultations/nirgendwo")
        assert missing.status_code == 404 and missing.headers["content-type"].startswith(
            "application/json"
        )


def test_a_suspended_council_under_its_prefix_shows_its_notice_with_its_style(
    app, engine, councils
):
    from participation.councils.models import CouncilStatus
    from participation.councils.service import configure, set_status

    with session_scope(engine, write=True) as session:
        configure(session, "beispieldorf", {"accent_colour": "#1d5f3a"})
        set_status(session, "beispieldorf", CouncilStatus.suspended, "Die Beteiligung ruht.")
    app.state.councils.expire()
    with TestClient(app, base_url=PUBLIC_BASE) as client:
        page = client.get(PREFIX + "/de/")
        assert page.status_code == 503 and "Die Beteiligung ruht." in page.text
        sheets = [link["href"] for link in soup(page.text).find_all("link", rel="stylesheet")]
        assert sheets and all(href.startswith(PREFIX + "/") for href in sheets)
        assert all(client.get(href).status_code == 200 for href in sheets)


def test_the_operators_reset_link_leads_to_the_councils_prefix(
    app, engine, settings, councils, monkeypatch, capsys
):
    from participation import cli

    _first, _theirs, b = councils
    admin = make_staff(engine, Role.admin, council_id=b)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("PUBLIC_BASE_URL", PUBLIC_BASE)
    assert cli.main(["reset-password", admin.email, "--link"]) == 0
    link = capsys.readouterr().out.splitlines()[0]
    assert link.startswith(PUBLIC_BASE + PREFIX + "/de/staff/password-reset/")
    with TestClient(app, base_url=PUBLIC_BASE) as client:
        assert client.get(link.removeprefix(PUBLIC_BASE)).status_code == 200


def test_the_operators_pages_never_answer_under_a_councils_prefix(app, councils):
    # The prefix is taken off before routing; the operator's pages must not come back
    # into reach below it, on the installation's host or any other.
    app.state.settings = dataclasses.replace(
        app.state.settings, operator_hosts=("betrieb.localhost",)
    )
    with TestClient(app, base_url=PUBLIC_BASE) as client:
        for path in ("/operator/de/login", "/operator/de/councils", "/operator"):
            response = client.get(PREFIX + path, follow_redirects=False)
            assert response.status_code == 404, path
            assert "Beispieldorf" not in response.text
