"""The line's opening hours (settings.phone_hours), checked and read out in any language.

Format: groups separated by ";" or ",", each "<day>[-<day>] HH:MM-HH:MM", for example
"mon-fri 08:00-18:00; sat 09:00-12:00". "always", "24/7" or an empty value: always open.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from babel.dates import get_day_names

from participation.channels.voice.speech import spoken
from participation.clock import utcnow
from participation.i18n.catalogs import babel_locale
from participation.i18n.formatting import local_list
from participation.i18n.spoken import spoken_time

log = logging.getLogger(__name__)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_GROUP = re.compile(
    r"^(?P<first>[a-z]{3})(?:\s*-\s*(?P<last>[a-z]{3}))?\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$"
)
ALWAYS = frozenset({"", "always", "24/7", "24x7"})


@dataclass(frozen=True)
class Period:
    first_day: int
    last_day: int
    start: time
    end: time

    def covers(self, weekday: int, moment: time) -> bool:
        return self.first_day <= weekday <= self.last_day and self.start <= moment < self.end


def _time(text: str) -> time:
    hours, minutes = text.split(":")
    if hours == "24" and minutes == "00":
        return time(23, 59, 59)
    return time(int(hours), int(minutes))


@cache
def parse_hours(spec: str) -> tuple[Period, ...] | None:
    """The periods, or None for a line that is always open (also for a spec we cannot read:
    a typo in the settings must not silently close the line)."""
    cleaned = (spec or "").strip().lower()
    if cleaned in ALWAYS:
        return None
    periods = []
    for group in re.split(r"[;,]", cleaned):
        match = _GROUP.match(group.strip())
        if not match or match["first"] not in DAYS or (match["last"] or "mon") not in DAYS:
            log.warning("PHONE_HOURS %r not understood; the line is treated as always open", spec)
            return None
        first = DAYS.index(match["first"])
        last = DAYS.index(match["last"]) if match["last"] else first
        try:
            periods.append(Period(first, last, _time(match["start"]), _time(match["end"])))
        except ValueError:
            log.warning("PHONE_HOURS %r has an impossible time; treated as always open", spec)
            return None
    return tuple(periods)


def line_is_open(spec: str, timezone: str, now: datetime | None = None) -> bool:
    periods = parse_hours(spec)
    if periods is None:
        return True
    moment = (now or utcnow()).astimezone(ZoneInfo(timezone))
    if moment.tzinfo is None:  # pragma: no cover - utcnow() is always aware
        moment = moment.replace(tzinfo=UTC)
    return any(p.covers(moment.weekday(), moment.time()) for p in periods)


def spoken_hours(spec: str, language: str) -> str:
    """'Montag bis Freitag, acht Uhr bis achtzehn Uhr' in the caller's language, the times
    in words (spoken_time); empty when the line is always open."""
    periods = parse_hours(spec)
    if periods is None:
        return ""
    locale = babel_locale(language)
    names = get_day_names("wide", locale=locale)
    parts = []
    for period in periods:
        parts.append(
            spoken(
                "hours_period",
                language,
                first_day=names[period.first_day],
                last_day=names[period.last_day],
                same_day=period.first_day == period.last_day,
                start=spoken_time(period.start, language),
                end=spoken_time(period.end, language),
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
    periods = parse_hours(spec)
    if periods is None:
        return (end - start).total_seconds()
    zone = ZoneInfo(timezone)
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    total = 0.0
    day = first
    while day <= last:
        for period in periods:
            if not period.first_day <= day.weekday() <= period.last_day:
                continue
            opens = datetime.combine(day, period.start, zone)
            closes = datetime.combine(day, period.end, zone)
            overlap = (min(closes, end) - max(opens, start)).total_seconds()
            total += max(overlap, 0.0)
        if cap is not None and total > cap:
            return total
        day += timedelta(days=1)
    return total
