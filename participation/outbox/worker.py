"""The outbox sender: sends queued messages through Twilio (`participation worker`).

Claiming uses the database as the queue: on PostgreSQL ``SELECT ... FOR UPDATE SKIP
LOCKED`` lets several workers take disjoint batches without waiting on each other; on
SQLite the claim runs in a ``BEGIN IMMEDIATE`` transaction, so only one writer claims at
a time. A claimed message gets a lease (``locked_until``); a worker that dies mid-batch
leaves its messages to be claimed again when the lease runs out. We chose this over a
queue library (procrastinate, pgqueuer, Celery) because the outbox row is written in the
same transaction as its cause, works on SQLite for the demo, and needs no broker.

Twilio's API has no idempotency key for messages, so a worker that dies after Twilio
accepted a message but before the outcome is stored cannot tell the next worker. The
claim therefore stamps ``unconfirmed_since`` before the request goes out, and clears it
only once the outcome is known (Twilio's SID, or Twilio's refusal). A message claimed
again with the stamp still set is first looked up in Twilio's message list (same
recipient, our number, same body, created since the stamp, its SID held by no other
row): if Twilio has it, the worker adopts its SID and status instead of sending again.
That makes delivery exactly once for as long as Twilio keeps the message log. Status
callbacks usually settle such a message before its lease ends; the lookup is for when
they do not (web app down, callback lost). Two identical texts to the same person whose
attempts were both unconfirmed cannot be told apart; recovered one after the other, each
adopts a different SID, so the count still comes out right (two workers recovering them
at the same instant could both adopt one SID and leave the other text unsent).
"""

from __future__ import annotations

import logging
import random
import secrets
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import and_, case, func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from participation.clock import utcnow
from participation.councils.service import directory
from participation.crypto import decrypt
from participation.db import make_engine, session_scope
from participation.outbox.carrier import forget_outbound
from participation.outbox.consent import is_opted_out, mark_opted_out, opted_out_keys
from participation.outbox.models import REPLY, OutboundMessage, OutboundStatus
from participation.outbox.service import (
    FINAL,
    OPTED_OUT,
    PERMANENT_ERRORS,
    TWILIO_STATUS,
    apply_status,
)
from participation.settings import Settings
from participation.twilio import rest_client

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
#: Our clock and Twilio's may disagree a little; the lookup window starts this much early.
CLOCK_SKEW = timedelta(minutes=2)
#: How many of Twilio's messages to one recipient the lookup reads at most, newest first.
#: The per-number limit keeps this far above what one lookup window can hold.
LOOKUP_LIMIT = 100


@dataclass(frozen=True)
class SendResult:
    ok: bool
    provider_sid: str | None = None
    #: HTTP status of a refused request; None for network errors.
    http_status: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    #: Twilio's own status of a message found by a lookup ("queued", "delivered", ...).
    provider_status: str | None = None
    #: No clear answer (network error, 5xx, failed lookup): Twilio may hold the message.
    maybe_accepted: bool = False

    @property
    def permanent(self) -> bool:
        if self.ok:
            return False
        if self.error_code in PERMANENT_ERRORS:
            return True
        # Any other 4xx but 429 is Twilio saying no; 429, 5xx and network errors pass.
        status = self.http_status
        return status is not None and 400 <= status < 500 and status != 429


class LookupFailed(Exception):
    """Twilio's message list could not be read; ``result`` is recorded like a failed send."""

    def __init__(self, result: SendResult) -> None:
        super().__init__(result.error_message)
        self.result = result


class Sender(Protocol):
    def send(self, message_id: int, to: str, body: str) -> SendResult: ...

    def find_accepted(self, to: str, body: str, since: datetime) -> list[SendResult]:
        """Messages the provider took from us for ``to`` with ``body`` since ``since``,
        newest first, as successful results; raises LookupFailed."""
        ...


class TwilioSender:
    """Sends through twilio.rest.Client; tests inject an HttpClient or a fake API base."""

    def __init__(self, settings: Settings, http_client=None) -> None:
        self.client = rest_client(settings, http_client, timeout=SEND_TIMEOUT_SECONDS)
        self.from_number = settings.twilio_phone_number
        #: When set, Twilio picks the sender from the service's pool (and applies its
        #: opt-out lists); the number is then only what the lookup cannot filter by.
        self.messaging_service = settings.twilio_messaging_service_sid
        self.callback_base = (settings.webhook_base_url or settings.public_base_url).rstrip("/")

    def _sender(self) -> dict[str, str]:
        if self.messaging_service:
            return {"messaging_service_sid": self.messaging_service}
        return {"from_": self.from_number}

    def send(self, message_id: int, to: str, body: str) -> SendResult:
        from twilio.base.exceptions import TwilioException

        try:
            created = self.client.messages.create(
                to=to,
                body=body,
                # Our own id in the URL: the callback matches before the SID is stored.
                status_callback=f"{self.callback_base}/twilio/status/{message_id}",
                **self._sender(),
            )
        except (TwilioException, OSError, ValueError) as error:
            # requests' connection errors and timeouts are OSErrors: retried, never lost.
            return _failure(error)
        return SendResult(ok=True, provider_sid=created.sid)

    def find_accepted(self, to: str, body: str, since: datetime) -> list[SendResult]:
        """Reads Twilio's message list filtered by To and From, and matches body and
        creation time here. Not filtered by DateSent: Twilio sets date_sent only when it
        hands the message to the carrier, so one still waiting in Twilio's own queue
        (a long code sends about one a second) would escape a DateSent filter."""
        from twilio.base.exceptions import TwilioException

        # A Messaging Service sends from any number of its pool: filtered by its SID here.
        sender = {} if self.messaging_service else {"from_": self.from_number}
        try:
            listed = list(self.client.messages.stream(to=to, limit=LOOKUP_LIMIT, **sender))
        except (TwilioException, OSError, ValueError) as error:
            raise LookupFailed(replace(_failure(error), maybe_accepted=True)) from error
        return [
            _found(message)
            for message in listed
            if self._ours(message)
            and message.body == body
            and message.date_created is not None
            and message.date_created >= since
        ]

    def _ours(self, message) -> bool:
        if self.messaging_service:
            return message.messaging_service_sid == self.messaging_service
        return message.from_ == self.from_number


def _found(message) -> SendResult:
    return SendResult(
        ok=True,
        provider_sid=message.sid,
        provider_status=str(message.status or ""),
        error_code=str(message.error_code) if message.error_code else None,
    )


def _failure(error: Exception) -> SendResult:
    """A failed request as a result. Twilio's answer with a 4xx (429 too) means it did not
    take the message; a 5xx or no answer at all leaves that open."""
    status = _http_status(error)
    if status is None:
        return SendResult(
            ok=False, error_code="network", error_message=type(error).__name__, maybe_accepted=True
        )
    code = getattr(error, "code", None)
    text = getattr(error, "msg", None) or getattr(error, "detail", None) or error.args[0]
    return SendResult(
        ok=False,
        http_status=status,
        error_code=str(code or status),
        error_message=str(text)[:500],
        maybe_accepted=status >= 500,
    )


def _http_status(error: Exception) -> int | None:
    status = getattr(error, "status", None)  # TwilioRestException, TwilioServiceException
    if isinstance(status, int):
        return status
    # A list page that is not 200 comes as TwilioException("Unable to fetch page", response).
    return next((arg.status_code for arg in error.args if hasattr(arg, "status_code")), None)


class SimulatorSender:
    """Without Twilio credentials (demo, training): messages show in the phone simulator
    and count as delivered; nothing leaves the machine."""

    def send(self, message_id: int, to: str, body: str) -> SendResult:
        return SendResult(ok=True, provider_sid="SMsim" + secrets.token_hex(14))

    def find_accepted(self, to: str, body: str, since: datetime) -> list[SendResult]:
        # Nothing is kept outside our database: a simulated send that died is repeated.
        return []


def make_sender(settings: Settings) -> Sender:
    if settings.twilio_configured and settings.twilio_sender_configured:
        return TwilioSender(settings)
    return SimulatorSender()


class NoNumberSender:
    """For a council without an SMS number: every message fails, visibly in the outbox."""

    def send(self, message_id: int, to: str, body: str) -> SendResult:
        return SendResult(ok=False, http_status=400, error_code="no_council_number")

    def find_accepted(self, to: str, body: str, since: datetime) -> list[SendResult]:
        return []


class CouncilSenders:
    """One sender a council, made from its settings (its number, its Twilio account),
    so that no message leaves with another council's sender or credentials. The council
    table is read again every REFRESH so that a new council sends without a restart."""

    REFRESH = timedelta(minutes=1)

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.base = settings
        self.senders: dict[int, Sender] = {}
        self.accounts: dict[int, Settings] = {}
        self.read_at = datetime.min.replace(tzinfo=UTC)
        self.simulated = not settings.twilio_configured

    def for_council(self, council_id: int) -> Sender:
        if utcnow() - self.read_at > self.REFRESH:
            self.senders.clear()
            self.accounts.clear()
            self.read_at = utcnow()
        if council_id not in self.senders:
            own = self.settings_for(council_id)
            if self.simulated or own.twilio_sender_configured:
                self.senders[council_id] = make_sender(own)
            else:
                # Twilio is on, but this council has no number of its own: never the
                # simulator (it would count as sent) and never another council's number.
                self.senders[council_id] = NoNumberSender()
        return self.senders[council_id]

    def settings_for(self, council_id: int) -> Settings:
        """The council's settings: its number and its own Twilio account (or the
        installation's, where the council shares it)."""
        if utcnow() - self.read_at > self.REFRESH:
            self.senders.clear()
            self.accounts.clear()
            self.read_at = utcnow()
        if council_id not in self.accounts:
            self.accounts[council_id] = self._settings_of(council_id)
        return self.accounts[council_id]

    def _settings_of(self, council_id: int) -> Settings:
        with self.engine.connect() as connection:
            known = directory(connection)
        for council in known.councils:
            if council.id == council_id:
                return council.settings(self.base)
        return self.base


@dataclass(frozen=True)
class Claim:
    id: int
    to_key: str
    to_encrypted: str
    body: str
    attempts: int
    #: Set when an earlier attempt may have reached Twilio: look before sending again.
    unconfirmed_since: datetime | None = None
    #: A SID a status callback brought in before the worker could store it.
    provider_sid: str | None = None
    #: Whose message it is: sent with that council's number and Twilio account.
    council_id: int = 1
    #: A reply to an inbound message: sent whatever the opt-out (outbox.models.REPLY).
    reply: bool = False


def claim_due(engine: Engine, limit: int = BATCH, now: datetime | None = None) -> list[Claim]:
    """Takes up to ``limit`` due messages for this worker (see the module docstring).
    Replies come first and pass the opt-out and the per-number cap (outbox.models.REPLY)."""
    now = now or utcnow()
    claims: list[Claim] = []
    with session_scope(engine, write=True) as session:
        rows = _due(session, now, limit * 2)
        if not rows:
            return []
        keys = {row.to_key for row in rows}
        opted_out = opted_out_keys(session, keys)
        sent_recently = _sent_in_the_last_hour(session, keys, now)
        for row in rows:
            reply = row.channel == REPLY
            if row.to_key in opted_out and not reply:
                row.status = OutboundStatus.failed
                row.error_code = "opted_out"
                row.updated_at = now
                session.add(row)
                continue
            if not reply and sent_recently.get(row.to_key, 0) >= PER_NUMBER_PER_HOUR:
                row.next_attempt_at = now + POSTPONE
                session.add(row)
                continue
            if len(claims) >= limit:
                continue
            if not reply:
                sent_recently[row.to_key] = sent_recently.get(row.to_key, 0) + 1
            claims.append(_claim(session, row, now))
    return claims


def _due(session: Session, now: datetime, limit: int) -> list[OutboundMessage]:
    # A reply is awaited by someone who just wrote: it goes before any backlog.
    replies_first = case((col(OutboundMessage.channel) == REPLY, 0), else_=1)
    return list(
        session.exec(
            select(OutboundMessage)
            .where(
                or_(
                    col(OutboundMessage.status) == OutboundStatus.queued,
                    and_(
                        col(OutboundMessage.status) == OutboundStatus.sending,
                        col(OutboundMessage.locked_until) < now,
                    ),
                ),
                col(OutboundMessage.next_attempt_at) <= now,
            )
            .order_by(replies_first, col(OutboundMessage.next_attempt_at), col(OutboundMessage.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
    )


def _sent_in_the_last_hour(session: Session, keys: set[str], now: datetime) -> dict[str, int]:
    """Messages per number that count towards PER_NUMBER_PER_HOUR: replies do not."""
    return dict(
        session.exec(
            select(OutboundMessage.to_key, func.count())
            .where(
                col(OutboundMessage.to_key).in_(keys),
                col(OutboundMessage.sent_at) > now - timedelta(hours=1),
                col(OutboundMessage.channel) != REPLY,
            )
            .group_by(OutboundMessage.to_key)
        ).all()
    )


def _claim(session: Session, row: OutboundMessage, now: datetime) -> Claim:
    claim = Claim(
        row.id,
        row.to_key,
        row.to_encrypted,
        row.body,
        row.attempts + 1,
        unconfirmed_since=row.unconfirmed_since,
        provider_sid=row.provider_sid,
        council_id=row.council_id,
        reply=row.channel == REPLY,
    )
    row.status = OutboundStatus.sending
    row.locked_until = now + LEASE
    row.attempts += 1
    # Stamped before the request leaves, committed with the claim: if this worker dies
    # mid-send, the next one knows to ask Twilio first. The earliest stamp is kept.
    row.unconfirmed_since = row.unconfirmed_since or now
    row.updated_at = now
    session.add(row)
    return claim


def _opted_out(engine: Engine, to_key: str) -> bool:
    with Session(engine) as session:
        return is_opted_out(session, to_key)


def backoff(attempts: int, schedule: tuple[int, ...] = BACKOFF_SECONDS) -> timedelta:
    base = schedule[min(attempts, len(schedule)) - 1]
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
        if not result.maybe_accepted:
            message.unconfirmed_since = None
        if result.ok:
            _record_accepted(session, message, result, now)
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


def _record_accepted(
    session: Session, message: OutboundMessage, result: SendResult, now: datetime
) -> None:
    # The SID Twilio just gave (or that a lookup found) is this attempt's, even when an
    # earlier attempt's SID is stored: staff may have sent a failed message again.
    if result.provider_sid:
        message.provider_sid = result.provider_sid[:64]
    message.sent_at = now
    if message.channel == REPLY:
        # A reply needs the number only until Twilio has it: nobody sends an answer
        # again hours later, and its number may have been erased by the very message
        # it answers (LÖSCHEN JA). TwiML replies are never stored at all.
        message.to_encrypted = ""
    message.error_code = None
    message.error_message = None
    # A "delivered" callback may have arrived first: sent never overrides it.
    apply_status(session, message, OutboundStatus.sent)
    # A message found by a lookup may be further along at Twilio already.
    found = TWILIO_STATUS.get(result.provider_status or "")
    if found is not None:
        apply_status(session, message, found, error_code=result.error_code)
    message.locked_until = None
    # Twilio keeps the number and the text until we delete them there.
    forget_outbound(session, result.provider_sid, message.council_id, final=message.status in FINAL)


def _held_elsewhere(engine: Engine, sids: list[str], message_id: int) -> set[str]:
    """Those of ``sids`` that belong to other outbox messages (an identical text sent
    to the same person for another cause)."""
    if not sids:
        return set()
    with Session(engine) as session:
        held = session.exec(
            select(col(OutboundMessage.provider_sid)).where(
                col(OutboundMessage.provider_sid).in_(sids),
                OutboundMessage.id != message_id,
            )
        ).all()
        return {sid for sid in held if sid is not None}


def find_earlier_send(engine: Engine, sender: Sender, claim: Claim, to: str) -> SendResult | None:
    """The message Twilio took on an earlier, unconfirmed attempt of this claim; None
    when there was no such attempt or Twilio has none; a failed result when Twilio could
    not be asked."""
    if claim.unconfirmed_since is None:
        return None
    if claim.provider_sid:
        return SendResult(ok=True, provider_sid=claim.provider_sid)
    try:
        found = sender.find_accepted(to, claim.body, claim.unconfirmed_since - CLOCK_SKEW)
    except LookupFailed as failed:
        # Sending blind could send twice: wait and ask again, like any retry.
        return failed.result
    held = _held_elsewhere(engine, [r.provider_sid for r in found if r.provider_sid], claim.id)
    return next((r for r in found if r.provider_sid not in held), None)


def attempt(engine: Engine, settings: Settings, sender: Sender, claim: Claim) -> SendResult:
    """One claimed message: adopt what Twilio already took, or send it."""
    number = decrypt(settings.secret_key, claim.to_encrypted)
    if number is not None:
        earlier = find_earlier_send(engine, sender, claim, number)
        if earlier is not None:
            return earlier
    if not claim.reply and _opted_out(engine, claim.to_key):
        # STOP arrived (or Twilio said 21610 for an earlier message) after the claim.
        return SendResult(ok=False, http_status=400, error_code="opted_out")
    if number is None:
        # Encrypted under another SECRET_KEY: no way to send it, ever.
        return SendResult(ok=False, http_status=400, error_code="undecryptable")
    return sender.send(claim.id, number, claim.body)


def send_due(
    engine: Engine, settings: Settings, sender: Sender | CouncilSenders, limit: int = BATCH
) -> int:
    """One batch: claim, send, record. Returns how many messages were tried."""
    claims = claim_due(engine, limit)
    for claim in claims:
        own = sender.for_council(claim.council_id) if isinstance(sender, CouncilSenders) else sender
        status = record_result(engine, claim, attempt(engine, settings, own, claim))
        log.info("outbound message %s: %s", claim.id, status.value)
    return len(claims)


def run_worker(
    settings: Settings,
    once: bool = False,
    *,
    engine: Engine | None = None,
    sender: Sender | None = None,
    stop: threading.Event | None = None,
    idle_seconds: float = 2.0,
    housekeeping: Callable[[Engine, Settings], object] | None = None,
    deletions: Callable[[Engine, CouncilSenders], int] | None = None,
) -> int:
    """Sends until stopped (SIGTERM/SIGINT); ``once``: everything due now, then return.
    ``housekeeping`` runs once every HOUSEKEEPING_EVERY (participation.housekeeping
    passes its schedule: the outbox knows nothing of the other areas' jobs);
    ``deletions`` one batch of deletions at Twilio each round (participation.carrier_deletions)."""
    engine = engine or make_engine(settings.database_url)
    senders: Sender | CouncilSenders = sender or CouncilSenders(engine, settings)
    # Deletions at Twilio always use each council's own account, whatever sender is given.
    accounts = senders if isinstance(senders, CouncilSenders) else CouncilSenders(engine, settings)
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    if isinstance(senders, SimulatorSender) or getattr(senders, "simulated", False):
        log.warning("Twilio is not configured: messages are only shown in the simulator.")
    next_housekeeping = utcnow()
    while not stop.is_set():
        if housekeeping is not None and utcnow() >= next_housekeeping:
            # housekeeping() logs its own failures; sending goes on whatever happens there.
            housekeeping(engine, settings)
            next_housekeeping = utcnow() + HOUSEKEEPING_EVERY
        tried = send_due(engine, settings, senders)
        if deletions is not None:
            tried += deletions(engine, accounts)
        if once:
            if tried == 0:
                break
            continue
        if tried == 0:
            stop.wait(idle_seconds)
    return 0
