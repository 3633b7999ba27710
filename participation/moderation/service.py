"""Moderation decisions: each one changes a contribution and appends to the trail."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from participation.clock import utcnow
from participation.contributions.models import Contribution, Status
from participation.moderation.models import (
    AuditEvent,
    Decision,
    ModerationDecision,
    RejectionReason,
)

QUEUE_PAGE = 25


class ModerationError(Exception):
    pass


def audit(
    session: Session,
    action: str,
    *,
    staff_id: int | None,
    object_type: str = "",
    object_id: object = "",
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


def approve(session: Session, contribution: Contribution, staff_id: int | None) -> Contribution:
    if contribution.consultation_id is None:
        raise ModerationError("assign the contribution to a consultation first")
    if not contribution.body.strip():
        # A voice comment is published only as its transcript, never as audio.
        raise ModerationError("nothing to publish: type the transcript first")
    contribution.status = Status.published
    contribution.published_at = utcnow()
    contribution.rejection_reason = None
    contribution.rejection_note = None
    session.add(contribution)
    session.add(
        ModerationDecision(
            contribution_id=contribution.id,
            staff_id=staff_id,  # type: ignore[arg-type]
            decision=Decision.approve,
        )
    )
    return contribution


def reject(
    session: Session,
    contribution: Contribution,
    staff_id: int | None,
    reason: RejectionReason,
    note: str = "",
) -> Contribution:
    contribution.status = Status.rejected
    contribution.published_at = None
    contribution.rejection_reason = reason.value
    contribution.rejection_note = note.strip()[:500] or None
    session.add(contribution)
    session.add(
        ModerationDecision(
            contribution_id=contribution.id,
            staff_id=staff_id,  # type: ignore[arg-type]
            decision=Decision.reject,
            reason=reason.value,
            public_note=contribution.rejection_note,
        )
    )
    return contribution


def status_counts(session: Session, consultation_id: int | None = None) -> dict[str, int]:
    query = select(Contribution.status, func.count()).group_by(Contribution.status)
    if consultation_id is not None:
        query = query.where(Contribution.consultation_id == consultation_id)
    counts = {status.value: 0 for status in Status}
    for status, count in session.exec(query).all():
        counts[Status(status).value] = count
    return counts


def queue(
    session: Session,
    *,
    status: Status = Status.pending,
    consultation_id: int | None = None,
    before_id: int | None = None,
    limit: int = QUEUE_PAGE,
) -> list[Contribution]:
    """Keyset pagination, oldest waiting first for pending, newest first otherwise."""
    query = select(Contribution).where(Contribution.status == status)
    if consultation_id is not None:
        query = query.where(Contribution.consultation_id == consultation_id)
    if before_id is not None:
        query = query.where(col(Contribution.id) < before_id)
    query = query.order_by(col(Contribution.id).desc()).limit(limit)
    return list(session.exec(query).all())


def decisions_for(session: Session, contribution_id: int) -> list[ModerationDecision]:
    return list(
        session.exec(
            select(ModerationDecision)
            .where(ModerationDecision.contribution_id == contribution_id)
            .order_by(col(ModerationDecision.id))
        ).all()
    )
