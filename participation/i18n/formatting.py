"""Dates and numbers in the reader's language, via Babel's CLDR data."""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar, Token
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

from participation.i18n.catalogs import babel_locale, current_language
from participation.settings import Settings

#: The installation's time zone; create_app sets it from the TIMEZONE setting.
_TZ = ZoneInfo(Settings.timezone)
#: The request's council's, where it has its own (web/councils.py sets it per request;
#: the thread pool's workers see it too, as anyio copies the context).
_request_zone: ContextVar[ZoneInfo | None] = ContextVar("request_zone", default=None)


def use_timezone(name: str) -> None:
    global _TZ
    _TZ = ZoneInfo(name)


def use_request_timezone(name: str) -> Token[ZoneInfo | None]:
    """This request's council's zone until reset_request_timezone(token)."""
    return _request_zone.set(ZoneInfo(name) if name else None)


def reset_request_timezone(token: Token[ZoneInfo | None]) -> None:
    _request_zone.reset(token)


def local_zone() -> ZoneInfo:
    """The council's time zone, for what staff type in and see as local dates."""
    return _request_zone.get() or _TZ


# Babel takes 20-50 µs a value and a page lists the same dates and counts on every
# request, so results are kept per (value, format, language): plain functions of those.


@lru_cache(maxsize=4096)
def _format_datetime(aware: datetime, fmt: str, language: str, zone: ZoneInfo) -> str:
    # The zone is part of the key: aware datetimes of one instant compare equal in any zone.
    return format_datetime(aware, fmt, locale=babel_locale(language), tzinfo=zone)


@lru_cache(maxsize=4096)
def _format_date(day: date, fmt: str, language: str) -> str:
    return format_date(day, fmt, locale=babel_locale(language))


@lru_cache(maxsize=4096)
def _format_number(value: float | int, language: str) -> str:
    return format_decimal(value, locale=babel_locale(language))


@lru_cache(maxsize=4096)
def _format_percent(fraction: float, language: str) -> str:
    return format_percent(fraction, locale=babel_locale(language), decimal_quantization=False)


def local_datetime(moment: datetime | None, fmt: str = "medium") -> str:
    if moment is None:
        return ""
    zone = local_zone()
    aware = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone)
    return _format_datetime(aware, fmt, current_language.get(), zone)


def local_date(moment: datetime | None, fmt: str = "long") -> str:
    if moment is None:
        return ""
    aware = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(local_zone())
    return _format_date(aware.date(), fmt, current_language.get())


def local_number(value: float | int) -> str:
    return _format_number(value, current_language.get())


def local_percent(fraction: float) -> str:
    """A fraction as a percentage the way the reader's language writes it: 75 %, %75, 75%."""
    return _format_percent(fraction, current_language.get())


ListStyle = Literal["standard", "or"]


def local_list(items: Sequence[str], style: ListStyle = "standard", language: str = "") -> str:
    """Items joined as the language writes a list: "A, B und C", "A أو B أو C" ("or" for
    choices). Without a language, the current one."""
    locale = babel_locale(language or current_language.get())
    return format_list(list(items), style=style, locale=locale)


def local_list_start(items: Sequence[str], language: str = "") -> str:
    """The first items of a longer list, without the "and" that would close it: the
    language's own separator between each ("4711, 4712", "4711 و4712")."""
    locale = babel_locale(language or current_language.get())
    middle = locale.list_patterns["standard"]["middle"]
    text = ""
    for index, item in enumerate(items):
        text = item if index == 0 else middle.format(text, item)
    return text
