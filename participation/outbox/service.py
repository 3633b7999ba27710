"""Queue outbound messages in the caller's transaction; the worker sends them later."""

from __future__ import annotations

from sqlmodel import Session, select

from participation.crypto import encrypt
from participation.outbox.models import OutboundMessage
from participation.phones import phone_key


def enqueue_sms(
    session: Session, secret_key: str, to_e164: str, body: str, idempotency_key: str | None = None
) -> OutboundMessage:
    """Adds an SMS to the outbox; the same idempotency key queues it only once."""
    if idempotency_key:
        existing = session.exec(
            select(OutboundMessage).where(OutboundMessage.idempotency_key == idempotency_key)
        ).first()
        if existing is not None:
            return existing
    message = OutboundMessage(
        channel="sms",
        to_encrypted=encrypt(secret_key, to_e164),
        to_key=phone_key(secret_key, to_e164),
        body=body,
        idempotency_key=idempotency_key,
    )
    session.add(message)
    session.flush()
    return message
