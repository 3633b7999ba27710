"""What the phone line and the SMS number of a suspended council answer: its own notice
(or the standard one) and where residents can still go, the town hall's front desk.
The SMS number answers a sender once a day at most, so a resident who writes ten times
is not sent ten notices (and the council is not billed for them)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from participation.clock import utcnow
from participation.crypto import keyed_hash
from participation.i18n.catalogs import gettext as _
from participation.moderation.models import AuditEvent
from participation.moderation.service import audit
from participation.opening_hours import local_hours
from participation.settings import Settings

ACTION = "council.suspended_reply"


def notice_text(settings: Settings, notice: str) -> str:
    said = notice.strip() or _(
        "We cannot save or show this right now. Please try again in a few minutes."
    )
    hours = local_hours(settings.front_desk_hours)
    desk = ", ".join(part for part in (settings.council_address, hours) if part)
    return f"{settings.council_name}: {said} {desk}".strip()


def sms_notice_once_a_day(
    session: Session, settings: Settings, sender: str, notice: str
) -> str | None:
    """The notice for this sender, or None when they had it in the last 24 hours."""
    # Keyed, never the number itself; 40 characters are what the audit log keeps.
    key = keyed_hash(settings.secret_key, sender, purpose="suspended")[:40]
    since = utcnow() - timedelta(days=1)
    answered = session.exec(
        select(AuditEvent.id).where(
            AuditEvent.action == ACTION,
            AuditEvent.object_id == key,
            col(AuditEvent.at) >= since,
        )
    ).first()
    if answered is not None:
        return None
    audit(session, ACTION, "sender", key, staff_id=None)
    return notice_text(settings, notice)
