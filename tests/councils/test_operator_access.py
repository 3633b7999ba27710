"""Who reaches the operator's pages, and "never read citizens' texts of a council unless
that council grants it": every operator route walked, with and without the grant; staff
and operator logins kept apart; the grant is the council's own admins' alone."""

from __future__ import annotations

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from participation.accounts.models import Role
from participation.councils.models import Council
from participation.db import session_scope
from participation.moderation.models import AuditEvent
from tests.councils.operator_support import (
    BEISPIELDORF,
    MUSTERSTADT,
    OPERATOR,
    SECRET_OURS,
    SECRET_THEIRS,
    operator_client,
    two_councils,
)
from tests.factories import csrf_token, log_in_as, make_staff, soup
from tests.trust.routing import UNSAFE, all_routes


@pytest.fixture
def settings(settings):
    return settings.with_(operator_hosts=("betrieb.localhost",))


@pytest.fixture
def installation(app, engine):
    return two_councils(app, engine)


def _operator_routes(app):
    found = [r for r in all_routes(app) if r.template.startswith("/operator/{lang}/")]
    # A walk that found nothing would make every test below pass vacuously.
    assert len(found) >= 15
    return found


def _grant(engine, council_id: int, granted: bool) -> None:
    with session_scope(engine, write=True) as session:
        council = session.get(Council, council_id)
        council.operator_may_read = granted
        session.add(council)


def _everything_an_operator_gets(app, operator: TestClient) -> str:
    """Every operator page and download, for both councils, and what each POST answers
    (with a valid token and nothing to change): all that came back, as one text."""
    token = csrf_token(operator, "/operator/de/councils")
    seen = []
    for found in _operator_routes(app):
        for slug in ("council", "beispieldorf"):
            for method in found.methods:
                data = {"csrf_token": token} if method in UNSAFE else None
                path = found.path(slug=slug, action="resume")
                if "/log" in found.template:
                    continue  # login steps and logout: the walk goes on logged in
                response = operator.request(method, path, data=data, follow_redirects=True)
                seen.append(response.text)
    return "\n".join(seen)


def test_every_operator_route_is_guarded(app):
    unguarded = [
        f.template
        for f in _operator_routes(app)
        if not getattr(f.route.endpoint, "operator_only", False) and "/login" not in f.template
    ]
    assert unguarded == []


def test_without_the_grant_no_operator_route_shows_a_residents_text(app, engine, installation):
    with operator_client(app) as operator:
        everything = _everything_an_operator_gets(app, operator)
        refused = operator.get("/operator/de/councils/beispieldorf/texts")
    assert "Gemeinde Beispieldorf" in everything  # the walk did reach the pages
    assert SECRET_OURS not in everything and SECRET_THEIRS not in everything
    assert refused.status_code == 403
    assert "Admins der Gemeinde" in refused.text or "administrators" in refused.text


def test_with_the_grant_the_operator_reads_that_council_only(app, engine, installation):
    _grant(engine, installation.other_id, True)
    with operator_client(app) as operator:
        theirs = operator.get("/operator/de/councils/beispieldorf/texts")
        ours = operator.get("/operator/de/councils/council/texts")
        everything = _everything_an_operator_gets(app, operator)
    assert theirs.status_code == 200 and SECRET_THEIRS in theirs.text
    assert ours.status_code == 403 and SECRET_OURS not in everything
    with session_scope(engine, council_id=installation.other_id) as session:
        reads = session.exec(
            select(AuditEvent).where(AuditEvent.action == "operator.texts_read")
        ).all()
    # Each reading is in the council's own log, where its admins see it.
    assert len(reads) >= 1 and reads[0].detail["count"] == 1
    _grant(engine, installation.other_id, False)
    with operator_client(app) as operator:
        assert operator.get("/operator/de/councils/beispieldorf/texts").status_code == 403


def test_anonymous_visitors_get_the_login_and_change_nothing(app, engine, installation):
    with TestClient(app, base_url=OPERATOR) as stranger:
        token = csrf_token(stranger, "/operator/de/login")
        for found in _operator_routes(app):
            if "/login" in found.template:
                continue
            for method in found.methods:
                data = {"csrf_token": token, "slug": "x", "name": "y"} if method in UNSAFE else None
                path = found.path(slug="beispieldorf", action="archive")
                response = stranger.request(method, path, data=data, follow_redirects=False)
                if method == "GET":
                    assert response.status_code == 303, path
                    assert response.headers["location"].startswith("/operator/de/login")
                else:
                    assert response.status_code == 401, path
    with session_scope(engine) as session:
        assert len(session.exec(select(Council)).all()) == 2
        assert session.get(Council, installation.other_id).status.value == "active"


def test_council_staff_even_admins_never_reach_operator_pages(app, engine, installation):
    admin = make_staff(engine, Role.admin, "chefin@musterstadt.example", council_id=1)
    with TestClient(app, base_url=MUSTERSTADT) as staff:
        assert log_in_as(staff, admin.email) == 303
        # On the council's host there are no operator pages at all.
        assert staff.get("/operator/de/councils").status_code == 404
        cookies = dict(staff.cookies)
    # The staff cookie carried over to the operator's host is no operator login.
    with TestClient(app, base_url=OPERATOR, cookies=cookies) as carried:
        for found in _operator_routes(app):
            if "GET" in found.methods and "/login" not in found.template:
                path = found.path(slug="council", action="suspend")
                response = carried.get(path, follow_redirects=False)
                assert response.status_code == 303, path
                assert "/operator/de/login" in response.headers["location"]


def test_an_operator_session_never_reaches_a_councils_staff_pages(app, engine, installation):
    with operator_client(app) as operator:
        assert operator.get("/operator/de/councils").status_code == 200
        assert operator.get("/de/staff/").status_code == 404
        cookies = dict(operator.cookies)
    for base in (MUSTERSTADT, BEISPIELDORF):
        with TestClient(app, base_url=base, cookies=cookies) as carried:
            for path in ("/de/staff/", "/de/staff/accounts", "/de/staff/operator-access"):
                response = carried.get(path, follow_redirects=False)
                assert response.status_code == 303, (base, path)
                assert "/staff/login" in response.headers["location"]


def _toggle(client: TestClient, grant: str) -> int:
    token = csrf_token(client, "/de/staff/")
    return client.post(
        "/de/staff/operator-access",
        data={"grant": grant, "csrf_token": token},
        follow_redirects=False,
    ).status_code


def _granted(engine, council_id: int) -> bool:
    with session_scope(engine) as session:
        return session.get(Council, council_id).operator_may_read


def test_only_the_councils_own_admin_grants_and_it_is_audited(app, engine, installation):
    other = installation.other_id
    theirs_admin = make_staff(engine, Role.admin, "admin@beispieldorf.example", council_id=other)
    moderator = make_staff(engine, Role.moderator, "mod@beispieldorf.example", council_id=other)
    with TestClient(app, base_url=BEISPIELDORF) as dorf:
        assert log_in_as(dorf, moderator.email) == 303
        assert dorf.get("/de/staff/operator-access").status_code == 403
        assert _toggle(dorf, "yes") == 403
    assert not _granted(engine, other)
    with TestClient(app, base_url=BEISPIELDORF) as dorf:
        assert log_in_as(dorf, theirs_admin.email) == 303
        page = dorf.get("/de/staff/operator-access")
        assert page.status_code == 200
        assert soup(page.text).find("input", attrs={"name": "grant"})["value"] == "yes"
        assert _toggle(dorf, "yes") == 303
        cookies = dict(dorf.cookies)
        token = csrf_token(dorf, "/de/staff/")
    assert _granted(engine, other) and not _granted(engine, 1)
    # Beispieldorf's admin, with the cookie and a token, on Musterstadt's host: no login.
    with TestClient(app, base_url=MUSTERSTADT, cookies=cookies) as carried:
        response = carried.post(
            "/de/staff/operator-access",
            data={"grant": "yes", "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code in (401, 403)
    assert not _granted(engine, 1)
    with TestClient(app, base_url=BEISPIELDORF) as dorf:
        assert log_in_as(dorf, theirs_admin.email) == 303
        assert _toggle(dorf, "no") == 303
    assert not _granted(engine, other)
    with session_scope(engine, council_id=other) as session:
        actions = session.exec(
            select(AuditEvent.action, AuditEvent.staff_id).where(
                AuditEvent.object_type == "council"
            )
        ).all()
    assert actions == [
        ("council.operator_read_granted", theirs_admin.id),
        ("council.operator_read_withdrawn", theirs_admin.id),
    ]


def test_the_grant_form_refuses_a_missing_token(app, engine, installation):
    admin = make_staff(engine, Role.admin, "admin2@beispieldorf.example", council_id=2)
    with TestClient(app, base_url=BEISPIELDORF) as dorf:
        assert log_in_as(dorf, admin.email) == 303
        response = dorf.post("/de/staff/operator-access", data={"grant": "yes"})
    assert response.status_code == 403
    assert not _granted(engine, installation.other_id)


def test_every_way_around_csrf_is_refused_on_every_operator_form(app, engine, installation):
    """The trust walk's bypasses (tests/trust/test_csrf_walk.py), on the operator's host,
    with a logged-in operator's cookie riding along as in a forged request."""
    from tests.trust.test_csrf_walk import bypasses, snapshot

    with operator_client(app) as other:
        foreign = csrf_token(other, "/operator/de/councils")
    unsafe = [
        (found, method)
        for found in _operator_routes(app)
        for method in found.methods
        if method in UNSAFE
    ]
    assert len(unsafe) >= 9
    wrong = []
    with operator_client(app) as operator:
        valid = csrf_token(operator, "/operator/de/councils")
        before = snapshot(engine)
        for found, method in unsafe:
            path = found.path(slug="beispieldorf", action="archive")
            for name, request in bypasses(valid, foreign).items():
                response = operator.request(method, path, follow_redirects=False, **request)
                if response.status_code != 403:
                    wrong.append(f"{method} {found.template} [{name}]: {response.status_code}")
        # Still logged in: no bypass logged the operator out either.
        assert operator.get("/operator/de/councils").status_code == 200
    assert wrong == []
    assert snapshot(engine) == before
