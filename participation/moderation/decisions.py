"""The staff's moderation queue as its pages read it, and the decisions taken there, one
or many at a time, each in one transaction with what the answer shows afterwards; and
the staff's other audited decision, sending a failed message again."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from participation.consultations import service as consultations
from participation.consultations.models import Consultation
from participation.contributions.models import Contribution
from participation.moderation import service
from participation.moderation.models import RejectionReason
from participation.moderation.queue import (
    QueueFilter,
    QueuePage,
    attach_details,
    belongs,
    counts,
    page,
)
from participation.outbox import service as outbox
from participation.outbox.models import OutboundMessage
from participation.outcomes import get_or_404


@dataclass(frozen=True)
class QueueView:
    """A page of the queue with the counts per status and the consultations to pick."""

    page: QueuePage
    counts: dict[str, int]
    #: Tuples, so that templates can keep the options made of them (caching/fragments.py).
    choices: tuple[tuple[int, str, str], ...]


def _view(session: Session, f: QueueFilter, result: QueuePage) -> QueueView:
    choices = tuple(consultations.titled_choices(session, "de"))
    return QueueView(page=result, counts=counts(session, f), choices=choices)


def queue_view(session: Session, f: QueueFilter, cursor: int | None) -> QueueView:
    return _view(session, f, page(session, f, cursor))


@dataclass(frozen=True)
class Decision:
    """What a moderator decided about one contribution, beyond the action itself."""

    reason: RejectionReason
    note: str
    #: The redacted text ("redact").
    body: str
    #: "redact" approves the redacted text as well.
    then_approve: bool
    #: The consultation to assign it to ("assign").
    consultation_id: int | None


@dataclass(frozen=True)
class Decided:
    contribution: Contribution
    #: The ModerationError's code when the decision was refused (nothing of it kept).
    problem: str | None
    #: For an answer in place: the item as a page of one, and whether it stays listed.
    view: QueueView | None = None
    still_here: bool = False


def _decide(
    session: Session, contribution: Contribution, action: str, staff_id: int, d: Decision
) -> None:
    if action == "approve":
        service.approve(session, contribution, staff_id)
    elif action == "reject":
        service.reject(session, contribution, staff_id, d.reason, d.note)
    elif action == "keep":
        service.keep(session, contribution, staff_id)
    elif action == "assign":
        target = session.get(Consultation, d.consultation_id) if d.consultation_id else None
        if target is None:
            raise service.ModerationError("no_consultation")
        service.assign(session, contribution, staff_id, target)
    elif action == "redact":
        service.redact(session, contribution, staff_id, d.body)
        if d.then_approve:
            service.approve(session, contribution, staff_id)


def decide(
    session: Session,
    contribution_id: int,
    action: str,
    staff_id: int,
    decision: Decision,
    in_place: QueueFilter | None = None,
) -> Decided:
    """Takes the decision, or records why not; with ``in_place`` (the queue's filter) also
    reads what the item's answer in place shows."""
    contribution = get_or_404(session, Contribution, contribution_id)
    problem = None
    try:
        with session.begin_nested():
            _decide(session, contribution, action, staff_id, decision)
    except service.ModerationError as refused:
        # The savepoint rolled the half-made decision back; show the item as it was.
        session.refresh(contribution)
        problem = refused.code
    if in_place is None:
        return Decided(contribution, problem)
    session.flush()
    single = QueuePage(items=[contribution], next_cursor=None)
    attach_details(session, single)
    return Decided(
        contribution,
        problem,
        view=_view(session, in_place, single),
        still_here=problem is not None or belongs(contribution, in_place),
    )


@dataclass(frozen=True)
class BulkDecided:
    done: int
    skipped: int
    #: The queue's first page afterwards, for an answer in place.
    view: QueueView | None = None


def bulk_decide(
    session: Session,
    ids: list[int],
    action: str,
    staff_id: int,
    reason: RejectionReason,
    note: str,
    in_place: QueueFilter | None = None,
) -> BulkDecided:
    """service.bulk_decide(), and with ``in_place`` the queue's first page afterwards."""
    done, skipped = service.bulk_decide(session, ids, action, staff_id, reason, note)
    if in_place is None:
        return BulkDecided(len(done), len(skipped))
    session.flush()
    return BulkDecided(len(done), len(skipped), queue_view(session, in_place, None))


def retry_message(session: Session, message_id: int, staff_id: int | None) -> bool:
    """outbox.service.retry() by id, in the audit log when it was queued again; NotFound
    for a message that is not there. Here, as the outbox stands below the audit log."""
    message = get_or_404(session, OutboundMessage, message_id)
    done = outbox.retry(session, message)
    if done:
        service.audit(
            session,
            "outbox.retry",
            staff_id=staff_id,
            object_type="outbound_message",
            object_id=message_id,
        )
    return done
