"""The line's opening hours (settings.phone_hours), checked and read out in any language.

The hours are the same days and times the pages show (participation.opening_hours): the
JSON the council's profile stores, or "mon-fri 08:00-18:00; sat 09:00-12:00" in the
PHONE_HOURS setting. "always", "24/7" or an empty value: always open; so is a value that
cannot be read, since a typo in the settings must not silently close the line.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import get_day_names

from participation.channels.voice.speech import spoken
from participation.clock import utcnow
from participation.i18n.catalogs import babel_locale
from participation.i18n.formatting import local_list
from participation.i18n.spoken import spoken_time
from participation.opening_hours import OpeningHours, Span, read_hours
from participation.settings import Settings

log = logging.getLogger(__name__)


def parse_hours(spec: str) -> tuple[Span, ...] | None:
    """The spans, or None for a line that is always open (also for a spec we cannot read)."""
    hours = read_hours(spec)
    if hours.text:
        log.warning("PHONE_HOURS %r not understood; the line is treated as always open", spec)
    return None if hours.always else (hours.spans or None)


def phone_hours(settings: Settings) -> OpeningHours:
    """The line's hours as days and times, for whatever reads them out (or checks them)."""
    return read_hours(settings.phone_hours)


def line_is_open(spec: str, timezone: str, now: datetime | None = None) -> bool:
    moment = (now or utcnow()).astimezone(ZoneInfo(timezone))
    if moment.tzinfo is None:  # pragma: no cover - utcnow() is always aware
        moment = moment.replace(tzinfo=UTC)
    return read_hours(spec).is_open(moment)


def _periods(spans: tuple[Span, ...]) -> list[tuple[int, int, Span]]:
    """(first day, last day, span) per run of consecutive days: "Tuesday and Thursday"
    are read as two periods, "Monday to Friday" as one."""
    periods = []
    for span in spans:
        start = previous = span.days[0]
        for day in span.days[1:]:
            if day != previous + 1:
                periods.append((start, previous, span))
                start = day
            previous = day
        periods.append((start, previous, span))
    return periods


def spoken_hours(spec: str, language: str) -> str:
    """'Montag bis Freitag, acht Uhr bis achtzehn Uhr' in the caller's language, the times
    in words (spoken_time); empty when the line is always open."""
    spans = parse_hours(spec)
    if spans is None:
        return ""
    locale = babel_locale(language)
    names = get_day_names("wide", locale=locale)
    parts = []
    for first, last, span in _periods(spans):
        parts.append(
            spoken(
                "hours_period",
                language,
                first_day=names[first],
                last_day=names[last],
                same_day=first == last,
                start=spoken_time(span.opens_at, language),
                end=spoken_time(span.closes_at, language),
            )
        )
    return local_list(parts, language=language)


def service_seconds(
    spec: str, timezone: str, start: datetime, end: datetime, *, cap: float | None = None
) -> float:
    """Seconds of the line's opening hours between two moments (all of them for a line
    that is always open): the clock a call-back promise runs on. Stops counting past
    ``cap``, so an old open request costs no more than a day's walk per period."""
    if end <= start:
        return 0.0
    spans = parse_hours(spec)
    if spans is None:
        return (end - start).total_seconds()
    zone = ZoneInfo(timezone)
    day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    total = 0.0
    while day <= last:
        for span in spans:
            if day.weekday() not in span.days:
                continue
            # From minutes, not opens_at/closes_at: a span may close at midnight (24:00).
            midnight = datetime.combine(day, datetime.min.time(), zone)
            opens = midnight + timedelta(minutes=span.opens)
            closes = midnight + timedelta(minutes=span.closes)
            total += max((min(closes, end) - max(opens, start)).total_seconds(), 0.0)
        if cap is not None and total > cap:
            return total
        day += timedelta(days=1)
    return total
