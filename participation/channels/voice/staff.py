"""The phone line's staff work: call-back tasks and transcripts of recordings."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete
from sqlmodel import Session, col, select

from participation.channels.voice.models import (
    CallbackOutcome,
    CallbackRequest,
    CallbackStatus,
    VoiceStep,
)
from participation.clock import utcnow
from participation.contributions.models import Channel, Contribution
from participation.contributions.text import normalise_text
from participation.crypto import decrypt
from participation.moderation.service import audit, transcribe
from participation.settings import Settings


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


def complete_callback(
    session: Session,
    request: CallbackRequest,
    *,
    staff_id: int,
    outcome: CallbackOutcome,
    note: str = "",
) -> CallbackRequest:
    """Done with an outcome; the number, its hash and the call's spoken-back digits go."""
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


def save_transcript(
    session: Session, contribution: Contribution, *, staff_id: int, text: str, max_chars: int
) -> Contribution:
    """The typed transcript becomes the contribution's body, the only thing ever published.

    A changed transcript of a published comment goes back to the queue for approval.
    """
    if contribution.channel is not Channel.voice:
        raise TranscriptRefused("only phone contributions have a transcript")
    body = normalise_text(text)
    if not body:
        raise TranscriptRefused("empty")
    if len(body) > max_chars:
        raise TranscriptRefused("too long")
    return transcribe(session, contribution, staff_id, body)
