from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index
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
