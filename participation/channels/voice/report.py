"""The service report: calls per day and how they ended, the figures a 115 centre watches;
and per week and month what a council reports: calls, completed participations, abandoned
calls by step, call-backs and the share kept within the 115 promise of 24 service hours,
the median time to a call-back, and first-contact resolution."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from statistics import median_low
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from participation.channels.voice.hours import service_seconds
from participation.channels.voice.models import CallbackRequest, VoiceCall
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


# --- Per week and per month: what a council reports --------------------------------------

#: The 115 promise: a caller who asks for a call-back is called within 24 service hours,
#: counted only while the line is staffed (settings.phone_hours).
CALLBACK_PROMISE_HOURS = 24
#: The steps a call can be abandoned at, in the order a caller meets them (CSV columns).
STEPS = (
    "incoming",
    "language",
    "consultation",
    "code",
    "action",
    "record",
    "vote",
    "question",
    "question-record",
    "callback",
    "callback-number",
    "callback-check",
    "lookup",
    "after",
    "goodbye",
)


@dataclass
class PeriodFigures:
    """One week or month. Calls count in the period they started in, call-back requests
    in the period they were made in."""

    kind: str  # "week" or "month"
    start: date
    end: date  # the last day
    calls: int = 0
    #: Calls that left a comment or a vote.
    completed: int = 0
    abandoned: int = 0
    abandoned_at: Counter[str] = field(default_factory=Counter)
    #: Calls that ended with a result (comment, vote, status) and asked for no call-back.
    resolved_first_contact: int = 0
    #: Finished calls: the first-contact share's base (a running call has no outcome yet).
    finished: int = 0
    callbacks: int = 0
    within_promise: int = 0
    #: Called back later than the promise, or still open past it.
    late: int = 0
    #: Still open and still within the promise: neither kept nor broken yet.
    pending: int = 0
    callback_hours: list[float] = field(default_factory=list)

    @property
    def within_share(self) -> float | None:
        decided = self.within_promise + self.late
        return self.within_promise / decided if decided else None

    @property
    def first_contact_share(self) -> float | None:
        return self.resolved_first_contact / self.finished if self.finished else None

    @property
    def median_callback_hours(self) -> float | None:
        """Median service hours from the request to the call-back (median_low: one of the
        real values, never an average of two)."""
        return round(median_low(self.callback_hours), 1) if self.callback_hours else None

    @property
    def moment(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day, 12, tzinfo=UTC)


@dataclass
class PeriodReport:
    weeks: list[PeriodFigures]
    months: list[PeriodFigures]


def _week_starts(today: date, count: int) -> list[date]:
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=i) for i in range(count)]


def _month_starts(today: date, count: int) -> list[date]:
    starts, year, month = [], today.year, today.month
    for _ in range(count):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts


def _periods(today: date, weeks: int, months: int) -> tuple[list[PeriodFigures], ...]:
    week_rows = [
        PeriodFigures("week", s, s + timedelta(days=6)) for s in _week_starts(today, weeks)
    ]
    month_rows = []
    for start in _month_starts(today, months):
        following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        month_rows.append(PeriodFigures("month", start, following - timedelta(days=1)))
    return week_rows, month_rows


def _count_call(call: VoiceCall, target: PeriodFigures, now: datetime) -> None:
    achieved = call.contributed or call.voted or call.requested_callback or call.heard_status
    running = call.ended_at is None and now - call.started_at < CALL_IN_PROGRESS
    target.calls += 1
    target.completed += call.contributed or call.voted
    if running:
        return
    target.finished += 1
    if not achieved:
        target.abandoned += 1
        target.abandoned_at[call.last_step] += 1
    resolved = call.contributed or call.voted or call.heard_status
    target.resolved_first_contact += resolved and not call.requested_callback


def _count_callback(
    request: CallbackRequest, target: PeriodFigures, hours: str, timezone: str, now: datetime
) -> None:
    promise = CALLBACK_PROMISE_HOURS * 3600
    target.callbacks += 1
    if request.done_at is not None:
        waited = service_seconds(hours, timezone, request.created_at, request.done_at)
        target.callback_hours.append(waited / 3600)
        if waited <= promise:
            target.within_promise += 1
        else:
            target.late += 1
    elif service_seconds(hours, timezone, request.created_at, now, cap=promise) > promise:
        target.late += 1
    else:
        target.pending += 1


def period_report(
    session: Session,
    *,
    timezone: str,
    hours: str,
    weeks: int = 8,
    months: int = 6,
    now: datetime | None = None,
) -> PeriodReport:
    """Calls and call-backs per week (Monday to Sunday) and per calendar month in the
    council's time zone, newest first; the session's council scope keeps it to one
    council."""
    now = now or utcnow()
    zone = ZoneInfo(timezone)
    week_rows, month_rows = _periods(now.astimezone(zone).date(), weeks, months)
    first = min(week_rows[-1].start, month_rows[-1].start)
    since = datetime.combine(first, datetime.min.time(), zone)

    def targets(moment: datetime) -> list[PeriodFigures]:
        day = moment.astimezone(zone).date()
        return [p for p in (*week_rows, *month_rows) if p.start <= day <= p.end]

    for call in session.exec(select(VoiceCall).where(col(VoiceCall.started_at) >= since)).all():
        for target in targets(call.started_at):
            _count_call(call, target, now)
    requests = session.exec(
        select(CallbackRequest).where(col(CallbackRequest.created_at) >= since)
    ).all()
    for request in requests:
        for target in targets(request.created_at):
            _count_callback(request, target, hours, timezone, now)
    return PeriodReport(weeks=week_rows, months=month_rows)


CSV_COLUMNS = (
    "period",
    "start",
    "end",
    "calls",
    "completed",
    "abandoned",
    "callbacks_requested",
    "callbacks_within_24_service_hours",
    "callbacks_late",
    "callbacks_pending",
    "share_within_24_service_hours",
    "median_callback_service_hours",
    "first_contact_resolution",
    *(f"abandoned_at_{step}" for step in STEPS),
)


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def period_rows(report: PeriodReport) -> list[list[str]]:
    """The same figures as the page, one row per week and month (plain numbers: shares
    as fractions with three decimals, empty where there is nothing to divide by)."""
    rows = [list(CSV_COLUMNS)]
    for period in (*report.weeks, *report.months):
        median = period.median_callback_hours
        rows.append(
            [
                period.kind,
                period.start.isoformat(),
                period.end.isoformat(),
                str(period.calls),
                str(period.completed),
                str(period.abandoned),
                str(period.callbacks),
                str(period.within_promise),
                str(period.late),
                str(period.pending),
                _share(period.within_share),
                "" if median is None else f"{median:.1f}",
                _share(period.first_contact_share),
                *(str(period.abandoned_at.get(step, 0)) for step in STEPS),
            ]
        )
    return rows


def period_csv(report: PeriodReport) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(period_rows(report))
    return buffer.getvalue()
