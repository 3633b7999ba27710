"""The service report: calls per day and how they ended, the figures a 115 centre watches."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from participation.channels.voice.models import VoiceCall
from participation.clock import utcnow

#: A call still running (or whose end Twilio never reported) is not counted as abandoned.
CALL_IN_PROGRESS = timedelta(hours=1)


@dataclass
class DayFigures:
    day: date
    calls: int = 0
    contribution: int = 0
    vote: int = 0
    callback: int = 0
    status: int = 0
    after_hours: int = 0
    abandoned: int = 0
    failed_out: int = 0

    @property
    def moment(self) -> datetime:
        """Noon of the day, for the date formatting filters that take a datetime."""
        return datetime(self.day.year, self.day.month, self.day.day, 12, tzinfo=UTC)


@dataclass
class ServiceReport:
    days: list[DayFigures]
    total: DayFigures
    #: Calls that achieved nothing, by the step where they ended.
    abandoned_at: list[tuple[str, int]] = field(default_factory=list)
    median_seconds: int | None = None


def service_report(
    session: Session, *, timezone: str, days: int = 30, now: datetime | None = None
) -> ServiceReport:
    """Calls per day and how they ended, in the council's time zone (newest day first)."""
    now = now or utcnow()
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), zone)
    calls = session.exec(
        select(VoiceCall).where(col(VoiceCall.started_at) >= since).order_by(col(VoiceCall.id))
    ).all()
    by_day = {first + timedelta(days=i): DayFigures(first + timedelta(days=i)) for i in range(days)}
    total = DayFigures(today)
    abandoned: Counter[str] = Counter()
    durations = []
    for call in calls:
        started = call.started_at
        figures = by_day.get(started.astimezone(zone).date())
        if figures is None:
            continue
        achieved = call.contributed or call.voted or call.requested_callback or call.heard_status
        running = call.ended_at is None and now - started < CALL_IN_PROGRESS
        for target in (figures, total):
            target.calls += 1
            target.contribution += call.contributed
            target.vote += call.voted
            target.callback += call.requested_callback
            target.status += call.heard_status
            target.after_hours += call.after_hours
            target.failed_out += call.failed_out
            if not achieved and not running:
                target.abandoned += 1
        if not achieved and not running:
            abandoned[call.last_step] += 1
        if call.duration:
            durations.append(call.duration)
    durations.sort()
    return ServiceReport(
        days=sorted(by_day.values(), key=lambda d: d.day, reverse=True),
        total=total,
        abandoned_at=abandoned.most_common(),
        median_seconds=durations[len(durations) // 2] if durations else None,
    )
