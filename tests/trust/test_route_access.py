"""Every route of the app, found by walking app.routes: staff routes refuse anonymous
visitors and roles they are not meant for; every unsafe request needs a CSRF token
(Twilio's webhooks a valid signature instead). Routes added later are covered too."""

from __future__ import annotations

from sqlalchemy import func, select
from starlette.testclient import TestClient

from participation import tables
from participation.accounts.models import Role
from participation.db import session_scope
from tests.conftest import PUBLIC_BASE
from tests.factories import csrf_token, login
from tests.trust.routing import UNSAFE, all_routes


def _row_counts(engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in tables.metadata.sorted_tables
        }


def _staff_client(app, engine, role: Role) -> tuple[TestClient, str]:
    client = TestClient(app, base_url=PUBLIC_BASE)
    login(client, engine, role)
    return client, csrf_token(client, "/de/staff/")


def test_the_walk_finds_the_app_routes(app):
    templates = {found.template for found in all_routes(app)}
    # A walk that found nothing would make every test below pass vacuously.
    assert {"/{lang}/staff/moderation", "/{lang}/c/{slug}/contribute", "/healthz"} <= templates
    assert len(templates) >= 15


def test_every_staff_route_declares_its_roles(app):
    unguarded = [
        f"{found.template} {found.methods}"
        for found in all_routes(app)
        if found.is_staff and not found.allowed_roles
    ]
    assert unguarded == [], "staff routes without @requires_role"


def test_staff_routes_refuse_anonymous_requests(app, engine, client):
    token = csrf_token(client, "/de/staff/login")
    before = _row_counts(engine)
    wrong = []
    checked = 0
    for found in all_routes(app):
        if not found.allowed_roles:
            continue
        for method in found.methods:
            checked += 1
            data = {"csrf_token": token} if method in UNSAFE else None
            response = client.request(method, found.path(), data=data, follow_redirects=False)
            if method == "GET":
                ok = response.status_code == 303 and "/staff/login" in response.headers.get(
                    "location", ""
                )
            else:
                ok = response.status_code == 401
            if not ok:
                wrong.append(f"{method} {found.template}: {response.status_code}")
    assert checked >= 8
    assert wrong == []
    assert _row_counts(engine) == before


def test_staff_routes_refuse_roles_they_are_not_for(app, engine):
    before = None
    wrong = []
    checked = 0
    for role in Role:
        client, token = _staff_client(app, engine, role)
        before = before or _row_counts(engine)
        with client:
            for found in all_routes(app):
                roles = found.allowed_roles
                if not roles or role in roles:
                    continue
                for method in found.methods:
                    checked += 1
                    data = {"csrf_token": token} if method in UNSAFE else None
                    response = client.request(
                        method, found.path(), data=data, follow_redirects=False
                    )
                    if response.status_code != 403:
                        wrong.append(f"{role} {method} {found.template}: {response.status_code}")
    assert checked >= 5
    assert wrong == []
    after = _row_counts(engine)
    # Logging in the three test accounts writes their rows and nothing else.
    assert {k: v for k, v in after.items() if k != "staff_user"} == {
        k: v for k, v in before.items() if k != "staff_user"
    }


def test_unsafe_requests_without_csrf_token_are_refused(app, engine):
    client, _token = _staff_client(app, engine, Role.admin)
    before = _row_counts(engine)
    wrong = []
    checked = 0
    with client:
        for found in all_routes(app):
            if found.is_twilio or found.is_operator:
                continue  # by signature instead, below; the operator's on its own host
            for method in found.methods:
                if method not in UNSAFE:
                    continue
                checked += 1
                # A logged-in admin's cookie rides along, as it would in a forged request;
                # an attacker's page cannot read the token, so it sends none or a wrong one.
                for data in ({"body": "x"}, {"body": "x", "csrf_token": "forged"}):
                    response = client.request(
                        method, found.path(), data=data, follow_redirects=False
                    )
                    if response.status_code != 403:
                        wrong.append(f"{method} {found.template}: {response.status_code}")
    assert checked >= 8
    assert wrong == []
    assert _row_counts(engine) == before


def test_cross_site_form_posts_are_refused_even_with_a_token(app, engine):
    client, token = _staff_client(app, engine, Role.admin)
    wrong = []
    with client:
        for found in all_routes(app):
            if found.is_twilio or found.is_operator or "POST" not in found.methods:
                continue
            response = client.post(
                found.path(),
                data={"csrf_token": token},
                headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
                follow_redirects=False,
            )
            if response.status_code != 403:
                wrong.append(f"POST {found.template}: {response.status_code}")
    assert wrong == []


def test_twilio_webhooks_refuse_requests_without_a_valid_signature(app, engine, client):
    before = _row_counts(engine)
    twilio = [found for found in all_routes(app) if found.is_twilio]
    wrong = []
    checked = 0
    for found in twilio:
        for method in found.methods:
            if method not in UNSAFE:
                continue
            form = {"From": "+4915112345678", "Body": "4711 Test", "MessageSid": "SM" + "1" * 32}
            for headers in ({}, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}):
                response = client.request(method, found.path(), data=form, headers=headers)
                # A path parameter we cannot guess (a voice step) may be refused as
                # unknown before the signature is looked at; nothing is stored either way.
                refused = (403, 404) if "{" in found.template else (403,)
                if response.status_code not in refused:
                    wrong.append(f"{method} {found.template}: {response.status_code}")
                checked += response.status_code == 403
    assert checked >= 2 * len([f for f in twilio if "{" not in f.template])
    assert wrong == []
    assert _row_counts(engine) == before
