"""The phone line's staff work: call-back tasks and transcripts of recordings."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete
from sqlmodel import Session, col, select

from participation.accounts.models import StaffUser
from participation.channels.voice.models import (
    CallbackOutcome,
    CallbackRequest,
    CallbackStatus,
    SimulatedRecording,
    VoiceStep,
)
from participation.clock import utcnow
from participation.consultations import service as consultations
from participation.consultations.models import Consultation
from participation.contributions.models import Channel, Contribution
from participation.contributions.text import normalise_text
from participation.crypto import decrypt
from participation.moderation.service import audit, transcribe
from participation.outcomes import NotFound, get_or_404
from participation.settings import Settings

#: Recording URLs of the phone simulator: played from our own table, never fetched.
SIMULATED_PREFIX = "simulator:"


@dataclass(frozen=True)
class CallbackTask:
    request: CallbackRequest
    #: Decrypted for the staff task list only; None once done.
    number: str | None


def callback_tasks(
    session: Session, settings: Settings, *, status: CallbackStatus, limit: int = 100
) -> list[CallbackTask]:
    # Open tasks oldest first (who waited longest); done ones newest first.
    order = (
        col(CallbackRequest.id) if status is CallbackStatus.open else col(CallbackRequest.id).desc()
    )
    requests = session.exec(
        select(CallbackRequest).where(CallbackRequest.status == status).order_by(order).limit(limit)
    ).all()
    return [
        CallbackTask(
            r,
            decrypt(settings.secret_key, r.number_encrypted) if r.number_encrypted else None,
        )
        for r in requests
    ]


def consultation_titles(session: Session, ids: set[int]) -> dict[int, str]:
    result = {}
    for consultation_id in ids:
        consultation = session.get(Consultation, consultation_id)
        if consultation is not None:
            text = consultations.text_for(session, consultation, "de")
            result[consultation_id] = text.text.title if text else consultation.code
    return result


def callbacks_overview(session: Session, settings: Settings) -> dict:
    """The open call-back tasks, the last ones done and who did them."""
    open_tasks = callback_tasks(session, settings, status=CallbackStatus.open)
    done = callback_tasks(session, settings, status=CallbackStatus.done, limit=30)
    ids = {t.request.consultation_id for t in open_tasks + done if t.request.consultation_id}
    staff_ids = {t.request.done_by_id for t in done if t.request.done_by_id}
    names = {}
    for staff_id in staff_ids:
        user = session.get(StaffUser, staff_id)
        if user is not None:
            names[staff_id] = user.name or user.email
    return {
        "open_tasks": open_tasks,
        "done": done,
        "titles": consultation_titles(session, ids),
        "staff_names": names,
    }


def complete_callback(
    session: Session,
    callback_id: int,
    *,
    staff_id: int,
    outcome: CallbackOutcome,
    note: str = "",
) -> CallbackRequest:
    """Done with an outcome; the number, its hash and the call's spoken-back digits go.
    A task done already stays as it was (the form sent twice)."""
    request = get_or_404(session, CallbackRequest, callback_id)
    if request.status is not CallbackStatus.open:
        return request
    request.status = CallbackStatus.done
    request.outcome = outcome
    request.note = note.strip()[:500] or None
    request.done_by_id = staff_id
    request.done_at = utcnow()
    request.number_encrypted = None
    request.number_key = None
    session.add(request)
    session.exec(delete(VoiceStep).where(col(VoiceStep.call_sid) == request.call_sid))
    audit(
        session,
        "callback_done",
        "callback_request",
        request.id,
        staff_id=staff_id,
        outcome=outcome.value,
    )
    return request


class TranscriptRefused(Exception):
    pass


def voice_contribution(session: Session, contribution_id: int) -> Contribution:
    """A contribution made on the phone line; any other is not found here."""
    contribution = session.get(Contribution, contribution_id)
    if contribution is None or contribution.channel is not Channel.voice:
        raise NotFound
    return contribution


def simulated_recording(session: Session, recording_url: str | None) -> SimulatedRecording | None:
    if not recording_url or not recording_url.startswith(SIMULATED_PREFIX):
        return None
    sid = recording_url.removeprefix(SIMULATED_PREFIX)
    return session.exec(select(SimulatedRecording).where(SimulatedRecording.sid == sid)).first()


def recording_of(
    session: Session, contribution_id: int
) -> tuple[Contribution, SimulatedRecording | None]:
    """A phone contribution and, when the simulator made it, its stored recording."""
    contribution = voice_contribution(session, contribution_id)
    return contribution, simulated_recording(session, contribution.recording_url)


def recording_context(session: Session, contribution_id: int) -> dict:
    """The recording page of a phone contribution: transcript, audio, consultation."""
    contribution, simulated = recording_of(session, contribution_id)
    ids = {contribution.consultation_id} if contribution.consultation_id else set()
    return {
        "item": contribution,
        "simulated": simulated,
        "has_audio": bool(contribution.recording_url)
        and (simulated is None or bool(simulated.audio)),
        "titles": consultation_titles(session, ids),
    }


def save_transcript(
    session: Session, contribution_id: int, *, staff_id: int, text: str, max_chars: int
) -> Contribution:
    """The typed transcript becomes the contribution's body, the only thing ever published.

    A changed transcript of a published comment goes back to the queue for approval.
    """
    contribution = voice_contribution(session, contribution_id)
    body = normalise_text(text)
    if not body:
        raise TranscriptRefused("empty")
    if len(body) > max_chars:
        raise TranscriptRefused("too long")
    return transcribe(session, contribution, staff_id, body)
