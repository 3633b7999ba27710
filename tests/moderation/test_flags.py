"""Anyone may report a published contribution, without an account and without
JavaScript; reports are rate-limited by a short-lived keyed hash, never an address."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlmodel import select

from participation.accounts.models import Role
from participation.clock import set_now, utcnow
from participation.contributions.models import Contribution, Status
from participation.db import session_scope
from participation.moderation import flags
from participation.moderation.models import Flag
from participation.moderation.service import approve
from tests.factories import login, make_consultation, make_contribution, soup
from tests.moderation.helpers import counts, form_data, item_form, page, queue_ids


def _published(engine, consultation, body):
    contribution = make_contribution(engine, consultation, body)
    with session_scope(engine, write=True) as session:
        approve(session, session.get(Contribution, contribution.id), None)
    return contribution


def _report(client, consultation, contribution, reason="insult", note=""):
    public = soup(client.get(f"/en/c/{consultation.slug}").text)
    item = public.find(id=f"c-{contribution.reference}")
    link = item.find("a", href=lambda h: h and "/report/" in h)
    form = soup(client.get(link["href"]).text).find("form", action=lambda a: a and "/report/" in a)
    return client.post(
        form["action"], data=form_data(form, reason=reason, note=note), follow_redirects=False
    )


def test_report_without_an_account_puts_it_in_the_reported_view(client, engine):
    consultation = make_consultation(engine)
    target = _published(engine, consultation, "Alle aus dem Neubaugebiet sind Idioten")
    other = _published(engine, consultation, "Mehr Bänke")
    response = _report(client, consultation, target, "insult", "beleidigt Nachbarn")
    assert response.status_code == 303
    thanks = soup(client.get(response.headers["location"]).text)
    assert "Thank you for your report" in thanks.get_text()
    assert "set-cookie" not in response.headers

    # Still public: one anonymous click must not be able to hide an opinion.
    assert "Idioten" in client.get(f"/en/c/{consultation.slug}").text

    login(client, engine, Role.moderator)
    reported = page(client, "/en/staff/moderation?status=flagged")
    assert queue_ids(reported) == [target.id]
    assert counts(reported)["flagged"] == 1
    item = reported.find(id=f"item-{target.id}").get_text(" ", strip=True)
    assert "Reported 1 time" in item and "beleidigt Nachbarn" in item

    # Kept: out of the reported view, still published.
    form = item_form(reported, target.id, "keep")
    after = client.post(form["action"], data=form_data(form), follow_redirects=False)
    assert counts(page(client, after.headers["location"]))["flagged"] == 0
    with session_scope(engine) as session:
        stored = session.get(Contribution, target.id)
        assert stored.status is Status.published and stored.flag_count == 0
        assert session.exec(select(Flag)).one().resolved_at is not None
    assert other.id not in queue_ids(reported)


def test_reported_then_rejected_shows_as_removed(client, engine):
    consultation = make_consultation(engine)
    target = _published(engine, consultation, "Ruft 0151 2345678 an, Herr Meier")
    assert _report(client, consultation, target, "personal_data").status_code == 303
    login(client, engine, Role.moderator)
    reported = page(client, "/en/staff/moderation?status=flagged")
    form = item_form(reported, target.id, "reject")
    client.post(form["action"], data=form_data(form, reason="personal_data"))
    assert counts(page(client, "/en/staff/moderation"))["flagged"] == 0
    client.cookies.clear()
    public = client.get(f"/en/c/{consultation.slug}").text
    assert "0151" not in public
    assert "Removed by moderation" in public


def test_report_needs_a_reason_and_only_published_ones_can_be_reported(client, engine):
    consultation = make_consultation(engine)
    published = _published(engine, consultation, "Text")
    pending = make_contribution(engine, consultation, "Noch nicht geprüft")
    form_page = soup(client.get(f"/en/c/{consultation.slug}/report/{published.reference}").text)
    form = form_page.find("form", action=lambda a: a and "/report/" in a)
    data = form_data(form)
    data.pop("reason", None)
    refused = client.post(form["action"], data=data)
    assert refused.status_code == 422
    assert soup(refused.text).find(class_="error-summary") is not None
    assert client.get(f"/en/c/{consultation.slug}/report/{pending.reference}").status_code == 404


def test_reports_are_rate_limited_and_addresses_are_never_stored(client, engine):
    consultation = make_consultation(engine)
    made = [
        _published(engine, consultation, f"Text {n}") for n in range(flags.REPORTS_PER_HOUR + 1)
    ]
    statuses = [_report(client, consultation, c).status_code for c in made]
    assert statuses == [303] * flags.REPORTS_PER_HOUR + [429]
    # Reporting the same one twice counts once.
    assert _report(client, consultation, made[0]).status_code in (303, 429)
    with session_scope(engine) as session:
        rows = session.exec(select(Flag)).all()
        assert len(rows) == flags.REPORTS_PER_HOUR
        keys = {r.reporter_key for r in rows}
        assert len(keys) == 1 and len(next(iter(keys))) == 64
        dump = " ".join(
            str(value)
            for row in session.execute(text("SELECT * FROM contribution_flag")).all()
            for value in row
        )
    # The TestClient's address is "testclient": neither it nor any IP is in the table.
    assert "testclient" not in dump and "127.0.0.1" not in dump

    # An hour later the same address may report again; a day later its hash is erased.
    set_now(utcnow() + timedelta(hours=1, minutes=1))
    extra = _published(engine, consultation, "Noch einer")
    assert _report(client, consultation, extra).status_code == 303
    set_now(utcnow() + timedelta(days=2))
    with session_scope(engine, write=True) as session:
        flags.forget_reporters(session)
    with session_scope(engine) as session:
        assert {r.reporter_key for r in session.exec(select(Flag)).all()} == {None}


def test_the_hash_changes_from_day_to_day():
    now = utcnow()
    today = flags.reporter_key("secret", "192.0.2.1", now)
    assert today == flags.reporter_key("secret", "192.0.2.1", now)
    assert today != flags.reporter_key("secret", "192.0.2.1", now + timedelta(days=1))
    assert today != flags.reporter_key("secret", "192.0.2.2", now)
