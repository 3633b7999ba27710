"""`participation worker`: sends the outbox through Twilio and runs the SMS retention.

Claiming uses the database as the queue: on PostgreSQL ``SELECT ... FOR UPDATE SKIP
LOCKED`` lets several workers take disjoint batches without waiting on each other; on
SQLite the claim runs in a ``BEGIN IMMEDIATE`` transaction, so only one writer claims at
a time. A claimed message gets a lease (``locked_until``); a worker that dies mid-batch
leaves its messages to be claimed again when the lease runs out. We chose this over a
queue library (procrastinate, pgqueuer, Celery) because the outbox row is written in the
same transaction as its cause, works on SQLite for the demo, and needs no broker.

Delivery is at least once: if a worker dies after Twilio accepted a message but before
the outcome is stored, the message is sent again when its lease ends. Twilio's API has
no idempotency key for messages, so this is the narrowest window there is.
"""

from __future__ import annotations

import logging
import random
import secrets
import signal
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import and_, func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from participation.clock import utcnow
from participation.crypto import decrypt
from participation.db import make_engine, session_scope
from participation.outbox.models import OutboundMessage, OutboundStatus
from participation.outbox.service import (
    OPTED_OUT,
    PERMANENT_ERRORS,
    apply_status,
    mark_opted_out,
)
from participation.settings import Settings

log = logging.getLogger(__name__)

#: How long a claimed message belongs to its worker; far above one API call's timeout.
LEASE = timedelta(minutes=5)
SEND_TIMEOUT_SECONDS = 15
#: Waits before the 2nd, 3rd, ... attempt (429 and 5xx); after the last one: failed.
BACKOFF_SECONDS = (60, 300, 900, 3600, 3 * 3600)
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
#: Per-number send limit: no one gets more than this from us within an hour.
PER_NUMBER_PER_HOUR = 5
POSTPONE = timedelta(minutes=10)
BATCH = 20
HOUSEKEEPING_EVERY = timedelta(minutes=10)


@dataclass(frozen=True)
class SendResult:
    ok: bool
    provider_sid: str | None = None
    #: HTTP status of a refused request; None for network errors.
    http_status: int | None = None
    error_code: str | None = None
    error_message: str | None = None

    @property
    def permanent(self) -> bool:
        if self.ok:
            return False
        if self.error_code in PERMANENT_ERRORS:
            return True
        # Any other 4xx but 429 is Twilio saying no; 429, 5xx and network errors pass.
        status = self.http_status
        return status is not None and 400 <= status < 500 and status != 429


class Sender(Protocol):
    def send(self, message_id: int, to: str, body: str) -> SendResult: ...


class TwilioSender:
    """Sends through twilio.rest.Client; tests inject an HttpClient or a fake API base."""

    def __init__(self, settings: Settings, http_client=None) -> None:  # noqa: ANN001
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self.client = Client(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            http_client=http_client or TwilioHttpClient(timeout=SEND_TIMEOUT_SECONDS),
        )
        if settings.twilio_api_base:
            self.client.api.base_url = settings.twilio_api_base.rstrip("/")
        self.from_number = settings.twilio_phone_number
        self.callback_base = settings.public_base_url.rstrip("/")

    def send(self, message_id: int, to: str, body: str) -> SendResult:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            created = self.client.messages.create(
                to=to,
                from_=self.from_number,
                body=body,
                # Our own id in the URL: the callback matches before the SID is stored.
                status_callback=f"{self.callback_base}/twilio/status/{message_id}",
            )
        except TwilioRestException as error:
            return SendResult(
                ok=False,
                http_status=error.status,
                error_code=str(error.code) if error.code else str(error.status),
                error_message=str(error.msg)[:500],
            )
        except (TwilioException, OSError, ValueError) as error:
            # requests' connection errors and timeouts are OSErrors: retried, never lost.
            return _network_error(error)
        return SendResult(ok=True, provider_sid=created.sid)


def _network_error(error: Exception) -> SendResult:
    return SendResult(ok=False, error_code="network", error_message=type(error).__name__)


class SimulatorSender:
    """Without Twilio credentials (demo, training): messages show in the phone simulator
    and count as delivered; nothing leaves the machine."""

    def send(self, message_id: int, to: str, body: str) -> SendResult:
        return SendResult(ok=True, provider_sid="SMsim" + secrets.token_hex(14))


def make_sender(settings: Settings) -> Sender:
    if settings.twilio_configured and settings.twilio_phone_number:
        return TwilioSender(settings)
    return SimulatorSender()


@dataclass(frozen=True)
class Claim:
    id: int
    to_key: str
    to_encrypted: str
    body: str
    attempts: int


def claim_due(engine: Engine, limit: int = BATCH, now: datetime | None = None) -> list[Claim]:
    """Takes up to ``limit`` due messages for this worker (see the module docstring)."""
    from participation.channels.sms.models import SmsContact

    now = now or utcnow()
    claims: list[Claim] = []
    with session_scope(engine, write=True) as session:
        rows = session.exec(
            select(OutboundMessage)
            .where(
                or_(
                    OutboundMessage.status == OutboundStatus.queued,
                    and_(
                        OutboundMessage.status == OutboundStatus.sending,
                        col(OutboundMessage.locked_until) < now,
                    ),
                ),
                col(OutboundMessage.next_attempt_at) <= now,
            )
            .order_by(col(OutboundMessage.next_attempt_at), col(OutboundMessage.id))
            .limit(limit * 2)
            .with_for_update(skip_locked=True)
        ).all()
        if not rows:
            return []
        keys = {row.to_key for row in rows}
        opted_out = set(
            session.exec(
                select(SmsContact.phone_key).where(
                    col(SmsContact.phone_key).in_(keys),
                    SmsContact.opted_out == True,  # noqa: E712
                )
            ).all()
        )
        sent_recently = dict(
            session.exec(
                select(OutboundMessage.to_key, func.count())
                .where(
                    col(OutboundMessage.to_key).in_(keys),
                    col(OutboundMessage.sent_at) > now - timedelta(hours=1),
                )
                .group_by(OutboundMessage.to_key)
            ).all()
        )
        for row in rows:
            if row.to_key in opted_out:
                row.status = OutboundStatus.failed
                row.error_code = "opted_out"
                row.updated_at = now
                session.add(row)
                continue
            if sent_recently.get(row.to_key, 0) >= PER_NUMBER_PER_HOUR:
                row.next_attempt_at = now + POSTPONE
                session.add(row)
                continue
            if len(claims) >= limit:
                continue
            sent_recently[row.to_key] = sent_recently.get(row.to_key, 0) + 1
            row.status = OutboundStatus.sending
            row.locked_until = now + LEASE
            row.attempts += 1
            row.updated_at = now
            session.add(row)
            claims.append(Claim(row.id, row.to_key, row.to_encrypted, row.body, row.attempts))  # type: ignore[arg-type]
    return claims


def _opted_out(engine: Engine, to_key: str) -> bool:
    from participation.channels.sms.models import SmsContact

    with Session(engine) as session:
        return bool(
            session.exec(
                select(SmsContact.id).where(
                    SmsContact.phone_key == to_key,
                    SmsContact.opted_out == True,  # noqa: E712
                )
            ).first()
        )


def backoff(attempts: int) -> timedelta:
    base = BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1]
    # A little jitter, so a burst that failed together does not retry together.
    return timedelta(seconds=base * random.uniform(1.0, 1.2))  # noqa: S311


def record_result(engine: Engine, claim: Claim, result: SendResult) -> OutboundStatus:
    now = utcnow()
    with session_scope(engine, write=True) as session:
        message = session.exec(
            select(OutboundMessage).where(OutboundMessage.id == claim.id).with_for_update()
        ).first()
        if message is None:  # erased meanwhile (LÖSCHEN)
            return OutboundStatus.failed
        if result.ok:
            message.sent_at = now
            message.error_code = None
            message.error_message = None
            # A "delivered" callback may have arrived first: sent never overrides it.
            apply_status(session, message, OutboundStatus.sent, provider_sid=result.provider_sid)
            message.locked_until = None
        elif result.permanent or message.attempts >= MAX_ATTEMPTS:
            message.error_message = result.error_message
            apply_status(session, message, OutboundStatus.failed, error_code=result.error_code)
            if result.error_code == OPTED_OUT:
                mark_opted_out(session, message.to_key)
        else:
            message.status = OutboundStatus.queued
            message.next_attempt_at = now + backoff(message.attempts)
            message.locked_until = None
            message.error_code = (result.error_code or "")[:20] or None
            message.error_message = result.error_message
            message.updated_at = now
        session.add(message)
        return message.status


def send_due(engine: Engine, settings: Settings, sender: Sender, limit: int = BATCH) -> int:
    """One batch: claim, send, record. Returns how many messages were tried."""
    claims = claim_due(engine, limit)
    for claim in claims:
        number = decrypt(settings.secret_key, claim.to_encrypted)
        if _opted_out(engine, claim.to_key):
            # STOP arrived (or Twilio said 21610 for an earlier message) after the claim.
            result = SendResult(ok=False, http_status=400, error_code="opted_out")
        elif number is None:
            # Encrypted under another SECRET_KEY: no way to send it, ever.
            result = SendResult(ok=False, http_status=400, error_code="undecryptable")
        else:
            result = sender.send(claim.id, number, claim.body)
        status = record_result(engine, claim, result)
        log.info("outbound message %s: %s", claim.id, status.value)
    return len(claims)


def housekeeping(engine: Engine, settings: Settings) -> dict[str, int]:
    """The deletion concept (participation.retention), once every HOUSEKEEPING_EVERY."""
    from participation.retention import apply_retention

    with session_scope(engine, write=True) as session:
        return apply_retention(session, settings)


def run_worker(
    settings: Settings,
    once: bool = False,
    *,
    engine: Engine | None = None,
    sender: Sender | None = None,
    stop: threading.Event | None = None,
    idle_seconds: float = 2.0,
) -> int:
    """Sends until stopped (SIGTERM/SIGINT); ``once``: everything due now, then return."""
    engine = engine or make_engine(settings.database_url)
    sender = sender or make_sender(settings)
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    if isinstance(sender, SimulatorSender):
        log.warning("Twilio is not configured: messages are only shown in the simulator.")
    next_housekeeping = utcnow()
    while not stop.is_set():
        if utcnow() >= next_housekeeping:
            housekeeping(engine, settings)
            next_housekeeping = utcnow() + HOUSEKEEPING_EVERY
        tried = send_due(engine, settings, sender)
        if once:
            if tried == 0:
                break
            continue
        if tried == 0:
            stop.wait(idle_seconds)
    return 0
