"""Opening hours as days and times, so each language can say them in its own words.

Stored as JSON, a list of spans: ``[{"days": [0, 1, 2, 3, 4], "opens": "08:00",
"closes": "18:00"}]`` (0 is Monday; "24:00" closes at midnight). People type them as that
JSON, as the short form ``mon-fri 08:00-18:00; sat 09:00-12:00`` or as a German council
writes them (``Mo–Fr 8–12 und 14–18 Uhr, Sa 9–12 Uhr``); all three are read here. A
value none of them fits stays free text, shown as written (in German) and never guessed
at: the line is then open at all hours, as a typo must not close it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, time
from functools import lru_cache

from babel.dates import format_interval, get_day_names
from babel.lists import format_list

from participation.i18n.catalogs import babel_locale, current_language
from participation.i18n.catalogs import gettext as _

MIDNIGHT = 24 * 60
ALWAYS_WORDS = frozenset({"always", "24/7", "24x7", "immer", "rund um die uhr"})

#: Day words in the short form, German and English, each with its weekday (0 = Monday).
_DAY_WORDS = {
    **dict.fromkeys(("mo", "mon", "montag", "monday", "montags"), 0),
    **dict.fromkeys(("di", "tue", "tues", "dienstag", "tuesday", "dienstags"), 1),
    **dict.fromkeys(("mi", "wed", "mittwoch", "wednesday", "mittwochs"), 2),
    **dict.fromkeys(("do", "thu", "thur", "thurs", "donnerstag", "thursday", "donnerstags"), 3),
    **dict.fromkeys(("fr", "fri", "freitag", "friday", "freitags"), 4),
    **dict.fromkeys(("sa", "sat", "samstag", "saturday", "samstags", "sonnabend"), 5),
    **dict.fromkeys(("so", "sun", "sonntag", "sunday", "sonntags"), 6),
}
#: Words that stand for several days at once.
_DAY_SETS = {
    **dict.fromkeys(("täglich", "daily", "everyday"), tuple(range(7))),
    **dict.fromkeys(("werktags", "weekdays"), tuple(range(5))),
}
#: Words that join two days or two times ("Di und Do", "8-12 und 14-18"), and filler.
_AND = frozenset({"und", "and", "sowie"})
_RANGE = frozenset({"bis", "to"})
_FILLER = frozenset({"uhr", "h", "von", "from"})
_TOKEN = re.compile(
    r"(?P<time>\d{1,2}(?:[:.]\d{2})?)|(?P<word>[a-zäöüß]+)|(?P<dash>[-–—])|(?P<sep>[,;/&+\n])"
    r"|(?P<skip>[\s.]+)"
)


class HoursInvalid(ValueError):
    """Not opening hours: the message, in the reader's language, says how to write them."""


@dataclass(frozen=True)
class Span:
    """Open on each of ``days`` from ``opens`` to ``closes`` (minutes after midnight)."""

    days: tuple[int, ...]
    opens: int
    closes: int

    @property
    def opens_at(self) -> time:
        return time(self.opens // 60, self.opens % 60)

    @property
    def closes_at(self) -> time:
        """The closing time; midnight (24:00) is time(0, 0), the start of the next day."""
        return time((self.closes // 60) % 24, self.closes % 60)

    def covers(self, weekday: int, minute: int) -> bool:
        return weekday in self.days and self.opens <= minute < self.closes

    def as_dict(self) -> dict:
        return {"days": list(self.days), "opens": _hhmm(self.opens), "closes": _hhmm(self.closes)}


#: Every day, all day.
ALWAYS = (Span(tuple(range(7)), 0, MIDNIGHT),)


@dataclass(frozen=True)
class OpeningHours:
    spans: tuple[Span, ...] = ()
    #: What could not be read as days and times: shown as it was written.
    text: str = ""

    @property
    def is_set(self) -> bool:
        return bool(self.spans or self.text)

    @property
    def structured(self) -> bool:
        return bool(self.spans)

    @property
    def always(self) -> bool:
        """Every day, all day ("always", "24/7")."""
        return self.spans == ALWAYS

    def is_open(self, local: datetime) -> bool:
        """Open at this local moment; hours not set or not readable count as open."""
        if not self.spans:
            return True
        minute = local.hour * 60 + local.minute
        return any(span.covers(local.weekday(), minute) for span in self.spans)

    def to_json(self) -> str:
        """The stored form; free text stays as it is."""
        if not self.spans:
            return self.text
        return json.dumps([s.as_dict() for s in self.spans], separators=(",", ":"))


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(text: str) -> int:
    hours, _sep, minutes = text.replace(".", ":").partition(":")
    value = int(hours) * 60 + int(minutes or 0)
    if int(minutes or 0) > 59 or value > MIDNIGHT:
        raise ValueError(text)
    return value


def _span(days: list[int], opens: int, closes: int) -> Span:
    if not days or opens >= closes:
        raise ValueError("empty")
    return Span(tuple(sorted(set(days))), opens, closes)


def _from_json(value: str) -> tuple[Span, ...]:
    spans = []
    for item in json.loads(value):
        days = item["days"]
        if not isinstance(days, list) or not all(type(d) is int and 0 <= d <= 6 for d in days):
            raise ValueError("days")
        opens, closes = _minutes(str(item["opens"])), _minutes(str(item["closes"]))
        spans.append(_span(days, opens, closes))
    if not spans:
        raise ValueError("none")
    return tuple(spans)


def _tokens(value: str) -> list[tuple[str, str]]:
    found, position = [], 0
    while position < len(value):
        match = _TOKEN.match(value, position)
        if match is None:
            raise ValueError(value[position:])
        position = match.end()
        kind = match.lastgroup or "skip"
        text = match[kind]
        if kind == "word":
            if text in _DAY_WORDS:
                found.append(("day", text))
            elif text in _DAY_SETS:
                found.append(("days", text))
            elif text in _RANGE:
                found.append(("dash", text))
            elif text in _AND:
                found.append(("sep", text))
            elif text not in _FILLER:
                raise ValueError(text)
        elif kind != "skip":
            found.append((kind, text))
    return found


def _from_words(value: str) -> tuple[Span, ...]:
    """The short and the German form: days (ranges, lists), then one or more time ranges."""
    spans: list[Span] = []
    days: list[int] = []
    times: list[int] = []
    after_dash = False
    for kind, text in _tokens(value):
        if kind in ("day", "days") and times:  # a new group starts: close the last one
            if len(times) % 2:
                raise ValueError("open range")
            spans += [_span(days, times[i], times[i + 1]) for i in range(0, len(times), 2)]
            days, times = [], []
        if kind == "days":
            days += _DAY_SETS[text]
        elif kind == "day":
            day = _DAY_WORDS[text]
            if after_dash and days:
                first = days[-1]
                days += [d % 7 for d in range(first + 1, first + 1 + (day - first) % 7)]
            else:
                days.append(day)
        elif kind == "time":
            if not days or (len(times) % 2 and not after_dash):
                raise ValueError("time without days")
            times.append(_minutes(text))
        after_dash = kind == "dash"
    if not days or not times or len(times) % 2:
        raise ValueError("incomplete")
    spans += [_span(days, times[i], times[i + 1]) for i in range(0, len(times), 2)]
    return tuple(spans)


@lru_cache(maxsize=256)
def read_hours(value: str | None) -> OpeningHours:
    """Whatever is stored or set: spans where it can be read, else the text as written."""
    try:
        return parse_hours(value or "")
    except HoursInvalid:
        return OpeningHours(text=(value or "").strip())


def parse_hours(value: str) -> OpeningHours:
    """Days and times from any of the three forms; raises HoursInvalid for anything else.
    An empty value is "not set"; "always" (24/7) is every day, all day."""
    cleaned = value.strip()
    if not cleaned:
        return OpeningHours()
    if cleaned.lower() in ALWAYS_WORDS:
        return OpeningHours(ALWAYS)
    try:
        if cleaned.startswith("["):
            return OpeningHours(_from_json(cleaned))
        return OpeningHours(_from_words(cleaned.lower()))
    except (ValueError, KeyError, TypeError) as problem:
        raise HoursInvalid(hours_help()) from problem


def hours_help() -> str:
    return _(
        'Please enter opening hours as days and times, for example "mon-fri 08:00-18:00; '
        'sat 09:00-12:00" or "Mo–Fr 8–12 und 14–18 Uhr". Days: mon, tue, wed, thu, fri, '
        "sat, sun (or Mo, Di, Mi, Do, Fr, Sa, So); times from 00:00 to 24:00."
    )


def format_hours(hours: OpeningHours, language: str) -> str:
    """The hours as the language writes them ("Mo.–Fr. 08:00–18:00 Uhr", "Mon – Fri
    8:00 AM – 6:00 PM", Arabic day names in Arabic); free text as it was written."""
    if not hours.spans:
        return hours.text
    separator = "؛ " if babel_locale(language).language == "ar" else "; "
    return separator.join(_format_group(days, spans, language) for days, spans in _groups(hours))


def _groups(hours: OpeningHours) -> list[tuple[tuple[int, ...], list[Span]]]:
    """Spans of the same days together, in the order they were given."""
    groups: dict[tuple[int, ...], list[Span]] = {}
    for span in hours.spans:
        groups.setdefault(span.days, []).append(span)
    return list(groups.items())


def _format_group(days: tuple[int, ...], spans: list[Span], language: str) -> str:
    locale = babel_locale(language)
    # Leichte Sprache writes words out: "Montag bis Freitag", "8:00 bis 18:00 Uhr".
    easy = language in ("ls", "de@easy")
    names = get_day_names("wide" if easy else "abbreviated", locale=locale)
    interval = "{0} bis {1}" if easy else locale.interval_formats.get(None, "{0} – {1}")
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    day_parts = []
    for run in runs:
        if len(run) >= 3:
            day_parts.append(interval.replace("{0}", names[run[0]]).replace("{1}", names[run[-1]]))
        else:
            day_parts.extend(names[d] for d in run)
    skeleton = "Hm" if "H" in locale.time_formats["short"].pattern else "hm"
    times = [
        _("all day")
        if (span.opens, span.closes) == (0, MIDNIGHT)
        else f"{_hhmm(span.opens)} bis {_hhmm(span.closes)} Uhr"
        if easy
        else format_interval(span.opens_at, span.closes_at, skeleton, locale=locale)
        for span in spans
    ]
    return f"{format_list(day_parts, locale=locale)} {format_list(times, locale=locale)}"


def local_hours(value: str, language: str | None = None) -> str:
    """A stored or set value as the reader's language writes it (free text as written)."""
    return format_hours(read_hours(value), language or current_language.get())
