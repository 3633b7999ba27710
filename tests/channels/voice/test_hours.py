"""The line's opening hours: parsed from settings, checked in the council's time zone."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from participation.channels.voice.hours import line_is_open, parse_hours, spoken_hours

WEEKDAYS = "mon-fri 08:00-18:00"


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (datetime(2026, 3, 4, 7, 0, tzinfo=UTC), True),  # Wed 08:00 CET
        (datetime(2026, 3, 4, 6, 59, tzinfo=UTC), False),  # Wed 07:59
        (datetime(2026, 3, 4, 16, 59, tzinfo=UTC), True),  # Wed 17:59
        (datetime(2026, 3, 4, 17, 0, tzinfo=UTC), False),  # Wed 18:00
        (datetime(2026, 3, 7, 9, 0, tzinfo=UTC), False),  # Saturday
        (datetime(2026, 7, 1, 6, 30, tzinfo=UTC), True),  # Wed 08:30 CEST (summer time)
        (datetime(2026, 7, 1, 16, 30, tzinfo=UTC), False),  # Wed 18:30 CEST
    ],
)
def test_weekday_hours_in_german_time(moment, is_open):
    assert line_is_open(WEEKDAYS, "Europe/Berlin", moment) is is_open


def test_several_periods_and_always():
    spec = "mon-thu 08:00-16:00; fri 08:00-12:00, sat 10:00-12:00"
    friday_afternoon = datetime(2026, 3, 6, 13, 0, tzinfo=UTC)
    saturday_morning = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
    assert not line_is_open(spec, "Europe/Berlin", friday_afternoon)
    assert line_is_open(spec, "Europe/Berlin", saturday_morning)
    for always in ("", "always", "24/7"):
        assert line_is_open(always, "Europe/Berlin", saturday_morning)
        assert spoken_hours(always, "de") == ""


@pytest.mark.parametrize("typo", ["mon-fry 08:00-18:00", "weekdays", "mon 25:00-26:00"])
def test_a_setting_we_cannot_read_keeps_the_line_open(typo):
    assert parse_hours(typo) is None


def test_hours_are_read_out_in_the_callers_language():
    assert "Montag" in spoken_hours(WEEKDAYS, "de") and "Freitag" in spoken_hours(WEEKDAYS, "de")
    assert "Monday" in spoken_hours(WEEKDAYS, "en")
    assert "الاثنين" in spoken_hours(WEEKDAYS, "ar")
    assert "poniedziałek" in spoken_hours(WEEKDAYS, "pl")
    assert "Samstag" in spoken_hours("sat 09:00-12:00", "de")


def test_several_periods_are_read_as_a_list_in_the_callers_language() -> None:
    spec = "mon-fri 08:00-18:00; sat 09:00-12:00"
    assert " und Samstag" in spoken_hours(spec, "de")
    arabic = spoken_hours(spec, "ar")
    assert ";" not in arabic and " و" in arabic


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "Montag bis Freitag, acht Uhr bis achtzehn Uhr"),
        ("ls", "acht Uhr bis achtzehn Uhr"),
        ("en", "eight a.m. to six p.m."),
        ("tr", "saat sekiz ile saat on sekiz"),
        ("ar", "من الساعة الثامنة صباحًا إلى الساعة السادسة مساءً"),
        ("ru", "с восьми до восемнадцати"),
        ("uk", "з восьмої до вісімнадцятої"),
        ("pl", "od ósmej do osiemnastej"),
    ],
)
def test_hours_are_said_in_words_never_as_clock_digits(language, expected):
    said = spoken_hours(WEEKDAYS, language)
    assert expected in said
    assert ":" not in said and "08" not in said and "18" not in said
    words = said.split()
    assert all(a != b for a, b in itertools.pairwise(words)), said  # "Uhr Uhr"
