"""What the SMS channel stores: a log of inbound messages, one row of conversation state
per phone hash, and the few plain numbers of people who asked for the results.

No table here holds a plain phone number except SmsNotifyRequest, and that one only
encrypted, and only until the results are sent, the consultation's retention ends, or
the person texts LÖSCHEN.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from participation.clock import utcnow


class InboundSms(SQLModel, table=True):
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


class SmsContact(SQLModel, table=True):
    """Conversation state per phone hash: language, opt-out and the hourly count. (Which
    consultation a bare "JA" answers is read from the inbound log.)"""

    __tablename__ = "sms_contact"

    id: int = Field(default=None, primary_key=True)
    phone_key: str = Field(max_length=64, unique=True)
    #: The SMS language the person last wrote in (de, en, tr, ar, ru, uk, pl).
    language: str | None = Field(default=None, max_length=8)
    opted_out: bool = Field(default=False)
    opted_out_at: datetime | None = None
    #: When the "please slow down" reply went out, so it goes out once per hour at most.
    rate_notice_at: datetime | None = None
    #: When the number sent LÖSCHEN and was asked to confirm with LÖSCHEN JA.
    erase_requested_at: datetime | None = None
    #: The per-number hourly limit, counted here rather than over the inbound log: when
    #: this number's current hour began, and how many messages it has sent in it.
    window_started_at: datetime | None = None
    window_count: int = Field(default=0)
    #: Last message from this number: retention forgets the state of numbers gone quiet
    #: (there is deliberately no created_at, which retention would take as the age).
    updated_at: datetime = Field(default_factory=utcnow)


class SmsNotifyRequest(SQLModel, table=True):
    """ "Text me the results": the only place a plain number is kept, encrypted."""

    __tablename__ = "sms_notify_request"
    __table_args__ = (UniqueConstraint("consultation_id", "phone_key"),)

    id: int = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True, ondelete="CASCADE")
    phone_key: str = Field(max_length=64, index=True)
    #: Fernet token of the E.164 number (participation.crypto.encrypt).
    number_encrypted: str = Field(max_length=500)
    language: str = Field(default="de", max_length=8)
    created_at: datetime = Field(default_factory=utcnow)
