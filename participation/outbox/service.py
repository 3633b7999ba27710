"""Queue outbound messages in the caller's transaction; the worker sends them later.

Also the two things that change a message after it left: Twilio's status callbacks
(which only ever move a message forward) and a staff member's "try again".
"""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from participation.clock import utcnow
from participation.crypto import encrypt
from participation.outbox.carrier import forget_outbound
from participation.outbox.consent import mark_opted_out
from participation.outbox.models import REPLY, OutboundMessage, OutboundStatus
from participation.phones import masked, phone_key
from participation.tenancy import council_or_first

#: Errors after which a message is never sent again (Twilio error codes).
OPTED_OUT = "21610"
PERMANENT_ERRORS = frozenset({OPTED_OUT, "21211", "21614"})

#: How far along a message is. Callbacks arrive out of order ("delivered" before "sent"),
#: so a status only replaces one of a lower rank; the final ones share the top rank.
RANK = {
    OutboundStatus.queued: 0,
    OutboundStatus.sending: 1,
    OutboundStatus.sent: 2,
    OutboundStatus.delivered: 3,
    OutboundStatus.undelivered: 3,
    OutboundStatus.failed: 3,
}
#: Nothing more will happen to these at Twilio: its record can be deleted.
FINAL = frozenset({OutboundStatus.delivered, OutboundStatus.undelivered, OutboundStatus.failed})
#: Twilio's MessageStatus values -> ours. "read" (WhatsApp, RCS) counts as delivered.
TWILIO_STATUS = {
    "accepted": OutboundStatus.queued,
    "scheduled": OutboundStatus.queued,
    "queued": OutboundStatus.queued,
    "sending": OutboundStatus.sending,
    "sent": OutboundStatus.sent,
    "delivered": OutboundStatus.delivered,
    "read": OutboundStatus.delivered,
    "undelivered": OutboundStatus.undelivered,
    "failed": OutboundStatus.failed,
    "canceled": OutboundStatus.failed,
}


def enqueue_sms(
    session: Session,
    secret_key: str,
    to_e164: str,
    body: str,
    idempotency_key: str | None = None,
    *,
    channel: str = "sms",
) -> OutboundMessage:
    """Adds an SMS to the outbox; the same idempotency key queues it only once."""
    if idempotency_key:
        existing = _by_idempotency_key(session, idempotency_key)
        if existing is not None:
            return existing
    message = OutboundMessage(
        channel=channel,
        to_encrypted=encrypt(secret_key, to_e164),
        to_key=phone_key(secret_key, to_e164),
        to_masked=masked(to_e164),
        body=body,
        idempotency_key=idempotency_key,
    )
    savepoint = session.begin_nested()
    session.add(message)
    try:
        session.flush()
    except IntegrityError:
        # The same cause ran twice at once; the other transaction's message stands.
        savepoint.rollback()
        existing = _by_idempotency_key(session, idempotency_key) if idempotency_key else None
        if existing is None:
            raise
        return existing
    savepoint.commit()
    return message


def enqueue_reply(
    session: Session, secret_key: str, to_e164: str, body: str, inbound_sid: str
) -> OutboundMessage:
    """The reply to the inbound message ``inbound_sid``, queued once however often its
    webhook is delivered (the key names the council: the column is unique over all)."""
    key = f"reply:{council_or_first(session)}:{inbound_sid}"
    return enqueue_sms(session, secret_key, to_e164, body, key, channel=REPLY)


def _by_idempotency_key(session: Session, key: str) -> OutboundMessage | None:
    return session.exec(
        select(OutboundMessage).where(OutboundMessage.idempotency_key == key)
    ).first()


def apply_status(
    session: Session,
    message: OutboundMessage,
    status: OutboundStatus,
    *,
    provider_sid: str | None = None,
    error_code: str | None = None,
) -> bool:
    """Moves a message forward to ``status``; returns False when it would go backwards."""
    if provider_sid and not message.provider_sid:
        message.provider_sid = provider_sid[:64]
    moved = RANK[status] > RANK[message.status]
    if moved:
        message.status = status
        if error_code:
            message.error_code = error_code[:20]
        message.locked_until = None
        message.updated_at = utcnow()
    session.add(message)
    return moved


def apply_twilio_callback(
    session: Session, message_id: int, params: dict[str, str]
) -> OutboundMessage | None:
    """A status callback for our message ``message_id`` (the id is in the callback URL,
    so it matches even before the worker has stored Twilio's SID)."""
    message = session.exec(
        select(OutboundMessage).where(OutboundMessage.id == message_id).with_for_update()
    ).first()
    if message is None:
        return None
    status = TWILIO_STATUS.get((params.get("MessageStatus") or "").lower())
    if status is None:
        return message
    error_code = (params.get("ErrorCode") or "").strip() or None
    apply_status(
        session, message, status, provider_sid=params.get("MessageSid"), error_code=error_code
    )
    if error_code == OPTED_OUT:
        mark_opted_out(session, message.to_key)
    if status in FINAL:
        # Twilio's record of it (number and text) goes a minute after its final word.
        forget_outbound(session, params.get("MessageSid"), message.council_id, final=True)
    session.flush()
    return message


def problem_messages(session: Session, limit: int = 200) -> list[OutboundMessage]:
    """Failed and undelivered messages, newest first: the staff outbox page."""
    return list(
        session.exec(
            select(OutboundMessage)
            .where(
                col(OutboundMessage.status).in_([OutboundStatus.failed, OutboundStatus.undelivered])
            )
            .order_by(col(OutboundMessage.updated_at).desc(), col(OutboundMessage.id).desc())
            .limit(limit)
        ).all()
    )


def status_counts(session: Session) -> dict[str, int]:
    counts = {status.value: 0 for status in OutboundStatus}
    rows = session.exec(
        select(OutboundMessage.status, func.count()).group_by(OutboundMessage.status)
    ).all()
    for status, count in rows:
        counts[OutboundStatus(status).value] = count
    return counts


def can_retry(message: OutboundMessage) -> bool:
    # A reply Twilio took keeps no number (worker._record_accepted): nothing to send to.
    retriable = message.status in (OutboundStatus.failed, OutboundStatus.undelivered)
    permanent = message.error_code in (PERMANENT_ERRORS | {"opted_out"})
    return retriable and not permanent and bool(message.to_encrypted)


def retry(session: Session, message: OutboundMessage) -> bool:
    """Staff send a failed message again (not to people who opted out or bad numbers)."""
    if not can_retry(message):
        return False
    message.status = OutboundStatus.queued
    # unconfirmed_since stays: if an attempt may have reached Twilio, the worker asks first.
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.locked_until = None
    message.error_code = None
    message.error_message = None
    message.updated_at = utcnow()
    session.add(message)
    return True


def problems_overview(session: Session) -> dict:
    """The staff's outbox page: the messages that could not be sent and all counts."""
    return {"messages": problem_messages(session), "counts": status_counts(session)}
