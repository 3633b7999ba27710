"""caching/pages.py: anonymous visitors get a public page kept for a moment, nobody else.

Each test changes the data behind a page between two requests and reads which version
comes back, over real HTTP with a real database.
"""

from __future__ import annotations

import gzip
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from participation.accounts.models import Role
from participation.app import create_app
from participation.caching import pages as page_cache
from participation.db import session_scope
from participation.moderation import service as moderation
from tests.conftest import PUBLIC_BASE
from tests.factories import login, make_consultation, make_contribution


@pytest.fixture
def now(monkeypatch):
    """The cache's clock, moved by hand."""
    moment = [1000.0]
    monkeypatch.setattr(page_cache, "clock", lambda: moment[0])
    return moment


@pytest.fixture
def cached_client(settings, engine, now):
    app = create_app(settings.with_(page_cache_seconds=2.0), engine)
    with TestClient(app, base_url=PUBLIC_BASE) as client:
        yield client


def form_key(html: str) -> str:
    return re.search(r'name="submission_key" value="([^"]+)"', html).group(1)


def without_form_keys(html: str) -> str:
    """The page with its one-time form key blanked: every copy served gets a new one."""
    return re.sub(r'(name="submission_key" value=")[^"]+', r"\1", html)


def publish(engine, consultation, body: str) -> None:
    contribution = make_contribution(engine, consultation, body=body)
    with session_scope(engine, write=True) as session:
        moderation.approve(session, session.merge(contribution), None)


def test_a_visitor_sees_a_kept_page_until_it_is_two_seconds_old(cached_client, engine, now):
    consultation = make_consultation(engine)
    path = f"/de/c/{consultation.slug}"
    assert "Erster Beitrag" not in cached_client.get(path).text
    publish(engine, consultation, "Erster Beitrag")
    now[0] += 1.5
    assert "Erster Beitrag" not in cached_client.get(path).text
    now[0] += 1.0
    assert "Erster Beitrag" in cached_client.get(path).text


def test_staff_and_anyone_with_a_cookie_always_get_the_current_page(cached_client, engine, now):
    consultation = make_consultation(engine)
    path = f"/de/c/{consultation.slug}"
    cached_client.get(path)
    publish(engine, consultation, "Neuer Beitrag")
    cached_client.cookies.set("something", "1")
    assert "Neuer Beitrag" in cached_client.get(path).text
    cached_client.cookies.clear()
    login(cached_client, engine, Role.moderator)
    assert "Neuer Beitrag" in cached_client.get(path).text


def test_other_pages_and_methods_are_never_kept(cached_client, engine, now):
    consultation = make_consultation(engine)
    missing = cached_client.get("/de/c/gibt-es-nicht")
    assert missing.status_code == 404
    first = cached_client.get("/de/r?ref=47112093", follow_redirects=False)
    second = cached_client.get("/de/r?ref=47112093", follow_redirects=False)
    assert first.status_code == second.status_code
    # A made-up query string is not kept (and cannot push real pages out).
    path = f"/de/c/{consultation.slug}?x=1"
    cached_client.get(path)
    publish(engine, consultation, "Sofort sichtbar")
    assert "Sofort sichtbar" in cached_client.get(path).text


def test_compressed_and_plain_copies_come_from_one_kept_page(cached_client, engine, now):
    consultation = make_consultation(engine)
    path = f"/de/c/{consultation.slug}"
    seen: dict[str, set[str]] = {"gzip": set(), "identity": set()}
    for _ in range(2):
        for encoding in seen:
            answer = cached_client.get(path, headers={"Accept-Encoding": encoding})
            assert answer.headers.get("content-encoding") == (
                "gzip" if encoding == "gzip" else None
            )
            assert "Marktplatz" in answer.text
            seen[encoding].add(answer.text)
    # Built once, kept plain and compressed for each copy: all four copies are the same
    # page (one anonymous form token), each with a one-time form key of its own.
    copies = seen["gzip"] | seen["identity"]
    assert len({without_form_keys(text) for text in copies}) == 1
    assert len({form_key(text) for text in copies}) == 4
    # The kept copy still carries the security headers added further out.
    assert "default-src 'self'" in answer.headers["content-security-policy"]


def test_an_htmx_fragment_and_the_full_page_are_kept_apart(cached_client, engine, now):
    consultation = make_consultation(engine)
    path = f"/de/c/{consultation.slug}"
    full = cached_client.get(path)
    fragment = cached_client.get(path, headers={"HX-Request": "true"})
    again = cached_client.get(path)
    assert "<html" in full.text and "<html" in again.text
    assert without_form_keys(full.text) == without_form_keys(again.text)
    assert fragment.headers.get("vary") == full.headers.get("vary")


def test_the_comment_form_of_a_kept_page_still_works(cached_client, engine, now):
    from tests.factories import csrf_token, reference_from

    consultation = make_consultation(engine)
    path = f"/de/c/{consultation.slug}"
    token = csrf_token(cached_client, path)
    assert csrf_token(cached_client, path) == token  # the same kept page
    sent = cached_client.post(
        f"{path}/contribute",
        data={"csrf_token": token, "body": "Aus der Zwischenablage"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert reference_from(sent.headers["location"])


def test_without_the_setting_nothing_is_kept(client, engine):
    consultation = make_consultation(engine)
    path = f"/de/c/{consultation.slug}"
    client.get(path)
    publish(engine, consultation, "Gleich da")
    assert "Gleich da" in client.get(path).text


FIELD = b'<input type="hidden" name="submission_key" value="%s">'
KEPT_KEY = b"A" * 22


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=2000), min_size=1, max_size=4), st.booleans())
def test_a_kept_copy_is_the_page_with_fresh_keys_and_valid_gzip(pieces, long):
    # Around the fields, anything but the field's own name: text people write reaches a
    # page escaped, so it never holds name="submission_key" (Hypothesis found that
    # otherwise the pieces themselves make fields this oracle cannot count).
    assume(not any(b"submission_key" in piece for piece in pieces))
    body = (b"x" * 5000 if long else b"") + (FIELD % KEPT_KEY).join(pieces)
    page = page_cache._Page.of(0.0, {"type": "http.response.start", "headers": []}, body)
    for gzip_asked in (False, True):
        headers, sent = page.copy(gzip=gzip_asked)
        zipped = dict(headers).get(b"content-encoding") == b"gzip"
        assert zipped == (gzip_asked and len(body) >= page_cache.GZIP_MINIMUM)
        assert dict(headers)[b"content-length"] == str(len(sent)).encode()
        copy = gzip.decompress(sent) if zipped else sent  # checks the CRC and length too
        keys = re.findall(rb'name="submission_key" value="([^"]+)"', copy)
        assert len(keys) == len(re.findall(rb'name="submission_key"', body))
        assert KEPT_KEY not in keys and len(set(keys)) == len(keys)
        assert without_form_keys(copy.decode("latin-1")) == without_form_keys(
            body.decode("latin-1")
        )
