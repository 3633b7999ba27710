"""Consent: who said STOP. The outbox owns it, since it is the outbox that must never
send to them; the SMS door (STOP, START) and Twilio's status callbacks (error 21610) both
record it here.

The row per phone hash also holds the SMS door's conversation state (language, hourly
count, a pending LÖSCHEN): one row per number, so the opt-out is read with it in one
statement. The table keeps its name, sms_contact.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import UniqueConstraint, update
from sqlmodel import Field, Session, col, select

from participation.clock import utcnow
from participation.outbox.models import REPLY, OutboundMessage, OutboundStatus
from participation.tenancy import CouncilOwned


class SmsContact(CouncilOwned, table=True):
    """Conversation state per phone hash: language, opt-out and the hourly count. (Which
    consultation a bare "JA" answers is read from the inbound log.)"""

    __tablename__ = "sms_contact"
    # A person may text two councils: each keeps its own conversation with them.
    __table_args__ = (
        UniqueConstraint("council_id", "phone_key", name="uq_sms_contact_council_phone_key"),
    )

    id: int = Field(default=None, primary_key=True)
    phone_key: str = Field(max_length=64)
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


def cancel_queued(session: Session, key: str, reason: str) -> int:
    """Queued messages to a number that opted out are never sent. Replies stay: each
    answers a message the person sent (STOPP's own confirmation among them), and a
    TwiML reply would have been on its way already (participation.outbox.models.REPLY)."""
    result = session.exec(
        update(OutboundMessage)
        .where(
            col(OutboundMessage.to_key) == key,
            col(OutboundMessage.status).in_([OutboundStatus.queued]),
            col(OutboundMessage.channel) != REPLY,
        )
        .values(status=OutboundStatus.failed, error_code=reason, updated_at=utcnow())
    )
    return result.rowcount or 0


def mark_opted_out(session: Session, to_key: str) -> None:
    """Twilio says the person replied STOP: remember it, and send them nothing more."""
    contact = session.exec(select(SmsContact).where(SmsContact.phone_key == to_key)).first()
    if contact is None:
        contact = SmsContact(phone_key=to_key)
    if not contact.opted_out:
        contact.opted_out = True
        contact.opted_out_at = utcnow()
        session.add(contact)
    cancel_queued(session, to_key, "opted_out")


def opted_out_keys(session: Session, keys: Iterable[str]) -> set[str]:
    """Which of these phone hashes said STOP."""
    return set(
        session.exec(
            select(SmsContact.phone_key).where(
                col(SmsContact.phone_key).in_(keys),
                SmsContact.opted_out == True,  # noqa: E712
            )
        ).all()
    )


def is_opted_out(session: Session, key: str) -> bool:
    return bool(
        session.exec(
            select(SmsContact.id).where(
                SmsContact.phone_key == key,
                SmsContact.opted_out == True,  # noqa: E712
            )
        ).first()
    )
