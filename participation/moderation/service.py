"""Moderation decisions: each one changes a contribution and appends to the trail.

Every decision writes a ModerationDecision row (the public moderation log shows these,
without staff names) and the changes that need more detail also an AuditEvent (who,
what, when; for staff and the data-protection officer only).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from participation.clock import utcnow
from participation.consultations.models import Consultation
from participation.contributions.models import Contribution, PollVote, Status
from participation.contributions.text import normalise_text
from participation.contributions.votes import NOT_A_PERSON_REASONS
from participation.moderation.models import (
    AuditEvent,
    Decision,
    Flag,
    ModerationDecision,
    RejectionReason,
)

QUEUE_PAGE = 25
#: Bulk decisions touch at most this many contributions per request.
BULK_LIMIT = 100
MAX_NOTE = 500


class ModerationError(Exception):
    """A decision that cannot be taken; ``code`` is worded for staff by the routes."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code


def audit(
    session: Session,
    action: str,
    object_type: str = "",
    object_id: object = "",
    *,
    staff_id: int | None,
    **detail: Any,
) -> None:
    session.add(
        AuditEvent(
            staff_id=staff_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            detail=detail,
        )
    )


def audit_account(
    session: Session, action: str, account_id: object, *, staff_id: int | None, **detail: Any
) -> None:
    """An event about a staff account, by the account itself, an admin or (None) the
    command line."""
    audit(session, action, "staff_user", account_id, staff_id=staff_id, **detail)


def audit_contribution(
    session: Session, action: str, contribution_id: object, *, staff_id: int | None, **detail: Any
) -> None:
    """An event about one contribution, by a member of staff or (None) the system."""
    audit(session, action, "contribution", contribution_id, staff_id=staff_id, **detail)


def _record(
    session: Session,
    contribution: Contribution,
    staff_id: int | None,
    decision: Decision,
    reason: str | None = None,
    note: str | None = None,
) -> None:
    """Stores the contribution as decided and the decision in its log (the public log's
    source)."""
    session.add(contribution)
    session.add(
        ModerationDecision(
            contribution_id=contribution.id,
            consultation_id=contribution.consultation_id,
            staff_id=staff_id,
            decision=decision,
            reason=reason,
            public_note=note,
        )
    )


def resolve_flags(session: Session, contribution: Contribution, staff_id: int | None) -> int:
    """Closes every open report on the contribution; returns how many there were."""
    result = session.exec(
        update(Flag)
        .where(col(Flag.contribution_id) == contribution.id, col(Flag.resolved_at).is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=staff_id)
    )
    contribution.flag_count = 0
    return result.rowcount or 0


def _keep_published_votes(session: Session, contribution: Contribution, counts_after: bool) -> None:
    """A published result is frozen until withdrawn: a decision that would add or take
    away a vote sent with this text (rejected as spam or fake, or no longer) waits."""
    if contribution.consultation_id is None:
        return
    counts_before = not (
        contribution.status is Status.rejected
        and contribution.rejection_reason in NOT_A_PERSON_REASONS
    )
    if counts_before == counts_after:
        return
    consultation = session.get(Consultation, contribution.consultation_id)
    if consultation is None or consultation.results_published_at is None:
        return
    linked = session.exec(
        select(PollVote.id).where(PollVote.contribution_id == contribution.id)
    ).first()
    if linked is not None:
        raise ModerationError("results_frozen", "the published result counts this vote")


def approve(session: Session, contribution: Contribution, staff_id: int | None) -> Contribution:
    if contribution.consultation_id is None:
        raise ModerationError("unassigned", "assign the contribution to a consultation first")
    if not contribution.body.strip():
        # A voice comment is published only as its transcript, never as audio.
        raise ModerationError("no_text", "nothing to publish: type the transcript first")
    if contribution.status is Status.published:
        return contribution
    _keep_published_votes(session, contribution, counts_after=True)
    contribution.status = Status.published
    contribution.published_at = utcnow()
    contribution.rejection_reason = None
    contribution.rejection_note = None
    _record(session, contribution, staff_id, Decision.approve)
    return contribution


def reject(
    session: Session,
    contribution: Contribution,
    staff_id: int | None,
    reason: RejectionReason,
    note: str = "",
) -> Contribution:
    """Rejects; a contribution that was public keeps its published_at, so the public page
    can say "removed by moderation" where it used to stand instead of silently dropping it."""
    _keep_published_votes(
        session, contribution, counts_after=reason.value not in NOT_A_PERSON_REASONS
    )
    contribution.status = Status.rejected
    contribution.rejection_reason = reason.value
    contribution.rejection_note = normalise_text(note)[:MAX_NOTE] or None
    resolve_flags(session, contribution, staff_id)
    _record(
        session,
        contribution,
        staff_id,
        Decision.reject,
        reason=reason.value,
        note=contribution.rejection_note,
    )
    return contribution


def keep(session: Session, contribution: Contribution, staff_id: int | None) -> Contribution:
    """The reports about a published contribution were unfounded: it stays published."""
    if contribution.status is not Status.published:
        raise ModerationError("not_published", "only a published contribution can be kept")
    resolved = resolve_flags(session, contribution, staff_id)
    _record(session, contribution, staff_id, Decision.keep)
    audit_contribution(
        session,
        "contribution.keep",
        contribution.id,
        staff_id=staff_id,
        reports=resolved,
    )
    return contribution


def redact(
    session: Session, contribution: Contribution, staff_id: int | None, new_body: str
) -> bool:
    """Replaces the text with an edited one (personal data blanked out).

    The first redaction keeps the text as it arrived in body_original, which only admins
    see and the retention deletes. The audit event records who and when and how much
    changed, but not the removed text itself: the trail is kept longer than the original,
    so copying the personal data into it would defeat the redaction.
    Returns False when the text did not change.
    """
    text = normalise_text(new_body)
    if text == contribution.body:
        return False
    if not text:
        raise ModerationError("redact_empty", "reject the contribution instead of emptying it")
    if contribution.body_original is None:
        contribution.body_original = contribution.body
    before = len(contribution.body)
    contribution.body = text
    _record(session, contribution, staff_id, Decision.redact)
    audit_contribution(
        session,
        "contribution.redact",
        contribution.id,
        staff_id=staff_id,
        reference=contribution.reference,
        chars_before=before,
        chars_after=len(text),
    )
    return True


def transcribe(
    session: Session, contribution: Contribution, staff_id: int | None, body: str
) -> Contribution:
    """The typed transcript of a recording becomes the body (the door checks it first).

    A changed transcript of a published comment goes back to the queue for approval:
    nobody approved these words yet."""
    changed = body != contribution.body
    contribution.body = body
    if changed and contribution.status is Status.published:
        contribution.status = Status.pending
        contribution.published_at = None
    _record(session, contribution, staff_id, Decision.transcribe)
    audit_contribution(session, "transcribe", contribution.id, staff_id=staff_id, chars=len(body))
    return contribution


def assign(
    session: Session,
    contribution: Contribution,
    staff_id: int | None,
    consultation: Consultation,
) -> Contribution:
    """Puts a contribution nobody could place (usually an SMS) into a consultation."""
    if contribution.consultation_id == consultation.id:
        return contribution
    previous = contribution.consultation_id
    contribution.consultation_id = consultation.id
    _record(session, contribution, staff_id, Decision.assign, note=consultation.code)
    audit_contribution(
        session,
        "contribution.assign",
        contribution.id,
        staff_id=staff_id,
        consultation=consultation.id,
        previous=previous,
    )
    return contribution


def bulk_decide(
    session: Session,
    ids: Iterable[int],
    action: str,
    staff_id: int | None,
    reason: RejectionReason = RejectionReason.other,
    note: str = "",
) -> tuple[list[Contribution], list[tuple[Contribution, str]]]:
    """Approves or rejects many at once: (done, [(skipped, problem code)])."""
    wanted = sorted(set(ids))[:BULK_LIMIT]
    if not wanted:
        return [], []
    rows = session.exec(select(Contribution).where(col(Contribution.id).in_(wanted))).all()
    done: list[Contribution] = []
    skipped: list[tuple[Contribution, str]] = []
    for contribution in sorted(rows, key=lambda c: c.id or 0):
        try:
            if action == "approve":
                approve(session, contribution, staff_id)
            else:
                reject(session, contribution, staff_id, reason, note)
        except ModerationError as problem:
            skipped.append((contribution, problem.code))
            continue
        done.append(contribution)
    audit(
        session,
        f"moderation.bulk_{'approve' if action == 'approve' else 'reject'}",
        "contribution",
        ",".join(str(c.id) for c in done)[:40],
        staff_id=staff_id,
        count=len(done),
        ids=[c.id for c in done],
    )
    return done, skipped


def public_log(
    session: Session, consultation_id: int, before: int | None = None, limit: int = 50
) -> tuple[list[tuple], int | None]:
    """(rows, next cursor): decisions of one consultation, newest first, without staff.

    Each row: (id, created_at, decision, reason, public_note, reference).
    """
    query = (
        select(  # type: ignore[call-overload]  # SQLModel types select() for at most four columns
            ModerationDecision.id,
            ModerationDecision.created_at,
            ModerationDecision.decision,
            ModerationDecision.reason,
            ModerationDecision.public_note,
            Contribution.reference,
        )
        .join(Contribution, col(Contribution.id) == ModerationDecision.contribution_id)
        .where(ModerationDecision.consultation_id == consultation_id)
    )
    if before is not None:
        query = query.where(col(ModerationDecision.id) < before)
    rows = list(session.exec(query.order_by(col(ModerationDecision.id).desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1][0] if more and rows else None)


def decisions_for(session: Session, contribution_id: int) -> list[ModerationDecision]:
    return list(
        session.exec(
            select(ModerationDecision)
            .where(ModerationDecision.contribution_id == contribution_id)
            .order_by(col(ModerationDecision.id))
        ).all()
    )
