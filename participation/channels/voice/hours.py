"""The line's opening hours (settings.phone_hours), checked and read out in any language.

The hours are the same days and times the pages show (participation.opening_hours): the
JSON the council's profile stores, or "mon-fri 08:00-18:00; sat 09:00-12:00" in the
PHONE_HOURS setting. "always", "24/7" or an empty value: always open; so is a value that
cannot be read, since a typo in the settings must not silently close the line.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_time, get_day_names

from participation.channels.voice.speech import spoken
from participation.clock import utcnow
from participation.i18n.catalogs import babel_locale
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
    """'Monday to Friday, 08:00 to 18:00' in the caller's language (empty when always open)."""
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
                start=format_time(span.opens_at, "short", locale=locale),
                end=format_time(span.closes_at, "short", locale=locale),
            )
        )
    return "; ".join(parts)
