"""Twilio's status callbacks of a call: the finished recording, and the end of the call.

They carry no caller input and answer nothing the caller hears, so they are not IVR
steps; each is idempotent on its own (the recording by its RecordingSid).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session

from participation.channels.voice import service
from participation.clock import utcnow
from participation.contributions.errors import ConsultationNotOpen
from participation.numbers import bounded_int
from participation.outbox.carrier import forget_call
from participation.phone_keys import MENU_LANGUAGES
from participation.questionnaires.progress import (
    Holder,
    current_progress,
    forget_progress,
    recordings_so_far,
)
from participation.settings import Settings


def recording_callback(
    session: Session, settings: Settings, query: Mapping[str, str], params: Mapping[str, str]
) -> None:
    """Twilio's recording-status callback: the recording becomes a contribution at once.

    Comes also when the caller hangs up mid-recording, and possibly before or after the
    <Record> action; store_recording() keeps it to one contribution either way.
    """
    if params.get("RecordingStatus", "completed") != "completed":
        return
    raw_c = query.get("c") or ""
    language = query.get("lang") or "de"
    call_sid = params.get("CallSid", "")
    try:
        contribution = service.store_recording(
            session,
            settings,
            call_sid=call_sid,
            consultation_id=bounded_int(raw_c, low=1),
            language=language if language in MENU_LANGUAGES else "de",
            recording_sid=params.get("RecordingSid"),
            recording_url=params.get("RecordingUrl") or "",
            duration=bounded_int(params.get("RecordingDuration"), low=0) or 0,
        )
    except ConsultationNotOpen:
        contribution = None
    call = service.get_call(session, call_sid)
    if call is not None:
        kind = "recording_stored" if contribution else "recording_dropped"
        service.log_event(session, call, "recording", kind, params.get("RecordingDuration", ""))


def call_status(session: Session, settings: Settings, params: Mapping[str, str]) -> None:
    """Twilio's call-status callback: the end of the call, for the service report."""
    if params.get("CallStatus") not in {"completed", "busy", "failed", "no-answer", "canceled"}:
        return
    # Twilio's record of the call (the caller's number) is deleted there too.
    forget_call(session, params.get("CallSid"))
    forget_unfinished_questionnaire(session, settings, params.get("CallSid", ""))
    call = service.get_call(session, params.get("CallSid", ""))
    if call is None or call.ended_at is not None:
        return
    call.ended_at = utcnow()
    duration = params.get("CallDuration") or ""
    call.duration = bounded_int(duration, low=0)
    session.add(call)
    service.log_event(session, call, call.last_step, "ended", params.get("CallStatus", ""))


def forget_unfinished_questionnaire(session: Session, settings: Settings, call_sid: str) -> None:
    """A questionnaire the caller did not finish counts for nothing: its answers go when
    the call ends, its spoken answers are deleted at Twilio now."""
    progress = current_progress(session, Holder("phone", call_sid)) if call_sid else None
    if progress is None:
        return
    for recording in recordings_so_far(progress, settings.secret_key).values():
        service.drop_answer_recording(session, recording.external_id, recording.url)
    forget_progress(session, progress)
