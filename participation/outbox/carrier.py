"""What we ask Twilio to delete, and when (DSGVO Art. 5(1)(c) and (e), Art. 17).

Twilio keeps every call recording, every message record (number and text) and every
picture sent to us until it is deleted there. Each is queued here, in the transaction
that learned of it, and deleted by the worker (participation.carrier_deletions):

- a recording as soon as Twilio reports it finished: the worker first copies it into our
  own storage (participation.contributions.recordings) when it became a contribution;
- an inbound message and its pictures a minute after they arrived;
- an outbound message once Twilio reports it delivered or failed, and SETTLE after
  Twilio took it when no final report comes. Twilio refuses to delete a message still
  in progress (error 20009, "wait at least 1 minute"); the refusal is retried like a
  failed send, with backoff, for up to about two weeks;
- a call's record (the caller's number, time and length) SETTLE after the call ended;
- everything of a number at once when the number is erased (LÖSCHEN, the staff's
  erasure page) and whatever the retention removes.

Nothing here speaks to Twilio; a resource already queued is not queued twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from participation.clock import utcnow
from participation.outbox.models import CarrierDeletion, CarrierKind, DeletionStatus
from participation.tenancy import council_or_first

#: Twilio's advice after error 20009: wait at least a minute after a message was sent
#: or received before deleting it.
SETTLE_FIRST = timedelta(minutes=1)
#: An outbound message whose final status never reached us is deleted this long after
#: Twilio took it (or retried until Twilio lets us).
SETTLE = timedelta(minutes=15)
#: Where Twilio reports the status of a reply we gave in TwiML (and so its MessageSid).
REPLY_STATUS = "/twilio/sms/reply-status"
#: Finished deletion jobs stay this long (the audit trail keeps the record for good).
KEEP_FINISHED = timedelta(days=30)

_SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")
_MEDIA = re.compile(r"/Messages/((?:MM|SM)[0-9a-fA-F]{32})/Media/(ME[0-9a-fA-F]{32})")
_RECORDING = re.compile(r"(RE[0-9a-fA-F]{32})")


def is_twilio_sid(sid: str | None) -> bool:
    """Twilio's ids only: the simulator's and the demo's stand-ins are never sent there."""
    return bool(sid) and _SID.fullmatch(sid or "") is not None


def media_of(urls: Iterable[str]) -> list[tuple[str, str]]:
    """(message SID, media SID) of each picture URL Twilio sent with a message."""
    found = (_MEDIA.search(url or "") for url in urls)
    return [(match.group(1), match.group(2)) for match in found if match]


def recording_sid_in(*texts: str | None) -> str | None:
    """The RE... id in a recording's URL or external id."""
    for text in texts:
        match = _RECORDING.search(text or "")
        if match:
            return match.group(1)
    return None


def forget_at_carrier(
    session: Session,
    kind: CarrierKind,
    sid: str | None,
    *,
    due: datetime | None = None,
    parent_sid: str | None = None,
    contribution_id: int | None = None,
    council_id: int | None = None,
) -> CarrierDeletion | None:
    """Queues the deletion of one resource at Twilio, due at ``due`` (now by default).

    Asked again for the same resource (a webhook delivered twice, an erasure after the
    message arrived), the job keeps its earliest due time; a finished job stays done."""
    if not is_twilio_sid(sid):
        return None
    now = utcnow()
    due = due or now
    # A request's session sees only its council's jobs (tenancy); the worker and the
    # retention name the council.
    found = select(CarrierDeletion).where(CarrierDeletion.sid == sid)
    if council_id is not None:
        found = found.where(CarrierDeletion.council_id == council_id)
    job = session.exec(found).first()
    if job is not None:
        if job.status is DeletionStatus.queued and due < job.next_attempt_at:
            job.next_attempt_at = due
            job.updated_at = now
            session.add(job)
        return job
    job = CarrierDeletion(
        kind=kind,
        sid=str(sid),
        parent_sid=parent_sid,
        contribution_id=contribution_id,
        next_attempt_at=due,
    )
    if council_id is not None:
        job.council_id = council_id
    savepoint = session.begin_nested()
    session.add(job)
    try:
        savepoint.commit()
    except IntegrityError:
        # The same resource queued by a concurrent transaction: that job stands.
        savepoint.rollback()
        return None
    return job


def forget_inbound(session: Session, message_sid: str, media_urls: Iterable[str] = ()) -> None:
    """An inbound message and its pictures: Twilio's record of them goes a minute later."""
    due = utcnow() + SETTLE_FIRST
    for parent, media_sid in media_of(media_urls):
        if parent == message_sid:
            forget_at_carrier(session, CarrierKind.media, media_sid, due=due, parent_sid=parent)
    forget_at_carrier(session, CarrierKind.message, message_sid, due=due)


def forget_outbound(
    session: Session, message_sid: str | None, council_id: int, *, final: bool
) -> None:
    """A message we sent: deleted a minute after its final status, else after SETTLE."""
    due = utcnow() + (SETTLE_FIRST if final else SETTLE)
    forget_at_carrier(session, CarrierKind.message, message_sid, due=due, council_id=council_id)


def forget_now(
    session: Session, kind: CarrierKind, sids_by_council: Iterable[tuple[str | None, int]]
) -> int:
    """Erasure and retention: these resources are deleted at Twilio now; a picture job
    of one of these messages is made due too. Returns how many were queued or hastened."""
    count = 0
    now = utcnow()
    messages = []
    for sid, council_id in sids_by_council:
        job = forget_at_carrier(session, kind, sid, due=now, council_id=council_id)
        if job is not None and job.status is DeletionStatus.queued:
            count += 1
            messages.append(sid)
    if kind is CarrierKind.message and messages:
        session.execute(
            update(CarrierDeletion)
            .where(
                col(CarrierDeletion.parent_sid).in_(messages),
                col(CarrierDeletion.status) == DeletionStatus.queued,
            )
            .values(next_attempt_at=now)
        )
    return count


def forget_call(session: Session, call_sid: str | None) -> None:
    """A finished call's record (the caller's number, time, length): deleted at Twilio
    after SETTLE, so that its recording is surely copied before (Twilio keeps a call's
    recordings when the call's record goes, but a slow copy should not race it)."""
    forget_at_carrier(session, CarrierKind.call, call_sid, due=utcnow() + SETTLE)


def forget_recording(
    session: Session, recording_sid: str | None, contribution_id: int | None
) -> CarrierDeletion | None:
    """A finished call recording: copied into our storage (when it became the
    contribution ``contribution_id``), then deleted at Twilio."""
    job = forget_at_carrier(
        session, CarrierKind.recording, recording_sid, contribution_id=contribution_id
    )
    wanted = job is not None and job.status is DeletionStatus.queued
    if wanted and contribution_id and job is not None and job.contribution_id is None:
        job.contribution_id = contribution_id
        session.add(job)
    return job


def purge_finished(session: Session, now: datetime | None = None) -> int:
    """Finished jobs go after KEEP_FINISHED; the audit trail keeps what was deleted."""
    cutoff = (now or utcnow()) - KEEP_FINISHED
    result = session.exec(
        delete(CarrierDeletion).where(
            col(CarrierDeletion.status) != DeletionStatus.queued,
            col(CarrierDeletion.updated_at) <= cutoff,
        )
    )
    return result.rowcount or 0


def reply_status(session: Session, params: dict[str, str]) -> None:
    """Twilio's status report of a reply given in TwiML: the only place its MessageSid
    reaches us. Final: deleted a minute later; otherwise after SETTLE."""
    status = (params.get("MessageStatus") or params.get("SmsStatus") or "").lower()
    final = status in {"delivered", "undelivered", "failed", "read", "canceled"}
    forget_outbound(session, params.get("MessageSid"), council_or_first(session), final=final)
