"""caching/staff_pages.py: the moderation queue kept for a second per login, never past
that login's own decision and never for anyone else.

Each test changes the data behind the queue between two requests and reads which version
comes back, over real HTTP with a real database; the cache's clock is moved by hand.
"""

from __future__ import annotations

import gzip

import pytest
from starlette.testclient import TestClient

from participation.accounts.models import Role
from participation.accounts.service import end_sessions
from participation.app import create_app
from participation.caching import staff_pages as staff_page_cache
from participation.db import session_scope
from tests.conftest import PUBLIC_BASE
from tests.factories import login, make_consultation, make_contribution
from tests.moderation.helpers import form_data, item_form, page, queue_ids


@pytest.fixture
def now(monkeypatch):
    moment = [1_000_000.0]
    monkeypatch.setattr(staff_page_cache, "clock", lambda: moment[0])
    return moment


@pytest.fixture
def cached_app(settings, engine, now):
    return create_app(settings.with_(staff_page_cache_seconds=1.0), engine)


@pytest.fixture
def cached_client(cached_app):
    with TestClient(cached_app, base_url=PUBLIC_BASE) as client:
        yield client


def queue_path(consultation) -> str:
    return f"/de/staff/moderation?consultation={consultation.id}"


def test_new_contributions_show_within_a_second(cached_client, engine, now):
    consultation = make_consultation(engine)
    login(cached_client, engine, Role.moderator)
    path = queue_path(consultation)
    assert queue_ids(page(cached_client, path)) == []
    arrived = make_contribution(engine, consultation, "Per SMS gekommen")
    now[0] += 0.5
    assert queue_ids(page(cached_client, path)) == []
    now[0] += 0.6
    assert queue_ids(page(cached_client, path)) == [arrived.id]


def test_the_moderators_own_decision_shows_at_once(cached_client, engine, now):
    consultation = make_consultation(engine)
    first = make_contribution(engine, consultation, "Erster")
    second = make_contribution(engine, consultation, "Zweiter")
    login(cached_client, engine, Role.moderator)
    path = queue_path(consultation)
    queue = page(cached_client, path)
    assert sorted(queue_ids(queue)) == sorted([first.id, second.id])
    now[0] += 0.1
    form = item_form(queue, first.id, "approve")
    done = cached_client.post(form["action"], data=form_data(form), follow_redirects=False)
    assert done.status_code == 303
    now[0] += 0.1
    # Well inside the second, and the page kept before the decision is not used.
    assert queue_ids(page(cached_client, path)) == [second.id]


def test_each_login_gets_its_own_page_and_its_forms_work(cached_app, engine, now):
    consultation = make_consultation(engine)
    contribution = make_contribution(engine, consultation, "Bitte prüfen")
    path = queue_path(consultation)
    with (
        TestClient(cached_app, base_url=PUBLIC_BASE) as first,
        TestClient(cached_app, base_url=PUBLIC_BASE) as second,
    ):
        login(first, engine, Role.moderator)
        login(second, engine, Role.admin)
        first_page = page(first, path)
        second_page = page(second, path)
        tokens = {
            str(p.find("input", attrs={"name": "csrf_token"})["value"])
            for p in (first_page, second_page)
        }
        assert len(tokens) == 2
        # The kept page's form is valid for its own session.
        kept = page(second, path)
        form = item_form(kept, contribution.id, "approve")
        done = second.post(form["action"], data=form_data(form), follow_redirects=False)
        assert done.status_code == 303
        # A session without a login, and an editor's, get nothing from the cache.
        with TestClient(cached_app, base_url=PUBLIC_BASE) as stranger:
            stranger.cookies.set("staff_session", "forged")
            assert stranger.get(path, follow_redirects=False).status_code == 303
            login(stranger, engine, Role.editor)
            assert stranger.get(path).status_code == 403


def test_a_session_ended_elsewhere_is_refused_once_the_second_is_over(cached_client, engine, now):
    consultation = make_consultation(engine)
    user = login(cached_client, engine, Role.moderator)
    path = queue_path(consultation)
    page(cached_client, path)
    with session_scope(engine, write=True) as session:
        assert end_sessions(session, user.id)
    now[0] += 1.01
    answer = cached_client.get(path, follow_redirects=False)
    assert answer.status_code == 303
    assert "/staff/login" in answer.headers["location"]


def test_compressed_and_plain_answers_are_kept_apart_and_whole(cached_client, engine, now):
    consultation = make_consultation(engine)
    for n in range(5):
        make_contribution(engine, consultation, f"Beitrag Nummer {n}")
    login(cached_client, engine, Role.moderator)
    path = queue_path(consultation)
    built = cached_client.get(path, headers={"Accept-Encoding": "identity"})
    plain = cached_client.get(path, headers={"Accept-Encoding": "identity"})
    assert plain.headers.get("content-encoding") is None
    assert plain.text == built.text
    assert int(plain.headers["content-length"]) == len(plain.content)
    # Built apart from the plain page (its own CSRF time stamp), then kept.
    first = cached_client.get(path, headers={"Accept-Encoding": "gzip"})
    kept = cached_client.stream("GET", path, headers={"Accept-Encoding": "gzip"})
    with kept as answer:
        raw = b"".join(answer.iter_raw())
        assert answer.headers["content-encoding"] == "gzip"
        assert "Accept-Encoding" in answer.headers["vary"]
        assert int(answer.headers["content-length"]) == len(raw)
        # The kept copy still carries the security headers added further out.
        assert "default-src 'self'" in answer.headers["content-security-policy"]
    assert gzip.decompress(raw).decode() == first.text
    assert "Beitrag Nummer 4" in first.text


def test_a_hard_reload_builds_the_page_anew(cached_client, engine, now):
    consultation = make_consultation(engine)
    login(cached_client, engine, Role.moderator)
    path = queue_path(consultation)
    page(cached_client, path)
    arrived = make_contribution(engine, consultation, "Gerade gekommen")
    assert queue_ids(page(cached_client, path)) == []
    fresh = cached_client.get(path, headers={"Cache-Control": "no-cache"})
    assert f'id="item-{arrived.id}"' in fresh.text


def test_without_the_setting_nothing_is_kept(client, engine):
    consultation = make_consultation(engine)
    login(client, engine, Role.moderator)
    path = queue_path(consultation)
    page(client, path)
    arrived = make_contribution(engine, consultation, "Sofort da")
    assert queue_ids(page(client, path)) == [arrived.id]
