"""What each council used in a month, for the operator's bill: contributions by door,
SMS received and sent, phone minutes. Counts only: the operator reads no citizen's text
this way (that takes the council's grant, `operator_may_read`: operator/service.py).

GROUP BY in the database, one statement a figure, whatever the number of councils.
On the doors' floor, as it reads the doors' own tables (SMS received, calls): the
command line and the operator's pages (operator/routes.py) both show it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlmodel import Session, col
from sqlmodel import select as model_select

from participation.channels.sms.models import InboundSms
from participation.channels.voice.models import VoiceCall
from participation.contributions.models import Contribution
from participation.councils.models import Council
from participation.outbox.models import OutboundMessage, OutboundStatus


@dataclass
class Usage:
    council_id: int
    slug: str
    name: str
    contributions: dict[str, int] = field(default_factory=dict)
    sms_received: int = 0
    sms_sent: int = 0
    call_minutes: int = 0


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    end = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def monthly_usage(session: Session, month: date) -> list[Usage]:
    """Every council, with what it used in ``month`` (UTC month boundaries)."""
    start, end = month_bounds(month)
    usage = {
        c.id: Usage(c.id, c.slug, c.name)
        for c in session.exec(model_select(Council).order_by(col(Council.id))).all()
    }
    by_door = session.execute(
        select(col(Contribution.council_id), col(Contribution.channel), func.count())
        .where(col(Contribution.created_at) >= start, col(Contribution.created_at) < end)
        .group_by(col(Contribution.council_id), col(Contribution.channel))
    )
    for council_id, channel, count in by_door:
        usage[council_id].contributions[str(getattr(channel, "value", channel))] = count
    received = session.execute(
        select(col(InboundSms.council_id), func.count())
        .where(col(InboundSms.created_at) >= start, col(InboundSms.created_at) < end)
        .group_by(col(InboundSms.council_id))
    )
    for council_id, count in received:
        usage[council_id].sms_received = count
    sent = session.execute(
        select(col(OutboundMessage.council_id), func.count())
        .where(
            col(OutboundMessage.status) == OutboundStatus.sent,
            col(OutboundMessage.sent_at) >= start,
            col(OutboundMessage.sent_at) < end,
        )
        .group_by(col(OutboundMessage.council_id))
    )
    for council_id, count in sent:
        usage[council_id].sms_sent = count
    # Twilio bills a call by the minute begun: so do we, call by call.
    minutes = session.execute(
        select(
            col(VoiceCall.council_id), func.sum((func.coalesce(VoiceCall.duration, 0) + 59) / 60)
        )
        .where(col(VoiceCall.started_at) >= start, col(VoiceCall.started_at) < end)
        .group_by(col(VoiceCall.council_id))
    )
    for council_id, total in minutes:
        usage[council_id].call_minutes = int(total or 0)
    return list(usage.values())
