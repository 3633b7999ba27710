"""Reports from the public: anyone may report a published contribution, no account needed.

Choice: a report does NOT take the contribution down. It stays published and appears in
the queue's "Reported" view (with its own count) until a moderator keeps or rejects it.
Putting it back to "pending" would hand everyone a one-click way to hide opinions they
dislike (the rate limit slows that down, it cannot stop it), and would silently change
the published result. Rejecting after a report shows "removed by moderation: reason"
where the text stood, so the removal itself stays visible.

Rate limit without storing addresses: the client address is hashed with a key derived
from SECRET_KEY and the current UTC date, so one day's hashes cannot be matched against
another day's, and the hash itself is erased a day later (forget_reporters).
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from participation.clock import utcnow
from participation.contributions.models import Contribution, Status
from participation.contributions.text import normalise_line
from participation.crypto import keyed_hash
from participation.moderation.models import Flag

#: Reports per address per hour; enough for a reader, tedious for a campaign.
REPORTS_PER_HOUR = 5
MAX_NOTE = 300
#: After this, a report's address hash is erased.
KEY_LIFETIME = timedelta(days=1)


class ReportReason(enum.StrEnum):
    insult = "insult"
    personal_data = "personal_data"
    off_topic = "off_topic"
    advertising = "advertising"
    other = "other"


class ReportRefused(Exception):
    code = "refused"


class NotReportable(ReportRefused):
    code = "not_reportable"


class TooManyReports(ReportRefused):
    code = "rate_limited"


class AlreadyReported(ReportRefused):
    """The same address reported the same contribution today: counted once, no error shown."""

    code = "already_reported"


def reporter_key(secret_key: str, client_address: str, now: datetime) -> str:
    return keyed_hash(secret_key, client_address, purpose=f"report:{now.date().isoformat()}")


def forget_reporters(session: Session, now: datetime | None = None) -> None:
    """Erases the address hashes of reports older than a day (one UPDATE on an index)."""
    limit = (now or utcnow()) - KEY_LIFETIME
    session.execute(
        update(Flag)
        .where(col(Flag.created_at) < limit, col(Flag.reporter_key).is_not(None))
        .values(reporter_key=None)
    )


def report_contribution(
    session: Session,
    *,
    secret_key: str,
    contribution: Contribution,
    reason: ReportReason,
    note: str,
    client_address: str,
    now: datetime | None = None,
) -> Flag:
    now = now or utcnow()
    if contribution.status is not Status.published:
        raise NotReportable()
    key = reporter_key(secret_key, client_address or "unknown", now)
    forget_reporters(session, now)
    recent = session.exec(
        select(func.count())
        .select_from(Flag)
        .where(Flag.reporter_key == key, col(Flag.created_at) >= now - timedelta(hours=1))
    ).one()
    if recent >= REPORTS_PER_HOUR:
        raise TooManyReports()
    twice = session.exec(
        select(Flag.id).where(Flag.reporter_key == key, Flag.contribution_id == contribution.id)
    ).first()
    if twice is not None:
        raise AlreadyReported()
    flag = Flag(
        contribution_id=contribution.id,
        reason=reason.value,
        note=normalise_line(note)[:MAX_NOTE] or None,
        reporter_key=key,
        created_at=now,
    )
    session.add(flag)
    contribution.flag_count = (contribution.flag_count or 0) + 1
    session.add(contribution)
    session.flush()
    return flag
