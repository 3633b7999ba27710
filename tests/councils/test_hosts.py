"""The host picks the council; nothing of one council is reached on another's host."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from participation.accounts.models import Role
from participation.councils.models import CouncilStatus
from participation.councils.service import add_host, by_slug, create_council, set_status
from participation.db import session_scope
from tests.factories import (
    log_in_as,
    make_consultation,
    make_contribution,
    make_staff,
)

MUSTERSTADT = "https://musterstadt.localhost"
BEISPIELDORF = "https://beispieldorf.localhost"


@pytest.fixture
def councils(app, engine):
    with session_scope(engine, write=True) as session:
        add_host(session, by_slug(session, "council"), "musterstadt.localhost")
        other = create_council(
            session, "beispieldorf", "Gemeinde Beispieldorf", hosts=["beispieldorf.localhost"]
        ).id
    app.state.councils.expire()
    ours = make_consultation(engine, title="Marktplatz Musterstadt", council_id=1)
    theirs = make_consultation(engine, title="Dorfteich Beispieldorf", council_id=other)
    return ours, theirs, other


def _client(app, base: str) -> TestClient:
    return TestClient(app, base_url=base)


def test_each_host_shows_its_own_council_and_not_the_other(app, councils):
    ours, theirs, _other = councils
    with _client(app, MUSTERSTADT) as musterstadt, _client(app, BEISPIELDORF) as dorf:
        assert "Marktplatz Musterstadt" in musterstadt.get(f"/de/c/{ours.slug}").text
        assert musterstadt.get(f"/de/c/{theirs.slug}").status_code == 404
        assert "Dorfteich Beispieldorf" in dorf.get(f"/de/c/{theirs.slug}").text
        assert dorf.get(f"/de/c/{ours.slug}").status_code == 404
        listing = musterstadt.get("/de/").text
        assert "Marktplatz Musterstadt" in listing and "Dorfteich" not in listing


def test_an_unknown_host_gets_a_plain_404_naming_no_council(app, councils):
    with _client(app, "https://fremd.example") as stranger:
        response = stranger.get("/de/")
    assert response.status_code == 404
    assert "Musterstadt" not in response.text and "Beispieldorf" not in response.text
    with _client(app, "https://fremd.example") as stranger:
        assert stranger.get("/healthz").status_code == 200


def test_a_reference_of_one_council_is_unknown_on_the_other(app, engine, councils):
    _ours, theirs, _other = councils
    contribution = make_contribution(engine, theirs)
    with _client(app, MUSTERSTADT) as musterstadt:
        page = musterstadt.get(f"/de/r/{contribution.reference}")
    assert page.status_code in (404, 200)
    assert contribution.body not in page.text


def test_staff_of_one_council_cannot_log_in_or_act_on_the_other_host(app, engine, councils):
    ours, theirs, other = councils
    theirs_admin = make_staff(engine, Role.admin, "admin@beispieldorf.example", council_id=other)
    with _client(app, MUSTERSTADT) as musterstadt:
        assert log_in_as(musterstadt, theirs_admin.email) != 303
    with _client(app, BEISPIELDORF) as dorf:
        assert log_in_as(dorf, theirs_admin.email) == 303
        assert dorf.get(f"/de/staff/consultations/{theirs.id}").status_code == 200
        assert dorf.get(f"/de/staff/consultations/{ours.id}").status_code == 404
        # The session cookie of one host is no login on the other.
        cookies = dict(dorf.cookies)
    with _client(app, MUSTERSTADT) as musterstadt:
        musterstadt.cookies.update(cookies)
        page = musterstadt.get(f"/de/staff/consultations/{ours.id}", follow_redirects=False)
        assert page.status_code == 303 and "/staff/login" in page.headers["location"]


def test_a_suspended_council_says_so_in_its_own_words(app, engine, councils):
    ours, theirs, _other = councils
    with session_scope(engine, write=True) as session:
        set_status(session, "beispieldorf", CouncilStatus.suspended, "Die Beteiligung ruht.")
    app.state.councils.expire()
    with _client(app, BEISPIELDORF) as dorf:
        page = dorf.get(f"/de/c/{theirs.slug}")
    assert page.status_code == 503
    assert "Die Beteiligung ruht." in page.text
    with _client(app, MUSTERSTADT) as musterstadt:
        assert musterstadt.get(f"/de/c/{ours.slug}").status_code == 200


def test_a_page_kept_for_one_host_is_not_served_on_the_other(app, engine, councils):
    _ours, theirs, _other = councils
    with _client(app, BEISPIELDORF) as dorf:
        assert dorf.get(f"/de/c/{theirs.slug}").status_code == 200
    with _client(app, MUSTERSTADT) as musterstadt:
        assert musterstadt.get(f"/de/c/{theirs.slug}").status_code == 404


def test_each_council_pages_name_their_own_council_and_contacts(app, engine, councils):
    _ours, theirs, _other = councils
    with session_scope(engine, write=True) as session:
        council = by_slug(session, "beispieldorf")
        council.address = "Dorfstraße 1, 31199 Beispieldorf"
        council.phone = "+49 5121 555"
        session.add(council)
    app.state.councils.expire()
    with _client(app, BEISPIELDORF) as dorf:
        page = dorf.get(f"/de/c/{theirs.slug}").text
    assert "Gemeinde Beispieldorf" in page and "Dorfstraße 1" in page
    assert "Musterstadt" not in page
    with _client(app, MUSTERSTADT) as musterstadt:
        page = musterstadt.get("/de/").text
    assert "Musterstadt" in page and "Beispieldorf" not in page


def test_each_council_shows_dates_in_its_own_time_zone(app, engine, councils):
    from datetime import UTC, datetime

    from participation.consultations.models import Consultation

    ours, theirs, _other = councils
    closing = datetime(2027, 1, 5, 12, 0, tzinfo=UTC)  # 13:00 in Berlin, 01:00 next day in Auckland
    with session_scope(engine, write=True) as session:
        for row in (ours, theirs):
            consultation = session.get(Consultation, row.id)
            consultation.closes_at = closing
            session.add(consultation)
        council = by_slug(session, "beispieldorf")
        council.timezone = "Pacific/Auckland"
        session.add(council)
    app.state.councils.expire()
    with _client(app, MUSTERSTADT) as musterstadt:
        assert "5. Januar 2027" in musterstadt.get("/de/").text
    with _client(app, BEISPIELDORF) as dorf:
        page = dorf.get("/de/").text
    assert "6. Januar 2027" in page and "5. Januar 2027" not in page
