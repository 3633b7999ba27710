"""A form sent twice (a double click with JavaScript off, a reload after sending) stores
one thing: the second post carries the same one-time key and lands on the first one's
receipt. The key is bound to the form's CSRF token, so nobody else's post can reach
that receipt, and a different text from the same form is stored, never lost."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from participation.app import create_app
from participation.contributions.models import Contribution
from participation.db import session_scope
from participation.sitepages.models import BarrierReport
from participation.web import submissions
from tests.conftest import PUBLIC_BASE, TEST_SECRET
from tests.factories import make_consultation, reference_from, soup


def _rows(engine, model) -> list:
    with session_scope(engine) as session:
        return list(session.exec(select(model)).all())


def _form(client: TestClient, path: str, form_id: str | None = None) -> dict[str, str]:
    """The hidden fields of the page's form, as a browser would send them."""
    page = soup(client.get(path).text)
    form = page.find("form", id=form_id) if form_id else page.find("form", method="post")
    return {
        str(i["name"]): str(i.get("value", ""))
        for i in form.find_all("input", attrs={"type": "hidden"})
        if i.get("name")
    }


def _comment_form(client: TestClient, slug: str) -> dict[str, str]:
    return _form(client, f"/de/c/{slug}", "contribution-form")


def _send(client: TestClient, slug: str, fields: dict, **kwargs) -> object:
    return client.post(f"/de/c/{slug}/contribute", data=fields, follow_redirects=False, **kwargs)


def test_a_comment_form_sent_twice_is_one_contribution(client, engine):
    consultation = make_consultation(engine)
    fields = {**_comment_form(client, consultation.slug), "body": "Mehr Bäume am Markt"}
    first = _send(client, consultation.slug, fields)
    second = _send(client, consultation.slug, fields)
    assert first.status_code == second.status_code == 303
    assert second.headers["location"] == first.headers["location"]
    assert [c.body for c in _rows(engine, Contribution)] == ["Mehr Bäume am Markt"]
    receipt = client.get(second.headers["location"])
    assert reference_from(first.headers["location"]) in receipt.text.replace(" ", "")


def test_a_double_click_with_htmx_lands_on_the_same_receipt(client, engine):
    consultation = make_consultation(engine)
    fields = {**_comment_form(client, consultation.slug), "body": "Zweimal geklickt"}
    answers = [
        _send(client, consultation.slug, fields, headers={"HX-Request": "true"}) for _ in "12"
    ]
    assert [a.status_code for a in answers] == [204, 204]
    assert answers[0].headers["HX-Redirect"] == answers[1].headers["HX-Redirect"]
    assert len(_rows(engine, Contribution)) == 1


def test_a_different_text_from_the_same_form_is_stored_too(client, engine):
    consultation = make_consultation(engine)
    fields = _comment_form(client, consultation.slug)
    first = _send(client, consultation.slug, {**fields, "body": "Erster Gedanke"})
    second = _send(client, consultation.slug, {**fields, "body": "Noch ein Gedanke"})
    assert second.headers["location"] != first.headers["location"]
    assert sorted(c.body for c in _rows(engine, Contribution)) == [
        "Erster Gedanke",
        "Noch ein Gedanke",
    ]


def test_the_key_is_bound_to_the_form_token(client, engine):
    consultation = make_consultation(engine)
    fields = {**_comment_form(client, consultation.slug), "body": "Gleicher Text"}
    first = _send(client, consultation.slug, fields)
    # Someone who learnt the key but has another form (another token) gets no receipt
    # of the first person's: their post is their own contribution.
    other = _comment_form(client, consultation.slug)
    assert other["csrf_token"] != fields["csrf_token"]
    second = _send(client, consultation.slug, {**fields, "csrf_token": other["csrf_token"]})
    assert second.status_code == 303
    assert second.headers["location"] != first.headers["location"]
    assert len(_rows(engine, Contribution)) == 2


def test_a_refused_form_keeps_its_key_and_the_corrected_one_is_stored_once(client, engine):
    consultation = make_consultation(engine)
    fields = _comment_form(client, consultation.slug)
    refused = _send(client, consultation.slug, {**fields, "body": "x" * 6000})
    assert refused.status_code == 422
    again = {
        str(i["name"]): str(i.get("value", ""))
        for i in soup(refused.text).find("form", id="contribution-form").find_all("input")
        if i.get("type") == "hidden" and i.get("name")
    }
    assert again.get("submission_key") == fields["submission_key"]
    again["body"] = "Kürzer"
    answers = [_send(client, consultation.slug, again) for _ in "12"]
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["location"] == answers[1].headers["location"]
    assert [c.body for c in _rows(engine, Contribution)] == ["Kürzer"]


def test_every_visitor_of_a_kept_page_gets_a_key_of_their_own(settings, engine):
    consultation = make_consultation(engine)
    app = create_app(settings.with_(page_cache_seconds=60.0), engine)
    keys, locations = set(), set()
    for _ in range(3):
        with TestClient(app, base_url=PUBLIC_BASE) as visitor:
            fields = _comment_form(visitor, consultation.slug)
            keys.add(fields["submission_key"])
            answer = _send(visitor, consultation.slug, {**fields, "body": "Ja, bitte"})
            assert answer.status_code == 303
            locations.add(answer.headers["location"])
    # Three people who wrote the same words from the same kept page: three comments.
    assert len(keys) == len(locations) == 3
    assert len(_rows(engine, Contribution)) == 3


def test_a_barrier_report_sent_twice_is_one_report(client, engine):
    fields = {
        **_form(client, "/de/barrier-report"),
        "description": "Der Knopf ist zu klein.",
        "page": "/de",
    }
    answers = [client.post("/de/barrier-report", data=fields, follow_redirects=False) for _ in "12"]
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[1].headers["location"] == answers[0].headers["location"]
    assert len(_rows(engine, BarrierReport)) == 1


def test_two_racing_posts_with_one_key_store_one_contribution(app, engine):
    consultation = make_consultation(engine)
    with TestClient(app, base_url=PUBLIC_BASE) as client:
        fields = {**_comment_form(client, consultation.slug), "body": "Gleichzeitig"}
    start = threading.Barrier(4)
    answers: list = []

    def post() -> None:
        with TestClient(app, base_url=PUBLIC_BASE) as own:
            start.wait()
            answers.append(_send(own, consultation.slug, fields))

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [303] * 4
    assert len({a.headers["location"] for a in answers}) == 1
    assert len(_rows(engine, Contribution)) == 1


@pytest.mark.parametrize("key", ["", "short", "x" * 500, "ä" * 30, "a b c d e f g h i j k"])
def test_a_missing_or_malformed_key_still_stores_the_comment(client, engine, key):
    consultation = make_consultation(engine)
    fields = {**_comment_form(client, consultation.slug), "body": "Ohne Schlüssel"}
    fields["submission_key"] = key
    answer = _send(client, consultation.slug, fields)
    assert answer.status_code == 303
    assert len(_rows(engine, Contribution)) == 1


def test_a_claim_racing_another_waits_for_it_and_finds_its_receipt(engine):
    """The unique key hash makes the second of two racing posts wait for the first's
    transaction (PostgreSQL: ON CONFLICT waits on the row; SQLite: writers take turns)
    and then find its receipt, instead of storing a second row."""
    claim = submissions.claim_for(TEST_SECRET, "a-form-token", "k" * 22, ("slug", "Text"))
    seen: list = []

    def second() -> None:
        with session_scope(engine, write=True) as session:
            seen.append(submissions.earlier_receipt(session, claim))

    with session_scope(engine, write=True) as first:
        assert submissions.earlier_receipt(first, claim) == (None, True)
        racer = threading.Thread(target=second)
        racer.start()
        racer.join(0.5)
        assert racer.is_alive(), "the second claim did not wait for the first"
        submissions.record_receipt(first, claim, "47112093")
    racer.join(10)
    assert seen == [("47112093", False)]
    with session_scope(engine) as session:
        assert len(session.exec(select(submissions.FormSubmission)).all()) == 1


def test_claims_are_kept_a_day(engine):

    from participation.clock import set_now, utcnow

    claim = submissions.claim_for(TEST_SECRET, "a-form-token", "k" * 22, ("Text",))
    with session_scope(engine, write=True) as session:
        submissions.earlier_receipt(session, claim)
        submissions.record_receipt(session, claim, "47112093")
    set_now(utcnow() + submissions.KEEP + timedelta(minutes=1))
    other = submissions.claim_for(TEST_SECRET, "a-form-token", "m" * 22, ("Text",))
    with session_scope(engine, write=True) as session:
        submissions.earlier_receipt(session, other)
    with session_scope(engine) as session:
        left = session.exec(select(submissions.FormSubmission)).all()
    assert [row.key_hash for row in left] == [other.key_hash]


def test_the_worker_forgets_old_claims_and_vote_codes_where_nobody_sends_anything(
    client, engine, settings
):
    # A claim holds a reference number, a code the number's hash: a day, not for ever.
    from participation.clock import set_now, utcnow
    from participation.contributions.models import VoteCode
    from participation.housekeeping import housekeeping
    from participation.web.submissions import FormSubmission
    from tests.contributions.test_votes import ask_for_code

    consultation = make_consultation(engine, poll=["yes", "no"])
    fields = {**_comment_form(client, consultation.slug), "body": "Mehr Bäume am Markt"}
    assert _send(client, consultation.slug, fields).status_code == 303
    assert ask_for_code(client, consultation, "Ja", "0151 11111111").status_code == 200
    assert len(_rows(engine, FormSubmission)) == len(_rows(engine, VoteCode)) == 1
    start = utcnow()
    try:
        set_now(start + timedelta(hours=23))
        housekeeping(engine, settings)
        assert len(_rows(engine, FormSubmission)) == len(_rows(engine, VoteCode)) == 1
        set_now(start + timedelta(days=1, minutes=1))
        done = housekeeping(engine, settings)
    finally:
        set_now(None)
    assert _rows(engine, FormSubmission) == [] and _rows(engine, VoteCode) == []
    assert done["form_claims"] == done["vote_codes"] == 1
