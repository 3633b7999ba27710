"""The phone line's data work: calls, recordings, votes, call-backs, transcripts, the report.

Plain functions over a Session; no Request, no TwiML. Contributions go through
contributions.service and votes through contributions.votes, the write paths every channel
shares.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

import phonenumbers
from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from participation.channels.voice.models import (
    ENCRYPTED,
    STEP_CACHE_TIME,
    CallbackRequest,
    CallbackStatus,
    SummaryAudio,
    VoiceCall,
    VoiceCallEvent,
    VoiceStep,
)
from participation.channels.voice.staff import SIMULATED_PREFIX
from participation.clock import utcnow
from participation.consultations.models import Consultation, PollOption
from participation.contributions.models import Channel, Contribution
from participation.contributions.service import ChannelDetails, Submission, submit_contribution
from participation.contributions.votes import Voter, submit_vote
from participation.crypto import decrypt, encrypt, keyed_hash
from participation.outbox.carrier import forget_at_carrier, forget_recording
from participation.outbox.models import CarrierKind
from participation.outbox.service import enqueue_sms
from participation.phones import normalise_number, phone_key
from participation.questionnaires.answers import Recording
from participation.questionnaires.models import PROGRESS_HOURS
from participation.settings import LANGUAGES, Settings

#: Recordings of 3 seconds or less (a hang-up after the beep, a cough, "hello?") are no
#: comment: nothing is stored and nothing reaches the moderation queue.
MIN_RECORDING_SECONDS = 3
_RECORDING_SID = re.compile(r"/Recordings/(RE[0-9a-fA-F]{32})")


def caller_number(raw: str | None, region: str) -> str | None:
    """The caller's number in E.164, or None when withheld ("anonymous", "+266696687")."""
    if not raw or not raw.startswith("+") or raw in ("+266696687", "+7378742833"):
        return None
    return normalise_number(raw, region)


def callback_number(typed: str, region: str) -> str | None:
    """A typed call-back number in E.164, only when it is a real, diallable number:
    a call-back to "123" helps nobody, and staff would lose time on it."""
    try:
        parsed = phonenumbers.parse(typed, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def get_call(session: Session, call_sid: str) -> VoiceCall | None:
    return session.exec(select(VoiceCall).where(VoiceCall.call_sid == call_sid)).first()


def start_call(session: Session, settings: Settings, call_sid: str, from_raw: str) -> VoiceCall:
    call = get_call(session, call_sid)
    if call is not None:
        return call
    number = caller_number(from_raw, settings.default_region)
    call = VoiceCall(
        call_sid=call_sid,
        caller_key=phone_key(settings.secret_key, number) if number else None,
    )
    session.add(call)
    session.flush()
    return call


def voter_key(settings: Settings, call: VoiceCall) -> str:
    """Votes count once per phone number; a withheld number votes once per call."""
    return call.caller_key or keyed_hash(settings.secret_key, call.call_sid, purpose="call")


def log_event(session: Session, call: VoiceCall, step: str, kind: str, detail: str = "") -> None:
    session.add(VoiceCallEvent(call_sid=call.call_sid, step=step, kind=kind, detail=detail[:200]))


def cached_answer(session: Session, settings: Settings, call_sid: str, step: str) -> str | None:
    stored = session.exec(
        select(VoiceStep.twiml).where(VoiceStep.call_sid == call_sid, VoiceStep.step == step)
    ).first()
    return answer_twiml(settings, stored) if stored is not None else None


def answer_twiml(settings: Settings, stored: str) -> str:
    """A cached answer as Twilio got it (an encrypted one decrypted)."""
    if stored.startswith(ENCRYPTED):
        return decrypt(settings.secret_key, stored.removeprefix(ENCRYPTED)) or ""
    return stored


def store_answer(
    session: Session,
    settings: Settings,
    call_sid: str,
    step: str,
    twiml: str,
    *,
    number: str | None = None,
) -> None:
    """Caches one answer; one that reads ``number`` back is kept only encrypted, under
    that number's keyed hash, so erasure finds it and no table shows the number.

    Flushes at once so a racing second delivery fails here, on the unique constraint.
    """
    stored, number_key = twiml, None
    if number:
        stored = ENCRYPTED + encrypt(settings.secret_key, twiml)
        number_key = phone_key(settings.secret_key, number)
    session.add(VoiceStep(call_sid=call_sid, step=step, twiml=stored, number_key=number_key))
    session.flush()


def purge_call_data(session: Session, now: datetime | None = None) -> int:
    """Forgets what a call needed only while it lasted, a day later: the cached answers
    and the caller's hash and typed number. The call's row itself stays, anonymous, for
    the service report. Runs at every new call; participation.retention does the same in
    the worker, for when no call comes."""
    cutoff = (now or utcnow()) - STEP_CACHE_TIME
    result = session.exec(delete(VoiceStep).where(col(VoiceStep.created_at) < cutoff))
    session.exec(
        update(VoiceCall)
        .where(
            col(VoiceCall.started_at) < cutoff,
            or_(col(VoiceCall.caller_key).is_not(None), col(VoiceCall.pending_number).is_not(None)),
        )
        .values(caller_key=None, pending_number=None, pending_number_key=None)
    )
    return result.rowcount or 0


def call_answers(session: Session, call_sid: str) -> list[VoiceStep]:
    """Every answer of one call in order (the phone simulator's transcript)."""
    return list(
        session.exec(
            select(VoiceStep).where(VoiceStep.call_sid == call_sid).order_by(col(VoiceStep.id))
        ).all()
    )


def recording_sid_of(recording_sid: str | None, recording_url: str | None) -> str | None:
    if recording_sid:
        return recording_sid
    match = _RECORDING_SID.search(recording_url or "")
    return match.group(1) if match else None


def store_recording(
    session: Session,
    settings: Settings,
    *,
    call_sid: str,
    consultation_id: int | None,
    language: str,
    recording_sid: str | None,
    recording_url: str,
    duration: int,
) -> Contribution | None:
    """The recording as a voice contribution, stored once however often Twilio reports it.

    Both the <Record> action and the recording-status callback call this; whichever comes
    first stores, the other finds the same row by its external id. None for a recording
    too short to be a comment. Raises ConsultationNotOpen like every other channel.
    """
    sid = recording_sid_of(recording_sid, recording_url)
    at_twilio = sid if not recording_url.startswith(SIMULATED_PREFIX) else None
    # Twilio keeps every recording until it is deleted there, a dropped one too.
    forget_recording(session, at_twilio, None)
    if duration <= MIN_RECORDING_SECONDS or not recording_url:
        return None
    external_id = sid or call_sid
    consultation = session.get(Consultation, consultation_id) if consultation_id else None
    call = get_call(session, call_sid)
    submitted = submit_contribution(
        session,
        Submission(
            consultation=consultation,
            body="",
            channel=Channel.voice,
            locale=LANGUAGES.get(language, "de"),
            details=ChannelDetails(
                external_id=external_id,
                author_key=call.caller_key if call else None,
                recording_url=recording_url,
                recording_duration=duration,
            ),
        ),
    )
    if call is not None and not call.contributed:
        call.contributed = True
        session.add(call)
    # Copied into our storage before it is deleted at Twilio.
    forget_recording(session, at_twilio, submitted.contribution.id)
    return submitted.contribution


def _at_twilio(recording_sid: str | None, recording_url: str) -> str | None:
    sid = recording_sid_of(recording_sid, recording_url)
    return sid if not recording_url.startswith(SIMULATED_PREFIX) else None


def answer_recording(
    session: Session,
    *,
    call_sid: str,
    question_id: int,
    recording_sid: str | None,
    recording_url: str,
    duration: int,
) -> Recording | None:
    """A spoken answer to a questionnaire's free-text question, waiting with the other
    answers; None (and deleted at Twilio at once) when too short to be an answer.

    Twilio deletes it when the questionnaire's progress would be forgotten, unless the
    response was stored before: then it is copied first (kept_answer_recordings)."""
    at_twilio = _at_twilio(recording_sid, recording_url)
    if duration <= MIN_RECORDING_SECONDS or not recording_url:
        forget_recording(session, at_twilio, None)
        return None
    due = utcnow() + timedelta(hours=PROGRESS_HOURS)
    forget_at_carrier(session, CarrierKind.recording, at_twilio, due=due)
    sid = recording_sid_of(recording_sid, recording_url)
    return Recording(recording_url, duration, sid or f"{call_sid}:q{question_id}")


def drop_answer_recording(session: Session, recording_sid: str | None, recording_url: str) -> None:
    """A recording that answers nothing (the caller hung up mid-questionnaire)."""
    forget_recording(session, _at_twilio(recording_sid, recording_url), None)


def kept_answer_recordings(session: Session, recordings: Iterable[Recording]) -> None:
    """The stored response's spoken answers: copied into our storage, then deleted at
    Twilio, as a recorded comment is."""
    for recording in recordings:
        contribution = session.exec(
            select(Contribution).where(Contribution.external_id == recording.external_id)
        ).first()
        if contribution is not None:
            forget_recording(
                session, _at_twilio(recording.external_id, recording.url), contribution.id
            )


def cast_vote(
    session: Session,
    settings: Settings,
    *,
    call: VoiceCall,
    consultation: Consultation,
    option: PollOption,
) -> bool:
    """A keypad vote through submit_vote (no text, so no queue item); True when it
    replaced an earlier answer from this number, through any door."""
    recorded = submit_vote(
        session,
        consultation=consultation,
        option_id=option.id,
        channel=Channel.voice,
        voter=Voter(voter_key(settings, call)),
    )
    call.voted = True
    session.add(call)
    return recorded.replaced


def request_callback(
    session: Session,
    settings: Settings,
    *,
    call: VoiceCall,
    e164: str,
    language: str,
) -> CallbackRequest:
    """One open call-back task per call; asking again in the same call updates it."""
    request = session.exec(
        select(CallbackRequest).where(CallbackRequest.call_sid == call.call_sid)
    ).first()
    if request is None or request.status is CallbackStatus.done:
        request = request or CallbackRequest(call_sid=call.call_sid, locale="de")
        request.status = CallbackStatus.open
        request.created_at = utcnow()
    request.number_encrypted = encrypt(settings.secret_key, e164)
    request.number_key = phone_key(settings.secret_key, e164)
    request.locale = LANGUAGES.get(language, "de")
    request.consultation_id = call.consultation_id
    session.add(request)
    call.requested_callback = True
    session.add(call)
    session.flush()
    return request


def send_reference_sms(
    session: Session, settings: Settings, *, call: VoiceCall, e164: str, body: str, reference: str
) -> None:
    enqueue_sms(
        session,
        settings.secret_key,
        e164,
        body,
        idempotency_key=f"voice:{call.call_sid}:{reference}",
    )


def summary_audio_id(session: Session, consultation_id: int, locale: str) -> int | None:
    """The recorded summary for a language, if staff uploaded one (its id, not the bytes)."""
    return session.exec(
        select(SummaryAudio.id).where(
            SummaryAudio.consultation_id == consultation_id, SummaryAudio.locale == locale
        )
    ).first()
