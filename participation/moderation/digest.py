"""The daily e-mail to staff: what waits in the queue, per consultation, and for how long.

The worker calls send_staff_digest() on every pass; it sends at most once per local day,
after DIGEST_HOUR, and only when something waits. `participation digest` sends at once.
A digest that could not be delivered is not marked as sent, so the next pass tries again.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from participation.accounts.models import Role, StaffUser
from participation.clock import utcnow
from participation.consultations import service as consultations
from participation.contributions.models import Contribution, Status
from participation.councils.models import CouncilStatus
from participation.councils.service import directory
from participation.db import session_scope
from participation.i18n import catalogs
from participation.moderation.models import AuditEvent, Flag
from participation.moderation.queue import Waiting, waiting_overview
from participation.moderation.service import audit
from participation.rendering import environment
from participation.settings import DEFAULT_LANGUAGE, Settings

log = logging.getLogger(__name__)
#: Local hour from which the day's digest goes out (staff read it when they start).
DIGEST_HOUR = 7
ACTION = "digest.sent"


@dataclass
class DigestLine:
    title: str
    code: str
    queue_path: str
    line: Waiting


def _age(oldest: datetime, now: datetime) -> timedelta:
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return now - oldest


def anything_waits(session: Session) -> bool:
    """Two index look-ups, so the worker's frequent calls stay cheap on a quiet day."""
    pending = session.exec(
        select(Contribution.id).where(Contribution.status == Status.pending).limit(1)
    ).first()
    if pending is not None:
        return True
    return (
        session.exec(select(Flag.id).where(col(Flag.resolved_at).is_(None)).limit(1)).first()
        is not None
    )


def digest_lines(session: Session) -> list[DigestLine]:
    """What waits, per consultation, oldest first; unassigned texts first of all."""
    overview = waiting_overview(session)
    waiting = {key: line for key, line in overview.items() if line.waiting}
    if not waiting:
        return []
    every = {c.id: c for c in consultations.all_consultations(session)}
    texts = consultations.texts_for(session, [k for k in waiting if k is not None])
    lines = []
    for key, line in waiting.items():
        if key is None:
            lines.append(DigestLine("", "", "/de/staff/moderation?consultation=unassigned", line))
            continue
        consultation = every.get(key)
        picked = consultations.pick_text(texts.get(key, []), "de")
        title = picked.text.title if picked else (consultation.slug if consultation else "")
        lines.append(
            DigestLine(
                title,
                consultation.code if consultation else "",
                f"/de/staff/moderation?consultation={key}",
                line,
            )
        )
    lines.sort(
        key=lambda d: (d.line.consultation_id is not None, d.line.oldest_pending or utcnow())
    )
    return lines


def render_digest(settings: Settings, lines: list[DigestLine], now: datetime) -> tuple[str, str]:
    """(subject, plain-text body) in the council's language."""
    from babel.dates import format_timedelta

    token = catalogs.current_language.set(DEFAULT_LANGUAGE)
    try:
        locale = catalogs.babel_locale(DEFAULT_LANGUAGE)
        total = sum(d.line.waiting for d in lines)
        subject = catalogs.ngettext(
            "%(num)s contribution waits for moderation",
            "%(num)s contributions wait for moderation",
            total,
        )
        body = environment.get_template("moderation/digest.txt").render(
            lines=lines,
            total=total,
            settings=settings,
            age=lambda oldest: format_timedelta(_age(oldest, now), locale=locale) if oldest else "",
        )
    finally:
        catalogs.current_language.reset(token)
    return f"[{settings.council_name}] {subject}", body


def _already_sent(session: Session, day: str, now: datetime) -> bool:
    return (
        session.exec(
            select(AuditEvent.id).where(
                col(AuditEvent.at) >= now - timedelta(days=2),
                AuditEvent.action == ACTION,
                AuditEvent.object_id == day,
            )
        ).first()
        is not None
    )


def send_staff_digest(
    settings: Settings, engine: Engine, now: datetime | None = None, *, force: bool = False
) -> int:
    """Each council's digest to its own active admins and moderators, about its own queue,
    in its own name and time zone; returns how many e-mails went out in all."""
    with engine.connect() as connection:
        councils = directory(connection).councils
    return sum(
        _send_council_digest(council.settings(settings), engine, council.id, now, force=force)
        for council in councils
        if council.status is CouncilStatus.active
    )


def _mail(settings: Settings, recipients: list[str], subject: str, body: str, now) -> int:
    """Sends the digest to each recipient; how many went out before any error."""
    sent = 0
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            for email in recipients:
                message = EmailMessage()
                message["Subject"] = subject
                message["From"] = settings.smtp_from
                message["To"] = email
                message["Date"] = formatdate(now.timestamp(), localtime=False)
                message["Message-ID"] = make_msgid(domain=settings.smtp_from.split("@")[-1])
                message["Auto-Submitted"] = "auto-generated"
                message.set_content(body)
                smtp.send_message(message)
                sent += 1
    except (OSError, smtplib.SMTPException) as problem:
        log.warning("staff digest not sent (%s sent before the error): %s", sent, problem)
    return sent


def _send_council_digest(
    settings: Settings,
    engine: Engine,
    council_id: int,
    now: datetime | None = None,
    *,
    force: bool = False,
) -> int:
    """0 when it is too early, already sent, nothing waits, or no SMTP."""
    now = now or utcnow()
    local = now.astimezone(ZoneInfo(settings.timezone))
    day = local.date().isoformat()
    if not settings.smtp_host:
        return 0
    if not force and local.hour < DIGEST_HOUR:
        return 0
    with session_scope(engine, council_id=council_id) as session:
        if not force and _already_sent(session, day, now):
            return 0
        if not anything_waits(session):
            return 0
        lines = digest_lines(session)
        recipients = list(
            session.exec(
                select(StaffUser.email).where(
                    StaffUser.is_active == True,  # noqa: E712
                    col(StaffUser.role).in_([Role.admin, Role.moderator]),
                )
            ).all()
        )
    if not lines or not recipients:
        return 0
    sent = _mail(settings, sorted(recipients), *render_digest(settings, lines, now), now)
    if not sent:
        return 0
    with session_scope(engine, write=True, council_id=council_id) as session:
        audit(
            session,
            ACTION,
            staff_id=None,
            object_type="digest",
            object_id=day,
            recipients=sent,
            waiting=sum(d.line.waiting for d in lines),
        )
    return sent
