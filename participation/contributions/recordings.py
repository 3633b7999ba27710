"""Call recordings in our own storage: copied from Twilio once, then deleted there.

The audio is sealed with the key derived from SECRET_KEY (participation.crypto), like
the phone numbers we keep; it goes with its contribution (erasure, retention) and as
soon as the transcript of a published contribution stands in for it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, Session, select

from participation.clock import utcnow
from participation.contributions.models import Contribution
from participation.crypto import decrypt_bytes, encrypt_bytes
from participation.tenancy import CouncilOwned

#: Twilio's <Record> stops long before this; a larger answer is not a recording of ours.
MAX_RECORDING_BYTES = 32 * 1024 * 1024


class RecordingAudio(CouncilOwned, table=True):
    __tablename__ = "recording_audio"

    id: int = Field(default=None, primary_key=True)
    contribution_id: int = Field(foreign_key="contribution.id", ondelete="CASCADE", unique=True)
    recording_sid: str = Field(max_length=64)
    content_type: str = Field(default="audio/mpeg", max_length=40)
    #: Fernet token of the audio. Not named *_encrypted: that suffix means a phone
    #: number or address to the retention and the export (participation.privacy).
    sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


def keep_recording(
    session: Session,
    secret_key: str,
    contribution_id: int,
    recording_sid: str,
    audio: bytes,
    content_type: str,
) -> bool:
    """Stores the audio of a contribution that still wants it; False when it does not
    (erased, its recording forgotten by the retention, or stored already)."""
    contribution = session.get(Contribution, contribution_id)
    if contribution is None or not contribution.recording_url:
        return False
    existing = session.exec(
        select(RecordingAudio.id).where(RecordingAudio.contribution_id == contribution_id)
    ).first()
    if existing is not None:
        return False
    session.add(
        RecordingAudio(
            contribution_id=contribution_id,
            council_id=contribution.council_id,
            recording_sid=recording_sid,
            content_type=content_type[:40],
            sealed=encrypt_bytes(secret_key, audio),
        )
    )
    session.flush()
    return True


def wants_recording(session: Session, contribution_id: int) -> bool:
    """Whether the worker should fetch the audio before deleting it at Twilio."""
    contribution = session.get(Contribution, contribution_id)
    if contribution is None or not contribution.recording_url:
        return False
    stored = session.exec(
        select(RecordingAudio.id).where(RecordingAudio.contribution_id == contribution_id)
    ).first()
    return stored is None


def stored_audio(
    session: Session, secret_key: str, contribution_id: int
) -> tuple[bytes, str] | None:
    """The audio and its type for staff to hear; None while not (or no longer) stored."""
    row = session.exec(
        select(RecordingAudio).where(RecordingAudio.contribution_id == contribution_id)
    ).first()
    if row is None:
        return None
    audio = decrypt_bytes(secret_key, row.sealed)
    return (audio, row.content_type) if audio is not None else None
