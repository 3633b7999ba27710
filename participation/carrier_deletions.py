"""The worker's deletions at Twilio: recordings (copied into our storage first), message
records, pictures and call records, each with its own council's Twilio account; and what
erasure and retention queue there (participation.outbox.carrier queues the rest).

A domain area of its own above the outbox, the contributions and the audit trail, which
it uses; the worker gets ``delete_due`` from the housekeeping schedule's assembly.

Claimed like outbound messages (participation.outbox.worker: ``FOR UPDATE SKIP LOCKED``
on PostgreSQL, a lease), retried with the same backoff on 429, 5xx, network errors and
Twilio's "still in progress" (20009), for up to about two weeks: Twilio says a record
can rarely take that long to become deletable. 404 means it is gone already: done.
Every finished job, done or given up, is written to the audit trail.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

from participation.clock import utcnow
from participation.contributions.models import Contribution
from participation.contributions.recordings import (
    MAX_RECORDING_BYTES,
    keep_recording,
    wants_recording,
)
from participation.db import session_scope, table_of
from participation.moderation.models import AuditEvent
from participation.outbox.carrier import forget_now, recording_sid_in
from participation.outbox.models import CarrierDeletion, CarrierKind, DeletionStatus
from participation.outbox.worker import BATCH, LEASE, CouncilSenders, backoff
from participation.settings import Settings
from participation.twilio import (
    CarrierAnswer,
    carrier_path,
    delete_at_twilio,
    download_recording,
    media_is_public,
)

log = logging.getLogger(__name__)

REQUEST_TIMEOUT_SECONDS = 20
#: Accounts whose "Enforce HTTP Auth on Media URLs" this process has checked.
_MEDIA_AUTH_CHECKED: set[str] = set()
#: Waits before the 2nd, 3rd, ... attempt; the last one repeats. With MAX_ATTEMPTS the
#: job gives up after about fifteen days (Twilio: "rarely up to 14 days").
BACKOFF_SECONDS = (60, 300, 900, 3600, 3 * 3600, 12 * 3600, 24 * 3600)
MAX_ATTEMPTS = 20


@dataclass(frozen=True)
class DeletionClaim:
    id: int
    council_id: int
    kind: CarrierKind
    sid: str
    parent_sid: str | None
    contribution_id: int | None
    attempts: int


@dataclass(frozen=True)
class Outcome:
    done: bool
    #: HTTP status of the last answer (None: no answer), for the job and the trail.
    status: int | None = None
    code: int | None = None
    #: A recording copied into our storage on this attempt.
    kept: bool = False
    #: The council has no Twilio account (simulator, demo): nothing was ever there.
    no_account: bool = False

    @property
    def error_code(self) -> str:
        return str(self.code or self.status or "network")[:20]


def claim_deletions(engine: Engine, limit: int = BATCH) -> list[DeletionClaim]:
    now = utcnow()
    with session_scope(engine, write=True) as session:
        rows = session.exec(
            select(CarrierDeletion)
            .where(
                # A lease that ran out: its worker died mid-job.
                or_(
                    col(CarrierDeletion.locked_until).is_(None),
                    col(CarrierDeletion.locked_until) < now,
                ),
                col(CarrierDeletion.status) == DeletionStatus.queued,
                col(CarrierDeletion.next_attempt_at) <= now,
            )
            .order_by(col(CarrierDeletion.next_attempt_at), col(CarrierDeletion.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        claims = []
        for row in rows:
            row.attempts += 1
            row.locked_until = now + LEASE
            row.updated_at = now
            session.add(row)
            claims.append(
                DeletionClaim(
                    row.id,
                    row.council_id,
                    row.kind,
                    row.sid,
                    row.parent_sid,
                    row.contribution_id,
                    row.attempts,
                )
            )
        return claims


def _fetch_first(engine: Engine, settings: Settings, claim: DeletionClaim) -> Outcome | None:
    """Copies a wanted recording into our storage; an Outcome when that failed (and the
    recording must not be deleted yet), None to go on and delete it."""
    if claim.kind is not CarrierKind.recording or claim.contribution_id is None:
        return None
    with Session(engine) as session:
        if not wants_recording(session, claim.contribution_id):
            return None
    path = carrier_path(settings.twilio_account_sid, "recording", claim.sid)
    _check_media_auth(engine, settings, claim, path)
    audio = download_recording(
        settings, path, timeout=REQUEST_TIMEOUT_SECONDS, max_bytes=MAX_RECORDING_BYTES
    )
    if audio.status == 404:
        return None  # gone at Twilio already: nothing to keep, nothing to delete
    if audio.status != 200:
        return Outcome(False, audio.status, audio.code)
    with session_scope(engine, write=True) as session:
        keep_recording(
            session,
            settings.secret_key,
            claim.contribution_id,
            claim.sid,
            audio.content,
            audio.content_type or "audio/mpeg",
        )
    return Outcome(False, 200, kept=True)


def _check_media_auth(engine: Engine, settings: Settings, claim: DeletionClaim, path: str) -> None:
    """Once a process and account, with a real recording: is its audio public? Then
    anyone with the link (it came in a webhook, it may sit in a log) could hear it until
    we delete it. Logged and audited; the README says where to switch it on."""
    account = settings.twilio_account_sid
    if account in _MEDIA_AUTH_CHECKED:
        return
    public = media_is_public(settings, path, timeout=REQUEST_TIMEOUT_SECONDS)
    if public is None:
        return
    _MEDIA_AUTH_CHECKED.add(account)
    if not public:
        return
    log.warning("Twilio account %s serves recordings without HTTP auth", account)
    with session_scope(engine, write=True) as session:
        session.add(
            AuditEvent(
                council_id=claim.council_id,
                staff_id=None,
                action="carrier.media_auth_off",
                object_type="twilio_account",
                object_id=account,
                detail={"setting": "Enforce HTTP Auth on Media URLs"},
            )
        )


def perform(engine: Engine, settings: Settings, claim: DeletionClaim) -> Outcome:
    """One job with the council's own account: fetch (a wanted recording), then delete."""
    if not settings.twilio_configured:
        # Without an account nothing reached Twilio (simulator, demo): nothing to delete.
        return Outcome(True, no_account=True)
    fetched = _fetch_first(engine, settings, claim)
    if fetched is not None and not fetched.kept:
        return fetched
    path = carrier_path(settings.twilio_account_sid, claim.kind.value, claim.sid, claim.parent_sid)
    answer: CarrierAnswer = delete_at_twilio(settings, path, timeout=REQUEST_TIMEOUT_SECONDS)
    kept = fetched is not None and fetched.kept
    if answer.status is not None and (200 <= answer.status < 300 or answer.status == 404):
        return Outcome(True, answer.status, kept=kept)
    return Outcome(False, answer.status, answer.code, kept=kept)


def record_deletion(engine: Engine, claim: DeletionClaim, outcome: Outcome) -> DeletionStatus:
    now = utcnow()
    with session_scope(engine, write=True) as session:
        job = session.get(CarrierDeletion, claim.id)
        if job is None:
            return DeletionStatus.failed
        job.locked_until = None
        job.updated_at = now
        if outcome.done:
            job.status = DeletionStatus.done
            job.done_at = now
            job.error_code = None
        elif claim.attempts >= MAX_ATTEMPTS:
            job.status = DeletionStatus.failed
            job.error_code = outcome.error_code
            log.warning("Twilio kept %s %s after %s tries", claim.kind, claim.sid, claim.attempts)
        else:
            job.error_code = outcome.error_code
            job.next_attempt_at = now + backoff(claim.attempts, BACKOFF_SECONDS)
        session.add(job)
        if job.status is not DeletionStatus.queued or outcome.kept:
            _audit(session, claim, job.status, outcome)
        return job.status


def _audit(
    session: Session, claim: DeletionClaim, status: DeletionStatus, outcome: Outcome
) -> None:
    """What went where, with Twilio's id of it: never whose it was."""
    if status is DeletionStatus.queued:
        action = "carrier.recording_kept"
    else:
        action = "carrier.deleted" if status is DeletionStatus.done else "carrier.delete_failed"
    detail = {
        "attempts": claim.attempts,
        "answer": outcome.status,
        "already_gone": outcome.status == 404,
        "kept_here": outcome.kept,
    }
    if outcome.code:
        detail["code"] = outcome.code
    if outcome.no_account:
        detail["no_account"] = True
    session.add(
        AuditEvent(
            council_id=claim.council_id,
            staff_id=None,
            action=action,
            object_type=claim.kind.value,
            object_id=claim.sid,
            detail=detail,
        )
    )


#: Where a table keeps Twilio's id of a message or call, and the number's key.
_MESSAGE_SIDS = (
    ("outbound_message", "provider_sid", "to_key", CarrierKind.message),
    ("sms_inbound", "message_sid", "from_key", CarrierKind.message),
    # A call's row forgets the caller a day after (voice.service.purge_call_data).
    ("voice_call", "call_sid", "caller_key", CarrierKind.call),
)


def forget_number_at_carrier(session: Session, phone_key: str) -> int:
    """Erasure: Twilio's records of this number's messages and calls go now."""
    queued = 0
    for name, sid, key, kind in _MESSAGE_SIDS:
        table = SQLModel.metadata.tables.get(name)
        if table is None:
            continue
        rows = session.execute(
            select(table.c[sid], table.c.council_id).where(
                table.c[key] == phone_key, table.c[sid].is_not(None)
            )
        ).all()
        queued += forget_now(session, kind, [(row[0], row[1]) for row in rows])
    return queued


def forget_recordings_at_carrier(session: Session, where: Any) -> int:
    """The Twilio recordings of the contributions ``where`` selects: deleted there now
    (with the copy here, which goes with its contribution or its recording_url)."""
    table = table_of(Contribution)
    rows = session.execute(
        select(table.c.recording_url, table.c.external_id, table.c.council_id).where(
            where, table.c.recording_url.is_not(None)
        )
    ).all()
    sids = [(recording_sid_in(row[0], row[1]), row[2]) for row in rows]
    return forget_now(session, CarrierKind.recording, sids)


def delete_due(engine: Engine, accounts: CouncilSenders, limit: int = BATCH) -> int:
    """One batch of due deletions; returns how many were tried."""
    claims = claim_deletions(engine, limit)
    for claim in claims:
        settings = accounts.settings_for(claim.council_id)
        status = record_deletion(engine, claim, perform(engine, settings, claim))
        log.info("deletion at Twilio of %s %s: %s", claim.kind.value, claim.sid, status.value)
    return len(claims)
