"""What waits, for the staff menu on every staff page: one count per kind of work.

In the assembly floor because it counts across doors' and domain's tables alike (call-backs
belong to the voice door, barrier reports to the site pages, failed SMS to the outbox).
app.py hands it to requires_role() (accounts/permissions.py), which runs it in the same
thread and session that load the staff member, keeps the answer per council for
``STAFF_MENU_SECONDS`` and drops it after that council's staff write anything.

Each count reads one small index (status first), so the five cost well under a
millisecond on SQLite with 100,000 contributions; the cache saves them on busy pages.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from participation.channels.voice.models import CallbackRequest, CallbackStatus
from participation.contributions.models import Contribution, Status
from participation.moderation.models import Flag
from participation.outbox.models import OutboundMessage, OutboundStatus
from participation.sitepages.models import BarrierReport, ReportStatus


def _count(session: Session, statement) -> int:
    return int(session.exec(statement).one() or 0)


def count_waiting(session: Session) -> dict[str, int]:
    """The council's open work: comments waiting, reported comments, call-backs,
    barrier reports and SMS that could not be delivered."""
    return {
        "pending": _count(
            session,
            select(func.count())
            .select_from(Contribution)
            .where(Contribution.status == Status.pending),
        ),
        "flagged": _count(
            session,
            select(func.count(func.distinct(Flag.contribution_id)))
            .join(Contribution, col(Contribution.id) == Flag.contribution_id)
            .where(col(Flag.resolved_at).is_(None), Contribution.status == Status.published),
        ),
        "callbacks": _count(
            session,
            select(func.count())
            .select_from(CallbackRequest)
            .where(CallbackRequest.status == CallbackStatus.open),
        ),
        "barrier_reports": _count(
            session,
            select(func.count())
            .select_from(BarrierReport)
            .where(BarrierReport.status == ReportStatus.new),
        ),
        "failed_sms": _count(
            session,
            select(func.count())
            .select_from(OutboundMessage)
            .where(
                col(OutboundMessage.status).in_([OutboundStatus.failed, OutboundStatus.undelivered])
            ),
        ),
    }
