"""Times and numbers written for the ear, in each of the line's languages."""

from __future__ import annotations

from datetime import time

import pytest

from participation.i18n.spoken import spoken_digits, spoken_number, spoken_time

#: (08:00, 18:30, end of day) as each language says them on the phone.
TIMES = {
    "de": ("acht Uhr", "achtzehn Uhr dreißig", "vierundzwanzig Uhr"),
    "ls": ("acht Uhr", "achtzehn Uhr dreißig", "vierundzwanzig Uhr"),
    "en": ("eight a.m.", "six 30 p.m.", "midnight"),
    "tr": ("saat sekiz", "saat on sekiz 30", "saat yirmi dört"),
    "ar": ("الساعة الثامنة صباحًا", "الساعة السادسة والنصف مساءً", "منتصف الليل"),
    "ru": ("восьми", "восемнадцати 30", "двадцати четырёх"),
    "uk": ("восьмої", "вісімнадцятої 30", "двадцять четвертої"),
    "pl": ("ósmej", "osiemnastej 30", "północy"),
}


@pytest.mark.parametrize("language", TIMES)
def test_clock_times_are_words(language):
    eight, half_past_six, end = TIMES[language]
    assert spoken_time(time(8, 0), language) == eight
    assert spoken_time(time(18, 30), language) == half_past_six
    # "24:00" in the hours setting is kept as 23:59:59.
    assert spoken_time(time(23, 59, 59), language) == end


@pytest.mark.parametrize(
    ("moment", "german"),
    [
        (time(0, 0), "null Uhr"),
        (time(1, 0), "ein Uhr"),
        (time(9, 15), "neun Uhr fünfzehn"),
        (time(12, 1), "zwölf Uhr eins"),
        (time(16, 45), "sechzehn Uhr fünfundvierzig"),
        (time(7, 11), "sieben Uhr elf"),
    ],
)
def test_german_minutes_are_words_too(moment, german):
    assert spoken_time(moment, "de") == german


def test_other_spellings_of_the_languages():
    assert spoken_time(time(8), "de@easy") == "acht Uhr"
    assert spoken_time(time(8), "de_LS") == "acht Uhr"
    assert spoken_time(time(8), "en-GB") == "eight a.m."
    assert spoken_time(time(12), "en") == "noon"
    assert spoken_time(time(9, 5), "en") == "nine oh 5 a.m."
    assert spoken_time(time(13, 15), "ar") == "الساعة الواحدة والربع ظهرًا"
    assert spoken_time(time(22), "ar") == "الساعة العاشرة ليلًا"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("47112093", "4 7 1 1, 2 0 9 3"),
        ("4711-2093", "4 7 1 1, 2 0 9 3"),
        ("4711", "4 7 1 1"),
        ("12345", "1 2 3, 4 5"),
        ("123456", "1 2 3, 4 5 6"),
        ("1234567", "1 2 3 4, 5 6 7"),
        ("123456789", "1 2 3, 4 5 6, 7 8 9"),
        ("", ""),
    ],
)
def test_digits_in_groups_of_three_or_four(value, expected):
    assert spoken_digits(value) == expected


def test_no_group_is_longer_than_four_or_a_lonely_digit():
    for count in range(5, 16):
        groups = spoken_digits("7" * count).split(", ")
        sizes = [len(g.split()) for g in groups]
        assert sum(sizes) == count
        assert max(sizes) <= 4 and min(sizes) >= 2, (count, sizes)


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("+4951211150", "0 5 1 2 1, 1 1 5 0"),
        ("+4951219876543", "0 5 1 2 1, 9 8 7 6, 5 4 3"),
        ("+4915112345678", "0 1 5 1 1, 2 3 4 5, 6 7 8"),
        ("+493012345678", "0 3 0, 1 2 3 4, 5 6 7 8"),
    ],
)
def test_phone_numbers_as_dialled_at_home(number, expected):
    assert spoken_number(number) == expected
