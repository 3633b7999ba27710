"""Dates and numbers in the reader's language, via Babel's CLDR data."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from participation.i18n.catalogs import babel_locale, current_language

_TZ = ZoneInfo("Europe/Berlin")


def local_datetime(moment: datetime | None, fmt: str = "medium") -> str:
    if moment is None:
        return ""
    aware = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(_TZ)
    return format_datetime(aware, fmt, locale=babel_locale(current_language.get()), tzinfo=_TZ)


def local_date(moment: datetime | None, fmt: str = "long") -> str:
    if moment is None:
        return ""
    aware = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(_TZ)
    return format_date(aware.date(), fmt, locale=babel_locale(current_language.get()))


def local_number(value: float | int) -> str:
    return format_decimal(value, locale=babel_locale(current_language.get()))
