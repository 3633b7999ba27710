"""A call recording at Twilio: copied into our storage (sealed), deleted there, and gone
here with its contribution (erasure) or its recording_url (retention); a recording that
never became a contribution, or was erased first, is deleted there without a copy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from participation import carrier_deletions
from participation.carrier_deletions import delete_due
from participation.clock import set_now, utcnow
from participation.contributions.models import Contribution, Status
from participation.contributions.recordings import RecordingAudio
from participation.db import session_scope
from participation.outbox.models import CarrierDeletion, DeletionStatus
from participation.outbox.worker import CouncilSenders
from participation.phones import phone_key
from participation.privacy import erase_phone_data
from participation.retention import apply_retention
from tests.channels.voice.phone import ACCOUNT_SID, fetch, to_consultation
from tests.conftest import TEST_SECRET, TEST_TWILIO_TOKEN
from tests.factories import make_consultation
from tests.fakes.twilio_api import running_fake_twilio

CALLER = "+4915112345678"


@pytest.fixture
def twilio_api():
    with running_fake_twilio() as api:
        api.tokens[ACCOUNT_SID] = TEST_TWILIO_TOKEN
        yield api


@pytest.fixture
def settings(settings, twilio_api):
    return settings.with_(twilio_api_base=twilio_api.base_url)


@pytest.fixture(autouse=True)
def _clock(monkeypatch):
    # Every test starts with a worker that has not yet checked the media auth setting.
    monkeypatch.setattr(carrier_deletions, "_MEDIA_AUTH_CHECKED", set())
    yield
    set_now(None)


def record(client, api, seconds: int = 15) -> str:
    sid = api.add_recording(ACCOUNT_SID, b"ID3" + b"\x01" * 500)
    call = to_consultation(client, from_number=CALLER)
    call.press("1")
    call.record(seconds, recording_sid=sid, recording_url=api.recording_url(ACCOUNT_SID, sid))
    return sid


def deletions(engine, settings) -> int:
    return delete_due(engine, CouncilSenders(engine, settings))


def stored(engine) -> list[RecordingAudio]:
    return fetch(engine, select(RecordingAudio))


def job(engine, sid: str) -> CarrierDeletion:
    (found,) = fetch(engine, select(CarrierDeletion).where(CarrierDeletion.sid == sid))
    return found


def test_a_kept_recording_is_copied_sealed_then_deleted_at_twilio(
    client, engine, settings, twilio_api
):
    make_consultation(engine)
    sid = record(client, twilio_api)
    assert deletions(engine, settings) == 1
    ((copy,),) = [stored(engine)]
    assert copy.recording_sid == sid and b"\x01" * 500 not in copy.sealed
    assert twilio_api.deleted("Recordings") == [sid]
    assert job(engine, sid).status is DeletionStatus.done


def test_a_failed_download_keeps_the_recording_at_twilio_until_it_worked(
    client, engine, settings, twilio_api
):
    make_consultation(engine)
    sid = record(client, twilio_api)
    # The first for the worker's look at the media auth setting, the second for the copy.
    twilio_api.download_failures.extend([(500, None), (500, None)])
    deletions(engine, settings)
    # Not deleted: it would be lost.
    assert twilio_api.held(sid) and twilio_api.deletions == [] and stored(engine) == []
    set_now(job(engine, sid).next_attempt_at)
    deletions(engine, settings)
    assert len(stored(engine)) == 1 and not twilio_api.held(sid)


def test_with_media_auth_off_the_download_still_sends_credentials(
    client, engine, settings, twilio_api
):
    twilio_api.enforce_media_auth = False
    make_consultation(engine)
    record(client, twilio_api)
    deletions(engine, settings)
    probe, download = twilio_api.downloads
    assert probe.auth is None and download.auth == (ACCOUNT_SID, TEST_TWILIO_TOKEN)
    assert len(stored(engine)) == 1


def test_a_too_short_recording_is_deleted_without_a_copy(client, engine, settings, twilio_api):
    make_consultation(engine)
    sid = record(client, twilio_api, seconds=1)
    assert fetch(engine, select(Contribution)) == []
    deletions(engine, settings)
    assert twilio_api.downloads == [] and twilio_api.deleted("Recordings") == [sid]


def test_erased_before_the_copy_the_recording_is_deleted_without_one(
    client, engine, settings, twilio_api
):
    make_consultation(engine)
    sid = record(client, twilio_api)
    with session_scope(engine, write=True) as session:
        counts = erase_phone_data(session, settings, phone_key(TEST_SECRET, CALLER), via="staff")
    assert counts["at_twilio"] >= 1
    deletions(engine, settings)
    assert twilio_api.downloads == [] and twilio_api.deleted("Recordings") == [sid]
    assert stored(engine) == []


def test_erasure_deletes_our_copy(client, engine, settings, twilio_api):
    make_consultation(engine)
    record(client, twilio_api)
    deletions(engine, settings)
    assert len(stored(engine)) == 1
    with session_scope(engine, write=True) as session:
        erase_phone_data(session, settings, phone_key(TEST_SECRET, CALLER), via="sms")
    assert stored(engine) == []


def test_retention_deletes_our_copy_once_the_transcript_is_published(
    client, engine, settings, twilio_api
):
    make_consultation(engine)
    record(client, twilio_api)
    deletions(engine, settings)
    with session_scope(engine, write=True) as session:
        contribution = session.exec(select(Contribution)).one()
        contribution.body = "Mehr Bänke am Marktplatz."
        contribution.status = Status.published
    with session_scope(engine, write=True) as session:
        counts = apply_retention(session, settings)
    assert counts["recording_audio"] == 1 and stored(engine) == []
    # Deleted at Twilio long before: nothing more to ask there.
    assert "recordings_at_twilio" not in counts


def test_retention_of_a_closed_consultation_reaches_twilio_too(
    client, engine, settings, twilio_api
):
    consultation = make_consultation(engine)
    sid = record(client, twilio_api)
    with session_scope(engine, write=True) as session:
        row = session.get(type(consultation), consultation.id)
        row.closes_at = utcnow() - timedelta(days=400)
    with session_scope(engine, write=True) as session:
        counts = apply_retention(session, settings)
    assert counts["recordings_at_twilio"] == 1
    deletions(engine, settings)
    assert twilio_api.downloads == [] and twilio_api.deleted("Recordings") == [sid]


def test_a_finished_calls_record_is_deleted_at_twilio_after_a_while(
    client, engine, settings, twilio_api
):
    make_consultation(engine)
    call = to_consultation(client, from_number=CALLER)
    twilio_api.calls[call.sid] = ACCOUNT_SID
    call.hang_up()
    deletions(engine, settings)
    assert twilio_api.held(call.sid)  # its recording is copied first
    set_now(utcnow() + timedelta(minutes=16))
    deletions(engine, settings)
    assert twilio_api.deleted("Calls") == [call.sid]


def test_erasure_reaches_the_numbers_call_records(client, engine, settings, twilio_api):
    make_consultation(engine)
    call = to_consultation(client, from_number=CALLER)
    twilio_api.calls[call.sid] = ACCOUNT_SID
    with session_scope(engine, write=True) as session:
        erase_phone_data(session, settings, phone_key(TEST_SECRET, CALLER), via="staff")
    deletions(engine, settings)
    assert twilio_api.deleted("Calls") == [call.sid]


@pytest.mark.parametrize("enforced", [True, False])
def test_media_auth_is_checked_with_a_real_recording(
    client, engine, settings, twilio_api, enforced
):
    from participation.moderation.models import AuditEvent

    twilio_api.enforce_media_auth = enforced
    make_consultation(engine)
    record(client, twilio_api)
    deletions(engine, settings)
    unauthenticated = [r for r in twilio_api.downloads if r.auth is None]
    assert len(unauthenticated) == 1
    warned = fetch(engine, select(AuditEvent).where(AuditEvent.action == "carrier.media_auth_off"))
    assert [e.object_id for e in warned] == ([] if enforced else [ACCOUNT_SID])
    assert len(stored(engine)) == 1
