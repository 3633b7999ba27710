"""The phone line's tables: call state, the idempotency cache, call-back tasks, the call log."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field

from participation.clock import utcnow
from participation.tenancy import CouncilOwned

#: How long a call's cached answers, caller hash and typed number are kept: Twilio
#: retries a webhook within seconds, so a day is plenty.
STEP_CACHE_HOURS = 24
STEP_CACHE_TIME = timedelta(hours=STEP_CACHE_HOURS)
#: What a call knows of phone numbers, forgotten a day on.
CALL_CONTACT_COLUMNS = ("caller_key", "pending_number", "pending_number_key")
#: How a cached answer that reads a phone number back starts; the Fernet token follows.
ENCRYPTED = "fernet:"


class VoiceCall(CouncilOwned, table=True):
    """One phone call, keyed by Twilio's CallSid; the state the IVR steps share."""

    __tablename__ = "voice_call"
    __table_args__ = (
        Index("ix_voice_call_started", "started_at"),
        # participation.retention forgets the caller's hash and a typed number a day on,
        # whether or not another call comes in.
        {"info": {"forget_hours": STEP_CACHE_HOURS, "forget_columns": CALL_CONTACT_COLUMNS}},
    )

    id: int = Field(default=None, primary_key=True)
    call_sid: str = Field(max_length=64, unique=True)
    #: Keyed hash of the calling number (votes, call-backs); never the number itself.
    caller_key: str | None = Field(default=None, max_length=64)
    #: URL language code ("de", "ar", "ls") once the caller has chosen one.
    language: str | None = Field(default=None, max_length=8)
    consultation_id: int | None = Field(
        default=None, foreign_key="consultation.id", ondelete="SET NULL"
    )
    #: Counts the answers given; every action URL carries it, so (CallSid, step) is unique.
    seq: int = Field(default=0)
    #: Failed inputs at the current prompt (invalid digit, silence, star); 3 ends the call.
    tries: int = Field(default=0)
    last_step: str = Field(default="incoming", max_length=40)
    after_hours: bool = Field(default=False)
    #: A call-back number the caller typed, encrypted, until they confirm it.
    pending_number: str | None = Field(default=None, max_length=500)
    #: Its keyed hash, so that erasing that number's data reaches it too.
    pending_number_key: str | None = Field(default=None, max_length=64, index=True)
    started_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None
    duration: int | None = None
    # What the call achieved, for the service report (a call can do several things).
    contributed: bool = Field(default=False)
    voted: bool = Field(default=False)
    requested_callback: bool = Field(default=False)
    heard_status: bool = Field(default=False)
    #: Ended by the IVR after three failed inputs.
    failed_out: bool = Field(default=False)


class VoiceStep(CouncilOwned, table=True):
    """The TwiML answered for one (CallSid, step): a repeated webhook gets the same answer."""

    __tablename__ = "voice_step"
    __table_args__ = (
        UniqueConstraint("call_sid", "step"),
        Index("ix_voice_step_created", "created_at"),
        # Twilio retries within seconds: participation.retention deletes the cache a day on.
        {"info": {"keep_hours": STEP_CACHE_HOURS}},
    )

    id: int = Field(default=None, primary_key=True)
    call_sid: str = Field(max_length=64)
    step: str = Field(max_length=60)
    #: The TwiML; where it reads a typed phone number back, ENCRYPTED + its Fernet token.
    twiml: str
    #: Keyed hash of the number an encrypted answer reads back (erasure finds it by this).
    number_key: str | None = Field(default=None, max_length=64, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class CallbackStatus(enum.StrEnum):
    open = "open"
    done = "done"


class CallbackOutcome(enum.StrEnum):
    reached = "reached"
    no_answer = "no_answer"
    wrong_number = "wrong_number"
    resolved = "resolved"


class CallbackRequest(CouncilOwned, table=True):
    """A caller asked staff to call back; the number is kept encrypted until it is done."""

    __tablename__ = "callback_request"
    __table_args__ = (Index("ix_callback_status_id", "status", "id"),)

    id: int = Field(default=None, primary_key=True)
    call_sid: str = Field(max_length=64, unique=True)
    #: Fernet-encrypted E.164 number; set to NULL when the request is done.
    number_encrypted: str | None = Field(default=None, max_length=500)
    number_key: str | None = Field(default=None, max_length=64, index=True)
    locale: str = Field(max_length=8)
    consultation_id: int | None = Field(
        default=None, foreign_key="consultation.id", ondelete="SET NULL"
    )
    status: CallbackStatus = Field(default=CallbackStatus.open)
    outcome: CallbackOutcome | None = None
    note: str | None = Field(default=None, max_length=500)
    done_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    done_at: datetime | None = None


class VoiceCallEvent(CouncilOwned, table=True):
    """What happened at each step of a call: the service report's raw material.

    Never holds typed digits (they may be a phone number), only what kind of input came.
    """

    __tablename__ = "voice_call_event"

    id: int = Field(default=None, primary_key=True)
    call_sid: str = Field(max_length=64, index=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    step: str = Field(max_length=40)
    kind: str = Field(max_length=30)
    detail: str = Field(default="", max_length=200)


class SimulatedRecording(CouncilOwned, table=True):
    """A recording made in the phone simulator: typed stand-in text and optional audio."""

    __tablename__ = "simulated_recording"

    id: int = Field(default=None, primary_key=True)
    sid: str = Field(max_length=40, unique=True)
    stand_in_text: str = Field(default="", max_length=5000)
    content_type: str | None = Field(default=None, max_length=80)
    audio: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)


class SimulatedCallInput(CouncilOwned, table=True):
    """What was pressed in the phone simulator, shown next to the answer it replied to."""

    __tablename__ = "simulated_call_input"

    id: int = Field(default=None, primary_key=True)
    call_sid: str = Field(max_length=64, index=True)
    #: The VoiceStep (answer) the input replied to.
    answer_id: int | None = None
    label: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class SummaryAudio(CouncilOwned, table=True):
    """A recorded reading of a consultation's phone summary in one language.

    Played instead of text-to-speech: a person reading is easier to follow, and some
    councils have staff who speak the language.
    """

    __tablename__ = "voice_summary_audio"
    __table_args__ = (UniqueConstraint("consultation_id", "locale"),)

    id: int = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True, ondelete="CASCADE")
    locale: str = Field(max_length=8)
    content_type: str = Field(max_length=80)
    audio: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    uploaded_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = Field(default_factory=utcnow)
