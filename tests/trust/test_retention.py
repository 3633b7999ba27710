"""The deletion concept: when a consultation's retention period runs out, contact data
goes (phone links, recordings, notification and call-back numbers), the result stays,
and the audit trail says what went. The clock is moved, the worker does the work."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from participation.clock import set_now, utcnow
from participation.consultations.models import Consultation
from participation.consultations.service import poll_options
from participation.contributions.models import Channel, Contribution, PollVote
from participation.crypto import encrypt
from participation.db import session_scope
from participation.moderation.models import AuditEvent
from participation.moderation.service import approve
from participation.outbox.models import OutboundMessage, OutboundStatus
from participation.outbox.service import enqueue_sms
from participation.phones import phone_key
from participation.retention import (
    OUTBOX_KEEP_DAYS,
    UNASSIGNED_RETENTION_DAYS,
    apply_retention,
    retention_ends,
)
from tests.conftest import TEST_SECRET
from tests.factories import make_consultation, make_contribution

NUMBER = "+4915112345678"
KEY = phone_key(TEST_SECRET, NUMBER)


def _scene(engine, settings):
    """An open consultation with contact data in every place it can be."""
    consultation = make_consultation(engine, poll=["yes", "no"])
    with session_scope(engine) as session:
        yes = poll_options(session, consultation.id)[0]
    sms = make_contribution(
        engine,
        consultation,
        "Per SMS",
        Channel.sms,
        author_key=KEY,
        poll_option_id=yes.id,
        voter_key=KEY,
        external_id="SM" + "1" * 32,
    )
    voice = make_contribution(
        engine,
        consultation,
        "",
        Channel.voice,
        author_key=phone_key(TEST_SECRET, "+4930123"),
        recording_url="https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
        recording_duration=20,
    )
    # A web vote confirmed by SMS code: its voter is a phone hash too.
    web = make_contribution(
        engine,
        consultation,
        "Online",
        poll_option_id=yes.id,
        voter_key=phone_key(TEST_SECRET, "+4915199999999"),
    )
    with session_scope(engine, write=True) as session:
        row = session.get(Contribution, web.id)
        row.body_original = "Online, mit Telefonnummer 0151 2345678"
        row.body = "Online, mit Telefonnummer [entfernt]"
        session.add(row)
        approve(session, row, None)
        enqueue_sms(session, TEST_SECRET, NUMBER, "Danke!")
    extra = {}
    sms_models = pytest.importorskip("participation.results.models")
    voice_models = pytest.importorskip("participation.channels.voice.models")
    with session_scope(engine, write=True) as session:
        session.add(
            sms_models.SmsNotifyRequest(
                consultation_id=consultation.id,
                phone_key=KEY,
                number_encrypted=encrypt(TEST_SECRET, NUMBER),
            )
        )
        callback = voice_models.CallbackRequest(
            call_sid="CA" + "2" * 32,
            number_encrypted=encrypt(TEST_SECRET, "+4930123"),
            number_key=phone_key(TEST_SECRET, "+4930123"),
            locale="de",
            consultation_id=consultation.id,
        )
        session.add(callback)
        session.flush()
        extra["callback_id"] = callback.id
    # The consultation closes tomorrow.
    with session_scope(engine, write=True) as session:
        row = session.get(Consultation, consultation.id)
        row.closes_at = utcnow() + timedelta(days=1)
        row.retention_days = 30
        session.add(row)
        consultation = row
    return consultation, sms, voice, web, extra


def _run_worker(settings, engine) -> None:
    worker = pytest.importorskip("participation.outbox.worker")
    housekeeping = pytest.importorskip("participation.housekeeping")
    housekeeping.run_worker(settings, once=True, engine=engine, sender=worker.SimulatorSender())


def test_contact_data_goes_when_the_retention_period_ends(engine, settings):
    consultation, sms, voice, web, extra = _scene(engine, settings)
    ends = retention_ends(consultation)
    assert ends is not None

    # The day before the end: nothing is touched.
    set_now(ends - timedelta(days=1))
    _run_worker(settings, engine)
    with session_scope(engine) as session:
        assert session.get(Contribution, sms.id).author_key == KEY
        assert session.get(Contribution, voice.id).recording_url
        assert not session.exec(
            select(AuditEvent).where(AuditEvent.action == "retention.expired")
        ).all()

    set_now(ends + timedelta(minutes=1))
    _run_worker(settings, engine)
    from participation.channels.voice.models import CallbackRequest
    from participation.results.models import SmsNotifyRequest

    with session_scope(engine) as session:
        rows = {c.id: c for c in session.exec(select(Contribution)).all()}
        # Every contribution is still there, with its text: that is the result.
        assert set(rows) == {sms.id, voice.id, web.id}
        assert rows[sms.id].body == "Per SMS"
        assert all(row.author_key is None for row in rows.values())
        assert rows[voice.id].recording_url is None
        assert rows[voice.id].recording_duration == 20
        assert rows[web.id].body_original is None
        assert rows[web.id].body == "Online, mit Telefonnummer [entfernt]"
        votes = session.exec(select(PollVote)).all()
        assert len(votes) == 2  # the count of the result does not change
        assert all(v.voter_key.startswith("anon:") for v in votes)
        assert session.exec(select(SmsNotifyRequest)).all() == []
        callback = session.get(CallbackRequest, extra["callback_id"])
        assert callback.number_encrypted is None and callback.number_key is None
        events = session.exec(
            select(AuditEvent).where(AuditEvent.action == "retention.expired")
        ).all()
        assert len(events) == 1
        event = events[0]
        assert event.staff_id is None and event.object_id == str(consultation.id)
        counts = event.detail["counts"]
        assert counts["phone_links"] == 2 and counts["recordings"] == 1
        assert counts["sms_notify_request"] == 1 and counts["callback_request"] == 1
        # Both votes had a phone hash (an SMS and a web vote confirmed by SMS code).
        assert counts["vote_phone_links"] == 2 and counts["texts_before_redaction"] == 1
        # The trail says what and how many, never whose.
        assert KEY not in str(event.detail) and NUMBER not in str(event.detail)

    # A second run finds nothing left to do and records nothing.
    _run_worker(settings, engine)
    with session_scope(engine) as session:
        assert (
            len(
                session.exec(
                    select(AuditEvent).where(AuditEvent.action.startswith("retention."))
                ).all()
            )
            == 1
        )


def test_recording_goes_once_transcribed_and_published(engine, settings):
    consultation = make_consultation(engine)
    kept = make_contribution(
        engine, consultation, "", Channel.voice, recording_url="https://rec/1", recording_duration=9
    )
    done = make_contribution(
        engine, consultation, "", Channel.voice, recording_url="https://rec/2", recording_duration=9
    )
    with session_scope(engine, write=True) as session:
        row = session.get(Contribution, done.id)
        row.body = "Abgeschrieben: mehr Bänke."
        approve(session, row, None)
    with session_scope(engine, write=True) as session:
        removed = apply_retention(session, settings)
    assert removed == {"recordings": 1}
    with session_scope(engine) as session:
        assert session.get(Contribution, kept.id).recording_url == "https://rec/1"
        assert session.get(Contribution, done.id).recording_url is None


def test_sent_messages_lose_their_recipient_after_a_while(engine, settings):
    with session_scope(engine, write=True) as session:
        message = enqueue_sms(session, TEST_SECRET, NUMBER, "Ergebnis")
        message.status = OutboundStatus.delivered
        session.add(message)
        queued = enqueue_sms(session, TEST_SECRET, NUMBER, "Noch nicht gesendet")
    set_now(utcnow() + timedelta(days=OUTBOX_KEEP_DAYS + 1))
    with session_scope(engine, write=True) as session:
        removed = apply_retention(session, settings)
    assert removed.get("outbound_messages") == 1
    with session_scope(engine) as session:
        assert [m.id for m in session.exec(select(OutboundMessage)).all()] == [queued.id]


def test_a_stop_outlives_the_state_of_numbers_gone_quiet(engine, settings):
    sms_models = pytest.importorskip("participation.outbox.consent")
    stopped = phone_key(TEST_SECRET, "+4915100000001")
    quiet = phone_key(TEST_SECRET, "+4915100000002")
    with session_scope(engine, write=True) as session:
        session.add(sms_models.SmsContact(phone_key=stopped, opted_out=True, opted_out_at=utcnow()))
        session.add(sms_models.SmsContact(phone_key=quiet, language="tr"))
    set_now(utcnow() + timedelta(days=UNASSIGNED_RETENTION_DAYS + 1))
    _run_worker(settings, engine)
    with session_scope(engine) as session:
        contacts = session.exec(select(sms_models.SmsContact)).all()
        assert [(c.phone_key, c.opted_out) for c in contacts] == [(stopped, True)]
        [event] = session.exec(
            select(AuditEvent).where(AuditEvent.action == "retention.unassigned")
        ).all()
        assert event.detail["counts"]["sms_contact"] == 1
    # The objection still holds: a later message to that number is not sent.
    with session_scope(engine, write=True) as session:
        enqueue_sms(session, TEST_SECRET, "+4915100000001", "Das Ergebnis ist da.")
    _run_worker(settings, engine)
    with session_scope(engine) as session:
        [message] = session.exec(select(OutboundMessage)).all()
        assert message.status is OutboundStatus.failed and message.error_code == "opted_out"


def test_open_ended_consultations_keep_their_data(engine, settings):
    consultation = make_consultation(engine)
    with session_scope(engine, write=True) as session:
        row = session.get(Consultation, consultation.id)
        row.closes_at = None
        session.add(row)
    make_contribution(engine, consultation, "x", Channel.sms, author_key=KEY)
    set_now(utcnow() + timedelta(days=3650))
    with session_scope(engine, write=True) as session:
        apply_retention(session, settings)
    with session_scope(engine) as session:
        assert session.exec(select(Contribution)).one().author_key == KEY
