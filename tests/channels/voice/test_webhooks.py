"""Signatures, idempotency on (CallSid, step), the recording callback, opening hours."""

from __future__ import annotations

import pytest
from babel.dates import get_day_names
from sqlmodel import select
from twilio.request_validator import RequestValidator

from participation.channels.voice.hours import spoken_hours
from participation.channels.voice.models import VoiceCall, VoiceCallEvent
from participation.channels.voice.speech import spoken
from participation.clock import set_now
from participation.consultations.models import PollOption
from participation.contributions.models import Channel, Contribution, PollVote
from participation.outbox.models import OutboundMessage
from tests.channels.voice.conftest import SATURDAY_MORNING
from tests.channels.voice.phone import ACCOUNT_SID, ALL_LANGUAGES, fetch, open_line, to_consultation
from tests.conftest import PUBLIC_BASE, TEST_TWILIO_TOKEN
from tests.factories import make_consultation

# --- Signatures ------------------------------------------------------------------------

PARAMS = {"CallSid": "CA" + "1" * 32, "AccountSid": ACCOUNT_SID, "From": "+4915112345678"}


@pytest.mark.parametrize(
    "path", ["/twilio/voice", "/twilio/voice/language?n=1", "/twilio/voice/recording?c=&lang=de"]
)
def test_unsigned_or_wrongly_signed_requests_are_refused(client, engine, path):
    url = PUBLIC_BASE + path
    assert client.post(path, data=PARAMS).status_code == 403
    wrong_token = RequestValidator("another-token").compute_signature(url, PARAMS)
    assert (
        client.post(path, data=PARAMS, headers={"X-Twilio-Signature": wrong_token}).status_code
        == 403
    )
    # Signed for the address the app sees behind a proxy, not the public one Twilio called.
    internal = RequestValidator(TEST_TWILIO_TOKEN).compute_signature(
        "http://internal:8000" + path, PARAMS
    )
    assert (
        client.post(path, data=PARAMS, headers={"X-Twilio-Signature": internal}).status_code == 403
    )
    # A changed parameter breaks the signature.
    good = RequestValidator(TEST_TWILIO_TOKEN).compute_signature(url, PARAMS)
    tampered = {**PARAMS, "From": "+4915199999999"}
    assert client.post(path, data=tampered, headers={"X-Twilio-Signature": good}).status_code == 403
    assert client.post(path, data=PARAMS, headers={"X-Twilio-Signature": good}).status_code == 200
    assert len(fetch(engine, select(Contribution))) == 0


def test_the_account_sid_is_no_authentication(client, engine):
    assert (
        client.post("/twilio/voice", data={**PARAMS, "AccountSid": ACCOUNT_SID}).status_code == 403
    )
    assert fetch(engine, select(VoiceCall)) == []


def test_no_webhook_without_signature_even_for_the_call_status(client, engine):
    assert client.post("/twilio/voice/call-status", data=PARAMS).status_code == 403


# --- Idempotency -------------------------------------------------------------------------


def test_a_repeated_step_gets_the_same_answer_and_writes_once(client, engine):
    make_consultation(engine, poll=["yes", "no"])
    call = to_consultation(client)
    call.press("2")
    vote_menu = call.last
    first = call.press("1")
    # Twilio delivers the same webhook again (same URL, same CallSid).
    again = call.post(vote_menu.root.find(".//Gather").get("action"), {"Digits": "1"}, "again")
    assert again.twiml == first.twiml
    assert len(fetch(engine, select(PollVote))) == 1
    # A keypad vote is a vote only: no empty contribution in the queue.
    assert len(fetch(engine, select(Contribution))) == 0
    # Even with other keys in the repeat: the answer belongs to (CallSid, step).
    third = call.post(vote_menu.root.find(".//Gather").get("action"), {"Digits": "2"}, "third")
    assert third.twiml == first.twiml
    (vote,) = fetch(engine, select(PollVote))
    assert vote.option_id == min(o.id for o in fetch(engine, select(PollOption)))


def test_sms_with_the_reference_is_queued_once(client, engine):
    # A recorded comment has a reference number (a vote has none since it is no text).
    make_consultation(engine, poll=["yes", "no"])
    call = to_consultation(client)
    call.press("1")
    call.record(18)
    after = call.last
    call.press("1")
    call.post(after.root.find(".//Gather").get("action"), {"Digits": "1"}, "again")
    assert len(fetch(engine, select(OutboundMessage))) == 1


@pytest.mark.parametrize("callback_first", [False, True])
def test_a_recording_is_stored_once_whichever_request_comes_first(client, engine, callback_first):
    make_consultation(engine)
    call = to_consultation(client)
    call.press("1")
    record_answer = call.last
    callback, action = call.record(31, callback_first=callback_first)
    (stored,) = fetch(engine, select(Contribution))
    assert stored.channel is Channel.voice and stored.recording_duration == 31
    assert " ".join(stored.reference[:4]) in call.text()
    # Twilio retries both: still one contribution, the same answer.
    call.log.append(record_answer)
    _again_callback, again_action = call.record(
        31,
        recording_sid=callback.params["RecordingSid"],
        recording_url=callback.params["RecordingUrl"],
    )
    assert again_action.twiml == action.twiml
    assert len(fetch(engine, select(Contribution))) == 1


def asks_nothing(answer) -> bool:
    """A TwiML answer that says nothing and waits for nothing: the call is over."""
    root = answer.root
    return (
        root.find(".//Say") is None
        and root.find(".//Gather") is None
        and root.find(".//Record") is None
        and root.find(".//Redirect") is None
    )


def test_hanging_up_while_recording_keeps_a_recording_over_three_seconds(client, engine):
    consultation = make_consultation(engine)
    call = to_consultation(client)
    call.press("1")
    _callback, action = call.record(4, hang_up=True)
    (stored,) = fetch(engine, select(Contribution))
    assert stored.consultation_id == consultation.id and stored.recording_duration == 4
    # Twilio still requests the action after a hang-up: it must not go on talking.
    assert asks_nothing(action)
    (row,) = fetch(engine, select(VoiceCall))
    assert row.contributed


@pytest.mark.parametrize("seconds", [0, 1, 3])
@pytest.mark.parametrize("callback_first", [False, True])
def test_hanging_up_after_a_few_seconds_stores_and_queues_nothing(
    client, engine, seconds, callback_first
):
    make_consultation(engine)
    call = to_consultation(client)
    call.press("1")
    _callback, action = call.record(seconds, hang_up=True, callback_first=callback_first)
    assert fetch(engine, select(Contribution)) == []
    assert fetch(engine, select(OutboundMessage)) == []
    assert asks_nothing(action)
    (row,) = fetch(engine, select(VoiceCall))
    assert not row.contributed
    events = fetch(engine, select(VoiceCallEvent.kind))
    assert "hangup_dropped" in events and "recording_dropped" in events


@pytest.mark.parametrize("seconds", [0, 1, 2, 3])
def test_three_seconds_or_less_is_no_comment(client, engine, seconds):
    make_consultation(engine)
    call = to_consultation(client)
    call.press("1")
    call.record(seconds)
    assert fetch(engine, select(Contribution)) == []
    assert call.said()[0][2] == spoken("recording_too_short", "de")
    assert call.gather.get("action").split("?")[0].endswith("/action")
    events = fetch(engine, select(VoiceCallEvent.kind))
    assert "recording_dropped" in events and "too_short" in events


def test_nothing_recorded_at_all_follows_the_redirect(client, engine):
    make_consultation(engine)
    call = to_consultation(client)
    call.press("1")
    redirect = call.find("Redirect")
    call.post(redirect.text, {}, "record: silence, Twilio follows <Redirect>")
    assert call.said()[0][2] == spoken("recording_too_short", "de")


def test_a_consultation_closing_during_the_call_refuses_the_recording(client, engine):
    from datetime import timedelta

    from tests.channels.voice.conftest import WEDNESDAY_MORNING

    make_consultation(engine)
    call = to_consultation(client)
    call.press("1")
    set_now(WEDNESDAY_MORNING + timedelta(days=30))
    call.record(20)
    assert fetch(engine, select(Contribution)) == []
    assert spoken("not_open", "de") in call.text()


def test_the_call_status_callback_ends_the_call_once(client, engine):
    make_consultation(engine)
    call = open_line(client)
    call.hang_up(42)
    call.hang_up(99)
    (row,) = fetch(engine, select(VoiceCall))
    assert row.duration == 42 and row.ended_at is not None


# --- Opening hours -----------------------------------------------------------------------


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_outside_the_line_hours_an_announcement_and_voicemail(client, engine, language):
    set_now(SATURDAY_MORNING)
    make_consultation(engine)
    call = open_line(client, language)
    text = call.text()
    hours = spoken_hours("mon-fri 08:00-18:00", language)
    assert text.startswith(spoken("closed", language, hours=hours))
    assert spoken("notice", language) in text
    monday = get_day_names("wide", locale="de" if language == "ls" else language)[0]
    assert monday in text
    assert call.find("Record") is not None
    call.record(15)
    (stored,) = fetch(engine, select(Contribution))
    # A voicemail belongs to no consultation yet: staff assign it.
    assert stored.consultation_id is None and stored.channel is Channel.voice
    assert spoken("after_menu", language, sms=True, back=False) in call.text()
    call.press("0")
    assert spoken("reprompt", language, reason="invalid") in call.text()
    (row,) = fetch(engine, select(VoiceCall))
    assert row.after_hours


def test_a_call_started_within_hours_goes_on_after_closing_time(client, engine):
    from datetime import UTC, datetime

    set_now(datetime(2026, 3, 4, 16, 59, tzinfo=UTC))  # 17:59 in Germany
    make_consultation(engine)
    call = open_line(client)
    set_now(datetime(2026, 3, 4, 17, 5, tzinfo=UTC))
    call.press("1")
    assert call.gather.get("action").split("?")[0].endswith("/action")


def test_a_line_open_always(client, engine, app):
    app.state.settings = app.state.settings.with_(phone_hours="always")
    set_now(SATURDAY_MORNING)
    make_consultation(engine)
    call = open_line(client)
    assert call.gather.get("action").split("?")[0].endswith("/consultation")


def test_a_day_later_the_call_keeps_no_caller_data(client, engine):
    from datetime import timedelta

    from participation.channels.voice.models import VoiceStep
    from tests.channels.voice.conftest import WEDNESDAY_MORNING

    make_consultation(engine)
    first = to_consultation(client)
    first.press("3")
    first.press("2")
    first.press("05121 987654#")  # typed, read back, not yet confirmed
    (row,) = fetch(engine, select(VoiceCall))
    assert row.caller_key and row.pending_number
    set_now(WEDNESDAY_MORNING + timedelta(days=1, minutes=1))
    open_line(client)
    old = fetch(engine, select(VoiceCall).where(VoiceCall.call_sid == first.sid))[0]
    assert old.caller_key is None and old.pending_number is None
    assert fetch(engine, select(VoiceStep).where(VoiceStep.call_sid == first.sid)) == []
