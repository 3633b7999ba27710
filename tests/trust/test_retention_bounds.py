"""A consultation's retention period stays within bounds, and bad values cannot hurt.

An editor typed ``-100000`` (the next worker run erased the contact data of a running
consultation) and ``999999999`` (the worker crashed at start-up on every run, date
overflow, and no SMS went out for anybody). The bounds are checked in the domain and on
the form; values already stored are clamped where the worker reads them; and a
housekeeping job that fails is logged while the others and the outbox go on.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlmodel import select

from participation import housekeeping
from participation.accounts.models import Role
from participation.clock import utcnow
from participation.consultations import service as consultations
from participation.consultations.models import Consultation
from participation.contributions.models import Channel, Contribution
from participation.db import session_scope
from participation.outbox.models import OutboundMessage, OutboundStatus
from participation.outbox.service import enqueue_sms
from participation.phones import phone_key
from participation.retention import retention_ends
from tests.conftest import TEST_SECRET
from tests.factories import login, make_consultation, make_contribution, soup
from tests.fakes.twilio_api import running_fake_twilio

NUMBER = "+4915112345678"
KEY = phone_key(TEST_SECRET, NUMBER)


@pytest.mark.parametrize("days", [-100000, 0, 29, 3651, 999999999])
def test_the_domain_refuses_a_retention_outside_the_bounds(days):
    consultation = Consultation(slug="x", code="4711", retention_days=180)
    with pytest.raises(consultations.InvalidRetention):
        consultations.set_retention_days(consultation, days)
    assert consultation.retention_days == 180


@pytest.mark.parametrize("days", [30, 180, 3650])
def test_the_domain_takes_a_retention_within_the_bounds(days):
    consultation = Consultation(slug="x", code="4711", retention_days=180)
    consultations.set_retention_days(consultation, days)
    assert consultation.retention_days == days


@pytest.mark.parametrize("typed", ["-100000", "999999999", "99999999999999999999", "zwei"])
def test_the_form_refuses_a_bad_retention_and_keeps_what_was_typed(client, engine, typed):
    login(client, engine, Role.editor)
    consultation = make_consultation(engine)
    path = f"/de/staff/consultations/{consultation.id}"
    form = soup(client.get(path).text)
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    response = client.post(
        path,
        data={
            "csrf_token": token,
            "title:de": "Neuer Titel, den niemand verlieren will",
            "summary:de": "Eine lange Zusammenfassung.",
            "poll_kind": "none",
            "retention_days": typed,
        },
        follow_redirects=False,
    )
    assert response.status_code == 422
    page = soup(response.text)
    field = page.find("input", attrs={"name": "retention_days"})
    assert field["value"] == typed
    error = field.find_parent(class_="field").find(class_="field-error")
    assert error is not None and "3650" in error.get_text()
    assert field.get("aria-invalid") == "true"
    assert page.find("input", attrs={"name": "title:de"})["value"] == (
        "Neuer Titel, den niemand verlieren will"
    )
    with session_scope(engine) as session:
        stored = session.get(Consultation, consultation.id)
        assert stored.retention_days == 180
        assert consultations.text_for(session, stored, "de").text.title != (
            "Neuer Titel, den niemand verlieren will"
        )


def test_the_form_refuses_a_bad_retention_in_english(client, engine):
    login(client, engine, Role.editor)
    token = soup(client.get("/en/staff/consultations/new").text).find(
        "input", attrs={"name": "csrf_token"}
    )["value"]
    response = client.post(
        "/en/staff/consultations/new",
        data={
            "csrf_token": token,
            "title:de": "Titel",
            "poll_kind": "none",
            "retention_days": "-1",
        },
    )
    assert response.status_code == 422
    error = soup(response.text).find("input", attrs={"name": "retention_days"})
    text = error.find_parent(class_="field").find(class_="field-error").get_text()
    assert "days" in text and "30" in text and "3650" in text
    with session_scope(engine) as session:
        assert session.exec(select(Consultation)).all() == []


def _store_retention(engine, consultation, days: int, closed_days_ago: int | None = None) -> None:
    """What an older version let editors save: written straight to the database."""
    with session_scope(engine, write=True) as session:
        row = session.get(Consultation, consultation.id)
        row.retention_days = days
        if closed_days_ago is not None:
            row.closes_at = utcnow() - timedelta(days=closed_days_ago)
        session.add(row)


def test_bad_values_already_stored_neither_crash_the_worker_nor_erase_a_running_consultation(
    engine, settings, caplog
):
    running = make_consultation(engine)
    _store_retention(engine, running, -100000)
    kept = make_contribution(engine, running, "Per SMS", Channel.sms, author_key=KEY)
    closed = make_consultation(engine)
    also_kept = make_contribution(engine, closed, "Auch per SMS", Channel.sms, author_key=KEY)
    _store_retention(engine, closed, 999999999, closed_days_ago=1)
    with session_scope(engine, write=True) as session:
        enqueue_sms(session, TEST_SECRET, NUMBER, "Das Ergebnis ist da.")

    with running_fake_twilio() as api:
        assert housekeeping.run_worker(settings.with_(twilio_api_base=api.base_url), once=True) == 0
        [sent] = api.accepted
    assert sent.form["Body"] == "Das Ergebnis ist da."
    with session_scope(engine) as session:
        [message] = session.exec(select(OutboundMessage)).all()
        assert message.status is OutboundStatus.sent
        # The running consultation keeps its contact data: its period has not even begun.
        assert session.get(Contribution, kept.id).author_key == KEY
        # The closed one is read as the longest allowed period: years away yet.
        assert session.get(Contribution, also_kept.id).author_key == KEY
        ends = retention_ends(session.get(Consultation, closed.id))
        assert ends is not None and ends > utcnow() + timedelta(days=3000)


def test_a_stored_negative_retention_counts_as_the_shortest_allowed(engine, settings):
    closed = make_consultation(engine, phase="closed")
    _store_retention(engine, closed, -100000)
    with session_scope(engine) as session:
        row = session.get(Consultation, closed.id)
        assert retention_ends(row) == row.closes_at + timedelta(days=30)


def test_an_end_at_the_edge_of_the_calendar_never_overflows(engine):
    closed = make_consultation(engine, phase="closed")
    with session_scope(engine, write=True) as session:
        row = session.get(Consultation, closed.id)
        row.closes_at = row.closes_at.replace(year=9999, month=12, day=31)
        session.add(row)
    with session_scope(engine) as session:
        assert retention_ends(session.get(Consultation, closed.id)) is None


def test_a_failing_housekeeping_job_is_logged_and_the_next_one_runs(
    engine, settings, caplog, monkeypatch
):
    """A job that raises (here one added for the test, in front of the real ones): the
    error is logged with the job's name, the real jobs still run, the outbox still sends."""

    def broken(_engine, _settings):
        raise RuntimeError("disk full")

    monkeypatch.setattr(
        housekeeping, "HOUSEKEEPING_JOBS", (("broken_job", broken), *housekeeping.HOUSEKEEPING_JOBS)
    )
    consultation = make_consultation(engine)
    gone = make_contribution(engine, consultation, "Per SMS", Channel.sms, author_key=KEY)
    _store_retention(engine, consultation, 30, closed_days_ago=31)
    with session_scope(engine, write=True) as session:
        enqueue_sms(session, TEST_SECRET, NUMBER, "Das Ergebnis ist da.")

    with (
        caplog.at_level(logging.ERROR, logger="participation.housekeeping"),
        running_fake_twilio() as api,
    ):
        assert housekeeping.run_worker(settings.with_(twilio_api_base=api.base_url), once=True) == 0
        assert len(api.accepted) == 1
    [record] = [r for r in caplog.records if "broken_job" in r.getMessage()]
    assert record.levelno == logging.ERROR and record.exc_info is not None
    with session_scope(engine) as session:
        # The retention, listed after the broken job, did its work.
        assert session.get(Contribution, gone.id).author_key is None
        [message] = session.exec(select(OutboundMessage)).all()
        assert message.status is OutboundStatus.sent


def test_the_worker_command_starts_and_sends_despite_a_huge_stored_retention(
    engine, settings, monkeypatch
):
    """`participation worker --once`, as systemd starts it: it crashed on every start."""
    from participation.cli import main

    closed = make_consultation(engine)
    make_contribution(engine, closed, "Per SMS", Channel.sms, author_key=KEY)
    _store_retention(engine, closed, 999999999, closed_days_ago=1)
    with session_scope(engine, write=True) as session:
        enqueue_sms(session, TEST_SECRET, NUMBER, "Das Ergebnis ist da.")
    with running_fake_twilio() as api:
        for name, value in {
            "DATABASE_URL": settings.database_url,
            "SECRET_KEY": TEST_SECRET,
            "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
            "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
            "TWILIO_PHONE_NUMBER": settings.twilio_phone_number,
            "TWILIO_API_BASE": api.base_url,
        }.items():
            monkeypatch.setenv(name, value)
        assert main(["worker", "--once"]) == 0
        assert [r.form["Body"] for r in api.accepted] == ["Das Ergebnis ist da."]
