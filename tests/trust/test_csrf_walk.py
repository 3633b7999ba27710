"""No client-supplied field switches the CSRF check off, on any unsafe route.

Every unsafe route of the app (found by walking app.routes, the Mounts under /{lang}
included) gets every way around the check we could think of, once from an anonymous
visitor and once from a logged-in admin's browser (whose cookie rides along, as in a
forged request). Each must be refused and change nothing in the database. The two
routes that keep a person's text on an expired token declare so on the server; they
answer with the form, the text and a new token, and still store nothing. Twilio's
webhooks are checked by signature instead and refuse anything unsigned.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from participation import tables
from participation.accounts.models import Role, StaffUser
from participation.db import session_scope
from participation.web import csrf
from tests.conftest import PUBLIC_BASE, TEST_SECRET, TEST_TWILIO_TOKEN
from tests.factories import (
    STAFF_PASSWORD,
    csrf_token,
    login,
    make_consultation,
    make_contribution,
    make_staff,
    soup,
)
from tests.trust.routing import UNSAFE, FoundRoute, all_routes

MARK = "Mein Text soll bleiben 7391"
#: What a forged form would fill in, so a request that got through would store something.
PAYLOAD = {
    "body": MARK,
    "description": MARK,
    "page": "/de",
    "email": "neu.admin@evil.example",
    "name": "Eindringling",
    "role": "admin",
    "password": "a very long password 12345",
    "title": MARK,
    "answer": MARK,
    "reason": "spam",
    "text": MARK,
}
EVIL = "https://evil.example"
ROUTES_THAT_KEEP_TEXT = {"/{lang}/c/{slug}/contribute", "/{lang}/barrier-report"}


def snapshot(engine) -> dict[str, list]:
    """Every row of every table: a request that got through would change one."""
    with session_scope(engine) as session:
        return {
            table.name: sorted(repr(tuple(row)) for row in session.execute(select(table)))
            for table in tables.metadata.sorted_tables
        }


Bypass = Callable[[str], dict]


def bypasses(valid: str, foreign: str) -> dict[str, dict]:
    """name -> keyword arguments for client.request(): each a way around the check."""
    return {
        "soft flag, no token": {"data": {**PAYLOAD, "_soft_csrf": "1"}},
        "soft flag, empty token": {"data": {**PAYLOAD, "_soft_csrf": "1", "csrf_token": ""}},
        "soft flag, cross-site with a valid token": {
            "data": {**PAYLOAD, "_soft_csrf": "1", "csrf_token": valid},
            "headers": {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
        },
        "soft flag, cross-site, no token": {
            "data": {**PAYLOAD, "_soft_csrf": "1"},
            "headers": {"Origin": EVIL},
        },
        "soft flag as a header": {
            "data": PAYLOAD,
            "headers": {"X-Soft-CSRF": "1", "X-Requested-With": "XMLHttpRequest"},
        },
        "missing token": {"data": PAYLOAD},
        "empty token": {"data": {**PAYLOAD, "csrf_token": ""}},
        "forged token": {"data": {**PAYLOAD, "csrf_token": "forged"}},
        "token signed with another key": {
            "data": {**PAYLOAD, "csrf_token": csrf.new_token("another-secret", {})}
        },
        "token of another session": {"data": {**PAYLOAD, "csrf_token": foreign}},
        "two tokens, both wrong": {
            "content": f"csrf_token=&csrf_token=forged&body={MARK}&_soft_csrf=1".encode(),
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        },
        "valid token, foreign Origin": {
            "data": {**PAYLOAD, "csrf_token": valid},
            "headers": {"Origin": EVIL},
        },
        "valid token, Origin null": {
            "data": {**PAYLOAD, "csrf_token": valid},
            "headers": {"Origin": "null"},
        },
        "valid token, our host as a prefix": {
            "data": {**PAYLOAD, "csrf_token": valid},
            "headers": {"Origin": PUBLIC_BASE + ".evil.example"},
        },
        "valid token, our host as userinfo": {
            "data": {**PAYLOAD, "csrf_token": valid},
            "headers": {"Origin": PUBLIC_BASE.replace("://", "://x@") + "@evil.example"},
        },
        "valid token, Sec-Fetch-Site cross-site": {
            "data": {**PAYLOAD, "csrf_token": valid},
            "headers": {"Sec-Fetch-Site": "cross-site"},
        },
        "valid token, Sec-Fetch-Site same-site": {
            "data": {**PAYLOAD, "csrf_token": valid},
            "headers": {"Sec-Fetch-Site": "same-site"},
        },
        "token in the query string": {"data": PAYLOAD, "params": {"csrf_token": valid}},
        "token in the query string, soft flag too": {
            "data": PAYLOAD,
            "params": {"csrf_token": valid, "_soft_csrf": "1"},
        },
        "method override field": {"data": {**PAYLOAD, "_method": "GET"}},
        "method override header": {
            "data": PAYLOAD,
            "headers": {"X-HTTP-Method-Override": "GET", "X-Method-Override": "GET"},
        },
        "text/plain body": {
            "content": f"csrf_token={valid}&_soft_csrf=1&body={MARK}".encode(),
            "headers": {"Content-Type": "text/plain", "Origin": EVIL},
        },
        "JSON body": {
            "json": {**PAYLOAD, "csrf_token": valid, "_soft_csrf": "1"},
            "headers": {"Origin": EVIL},
        },
        "multipart, soft flag": {
            "data": {**PAYLOAD, "_soft_csrf": "1"},
            "files": {"upload": ("a.txt", b"x", "text/plain")},
        },
        "malformed multipart, soft flag": {
            "content": b'--zz\r\nContent-Disposition: form-data; name="_soft_csrf"\r\n\r\n1',
            "headers": {"Content-Type": "multipart/form-data; boundary=zz"},
        },
    }


@pytest.fixture
def world(engine):
    """Something behind every route id, so a request that got through would change it."""
    consultation = make_consultation(engine, poll=["ja", "nein"])
    contribution = make_contribution(engine, consultation)
    other = make_staff(engine, Role.moderator)
    return {"slug": consultation.slug, "id": str(contribution.id), "other": other}


def _path(found: FoundRoute, world: dict) -> str:
    return found.path(slug=world["slug"], id=world["id"])


def _unsafe(app) -> list[tuple[FoundRoute, str]]:
    return [
        (found, method)
        for found in all_routes(app)
        for method in found.methods
        # The operator's routes are walked on the operator's host (test_operator_access).
        if method in UNSAFE and not found.is_twilio and not found.is_operator
    ]


def _walk(app, engine, client: TestClient, valid: str, foreign: str, world: dict) -> list[str]:
    wrong = []
    routes = _unsafe(app)
    assert len(routes) >= 40, "the walk found too few unsafe routes"
    # The routes that keep text are exactly the ones the code marks (a new one is seen).
    marked = {f.template for f, _ in routes if csrf.keeps_text_marked(f.route.endpoint)}
    assert marked == ROUTES_THAT_KEEP_TEXT
    for found, method in routes:
        for name, request in bypasses(valid, foreign).items():
            response = client.request(
                method, _path(found, world), follow_redirects=False, **request
            )
            where = f"{method} {found.template} [{name}]"
            if response.status_code != 403:
                wrong.append(f"{where}: {response.status_code}")
                continue
            page = soup(response.text)
            form_text = page.find("textarea")
            cross_site = "Origin" in request.get("headers", {}) or "Sec-Fetch-Site" in request.get(
                "headers", {}
            )
            if cross_site and MARK in response.text:
                # A forged request must not get its text shown inside our page.
                wrong.append(f"{where}: cross-site text shown back")
            elif found.template in ROUTES_THAT_KEEP_TEXT and not cross_site and "data" in request:
                # Kept for the person, with a fresh token that the next send passes with.
                fresh = page.find("input", attrs={"name": "csrf_token"})
                if form_text is None or MARK not in form_text.get_text():
                    wrong.append(f"{where}: the text was not kept")
                elif fresh is None or not csrf.token_is_valid(
                    TEST_SECRET, _session_of(client), str(fresh["value"])
                ):
                    wrong.append(f"{where}: no fresh token")
    return wrong


def _session_of(client: TestClient) -> dict:
    """The signed session cookie's content, as the server reads it."""
    import base64
    import json

    from itsdangerous import TimestampSigner

    cookie = client.cookies.get("staff_session")
    if not cookie:
        return {}
    data = TimestampSigner(TEST_SECRET).unsign(cookie.encode())
    return json.loads(base64.b64decode(data))


def test_every_way_around_csrf_is_refused_for_anonymous_visitors(app, engine, world):
    with TestClient(app, base_url=PUBLIC_BASE) as client:
        valid = csrf_token(client, f"/de/c/{world['slug']}")
        with TestClient(app, base_url=PUBLIC_BASE) as admin:
            login(admin, engine, Role.admin)
            foreign = csrf_token(admin, "/de/staff/")
        before = snapshot(engine)
        wrong = _walk(app, engine, client, valid, foreign, world)
    assert wrong == []
    assert snapshot(engine) == before


def test_every_way_around_csrf_is_refused_for_a_logged_in_admin(app, engine, world):
    with TestClient(app, base_url=PUBLIC_BASE) as client:
        foreign_client = TestClient(app, base_url=PUBLIC_BASE)
        login(foreign_client, engine, Role.admin)
        foreign = csrf_token(foreign_client, "/de/staff/")
        login(client, engine, Role.admin)
        valid = csrf_token(client, "/de/staff/")
        before = snapshot(engine)
        wrong = _walk(app, engine, client, valid, foreign, world)
        # The anonymous token a public page carries is another session's token here.
        anonymous = csrf.new_token(TEST_SECRET, {})
        wrong += _walk(app, engine, client, valid, anonymous, world)
    assert wrong == []
    assert snapshot(engine) == before


def test_a_cross_site_post_with_the_soft_flag_cannot_create_an_admin(app, engine):
    with TestClient(app, base_url=PUBLIC_BASE) as client:
        login(client, engine, Role.admin)
        response = client.post(
            "/de/staff/accounts",
            data={
                "_soft_csrf": "1",
                "email": "eindringling@evil.example",
                "name": "Eindringling",
                "role": "admin",
                "password": "a very long password 12345",
            },
            headers={"Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
            follow_redirects=False,
        )
    assert response.status_code == 403
    with session_scope(engine) as session:
        emails = session.execute(select(StaffUser.email)).scalars().all()
    assert "eindringling@evil.example" not in emails


def test_login_csrf_with_the_soft_flag_does_not_log_the_victim_in(app, engine):
    attacker = make_staff(engine, Role.moderator)
    with TestClient(app, base_url=PUBLIC_BASE) as victim:
        response = victim.post(
            "/de/staff/login",
            data={"_soft_csrf": "1", "email": attacker.email, "password": STAFF_PASSWORD},
            headers={"Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
            follow_redirects=False,
        )
        assert response.status_code == 403
        assert victim.get("/de/staff/", follow_redirects=False).status_code == 303


def test_a_cross_site_barrier_report_is_refused_without_showing_its_text(app, engine, client):
    token = csrf_token(client, "/de/barrier-report")
    response = client.post(
        "/de/barrier-report",
        data={"_soft_csrf": "1", "csrf_token": token, "description": MARK, "page": "/de"},
        headers={"Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert MARK not in response.text
    assert snapshot(engine)["barrier_report"] == []


def test_an_expired_comment_form_comes_back_with_its_text_and_a_token_that_works(
    app, engine, client
):
    consultation = make_consultation(engine)
    before = snapshot(engine)
    refused = client.post(
        f"/de/c/{consultation.slug}/contribute",
        data={"csrf_token": "expired", "body": MARK},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert snapshot(engine) == before
    form = soup(refused.text).find("form", id="contribution-form")
    fields = {
        i["name"]: i.get("value", "")
        for i in form.find_all("input")
        if i.get("type") == "hidden" and i.get("name")
    }
    assert "_soft_csrf" not in fields
    fields["body"] = form.find("textarea", attrs={"name": "body"}).get_text()
    assert fields["body"] == MARK
    sent = client.post(f"/de/c/{consultation.slug}/contribute", data=fields, follow_redirects=False)
    assert sent.status_code == 303


def test_no_template_carries_a_field_that_switches_a_check_off():
    from pathlib import Path

    found = [
        str(path)
        for path in Path("templates").rglob("*.html")
        if "_soft_csrf" in path.read_text(encoding="utf-8")
    ]
    assert found == []


def test_twilio_webhooks_refuse_unsigned_requests_whatever_fields_they_carry(app, engine, client):
    valid = csrf_token(client, "/de/staff/login")
    before = snapshot(engine)
    twilio = [found for found in all_routes(app) if found.is_twilio]
    assert twilio
    wrong = []
    form = {
        "From": "+4915112345678",
        "Body": "4711 Test",
        "MessageSid": "SM" + "1" * 32,
        "CallSid": "CA" + "1" * 32,
        "_soft_csrf": "1",
        "csrf_token": valid,
    }
    # A signature made with someone else's token, and one for another URL.
    other_key = RequestValidator("another-token").compute_signature(
        PUBLIC_BASE + "/twilio/sms", form
    )
    other_url = RequestValidator(TEST_TWILIO_TOKEN).compute_signature(
        PUBLIC_BASE + "/elsewhere", form
    )
    for found in twilio:
        for method in found.methods:
            if method not in UNSAFE:
                continue
            for signature in (None, "", other_key, other_url):
                headers = {} if signature is None else {"X-Twilio-Signature": signature}
                response = client.request(method, found.path(), data=form, headers=headers)
                refused = (403, 404) if "{" in found.template else (403,)
                if response.status_code not in refused:
                    wrong.append(f"{method} {found.template} {signature!r}: {response.status_code}")
    assert wrong == []
    assert snapshot(engine) == before
