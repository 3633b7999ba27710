"""What the SMS channel stores: a log of inbound messages, one row per MessageSid.

The row per phone hash (language, opt-out, hourly count) is the outbox's consent table
(participation.outbox.consent); the requests for the results by SMS are the results'
(participation.results.models). No table here holds a plain phone number.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field

from participation.clock import utcnow
from participation.tenancy import CouncilOwned


class InboundSms(CouncilOwned, table=True):
    """One row per Twilio MessageSid: a retried delivery finds it and gets the same reply.

    The row is inserted last in the transaction that handles the message, with the reply:
    of two deliveries racing on PostgreSQL the second waits on the unique index, then
    rolls its own work back and answers with the first one's reply.
    """

    __tablename__ = "sms_inbound"
    __table_args__ = (
        UniqueConstraint("message_sid", name="uq_sms_inbound_message_sid"),
        # A bare "JA" looks up the consultation this number last wrote about.
        Index("ix_sms_inbound_from_created", "from_key", "created_at"),
    )

    id: int = Field(default=None, primary_key=True)
    message_sid: str = Field(max_length=64)
    #: Keyed hash of the sender; NULL once erased (LÖSCHEN) or past the log's retention.
    from_key: str | None = Field(default=None, max_length=64)
    #: What staff may see of the number: its last three digits ("•••123").
    from_masked: str | None = Field(default=None, max_length=12)
    intent: str = Field(default="", max_length=20)
    language: str = Field(default="", max_length=8)
    num_media: int = Field(default=0)
    #: Length only: the words themselves live in the contribution, if one was made.
    body_chars: int = Field(default=0)
    consultation_id: int | None = Field(
        default=None, foreign_key="consultation.id", ondelete="SET NULL"
    )
    contribution_id: int | None = Field(
        default=None, foreign_key="contribution.id", ondelete="SET NULL", index=True
    )
    #: The reply given; NULL when the number got none (opted out, rate limited).
    reply: str | None = None
    #: Named like every table's age column, so participation.retention finds it.
    created_at: datetime = Field(default_factory=utcnow)
