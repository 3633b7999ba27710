from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field

from participation.clock import utcnow
from participation.tenancy import CouncilOwned


class OutboundStatus(enum.StrEnum):
    queued = "queued"
    sending = "sending"
    sent = "sent"
    delivered = "delivered"
    undelivered = "undelivered"
    failed = "failed"


#: The channel of a reply: one message answering one inbound message, queued where
#: TwiML cannot carry it (participation.twilio.replies_in_twiml). The SMS door decided
#: to answer it (it answers a number that opted out only to confirm its STOP, and
#: answers any number only within its own hourly limit), so the outbox sends it like
#: TwiML would have, at once: neither the opt-out (at claim, at send, on a later STOP)
#: nor the per-number hourly cap holds it back, and it does not count towards that cap.
#: Twilio's own refusal (21610) still ends it.
REPLY = "sms-reply"


class OutboundMessage(CouncilOwned, table=True):
    """Written in the same transaction as its cause; the worker sends it later."""

    __tablename__ = "outbound_message"
    __table_args__ = (
        Index("ix_outbound_due", "status", "next_attempt_at"),
        Index("ix_outbound_to_sent", "to_key", "sent_at"),
    )

    id: int = Field(default=None, primary_key=True)
    channel: str = Field(default="sms", max_length=10)
    #: Encrypted recipient (Fernet with a key derived from SECRET_KEY).
    to_encrypted: str = Field(max_length=500)
    to_key: str = Field(max_length=64, index=True)
    body: str
    status: OutboundStatus = Field(default=OutboundStatus.queued)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    locked_until: datetime | None = None
    #: The earliest send attempt whose outcome we never learned (the worker died during
    #: the request, or the answer was lost or a 5xx): Twilio may hold the message. The
    #: next attempt first asks Twilio for it; None once the outcome is known.
    unconfirmed_since: datetime | None = None
    provider_sid: str | None = Field(default=None, max_length=64, index=True)
    error_code: str | None = Field(default=None, max_length=20)
    error_message: str | None = Field(default=None, max_length=500)
    #: Same key, same message: a cause that runs twice queues once.
    idempotency_key: str | None = Field(default=None, max_length=120, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    #: When Twilio accepted it: the per-number send limit counts these.
    sent_at: datetime | None = None
    #: What staff see of the recipient on the outbox page ("•••123").
    to_masked: str | None = Field(default=None, max_length=12)


class CarrierKind(enum.StrEnum):
    """What Twilio keeps of ours until it is deleted there."""

    recording = "recording"
    message = "message"
    media = "media"
    #: A call's record: the caller's number, the time and the length of the call.
    call = "call"


class DeletionStatus(enum.StrEnum):
    queued = "queued"
    done = "done"
    failed = "failed"


class CarrierDeletion(CouncilOwned, table=True):
    """One thing to delete at Twilio (a call recording, a message record, a picture),
    with the council whose account holds it; the worker deletes it with the outbox's
    claim, retry and backoff (participation.carrier_deletions). A recording whose
    contribution is still kept is first copied into our storage."""

    __tablename__ = "carrier_deletion"
    __table_args__ = (
        Index("ix_carrier_deletion_due", "status", "next_attempt_at"),
        # One job a resource, however often a webhook, an erasure or the retention asks;
        # per council, so that no council's (signed, but made-up) SID can take the place
        # of another council's job.
        UniqueConstraint("council_id", "sid", name="uq_carrier_deletion_council_sid"),
    )

    id: int = Field(default=None, primary_key=True)
    kind: CarrierKind
    #: Twilio's id of the thing: RE..., SM.../MM..., ME...
    sid: str = Field(max_length=64)
    #: A picture's message (Twilio's URL of a picture names both).
    parent_sid: str | None = Field(default=None, max_length=64, index=True)
    #: A recording still wanted here: fetched into our storage before it is deleted at
    #: Twilio. NULL (or erased meanwhile): deleted without fetching.
    contribution_id: int | None = Field(
        default=None, foreign_key="contribution.id", ondelete="SET NULL", index=True
    )
    status: DeletionStatus = Field(default=DeletionStatus.queued)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    locked_until: datetime | None = None
    error_code: str | None = Field(default=None, max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    done_at: datetime | None = None
