"""Times and numbers written for the ear: what a text-to-speech voice reads as a person would.

A voice reads "08:00" as "null acht null null" or "eight hundred", and a reference number
"47112093" as "forty-seven million ...". The phone line therefore never hands a voice a
clock time or a long number: hours are written out as words in the caller's language
("acht Uhr"), and digits are spaced one by one in groups of three or four, each group
followed by a comma so the voice pauses ("4 7 1 1, 2 0 9 3").

Only plain values in and text out (``datetime.time``, ``str``), so any door can use it:
the phone line's hours, the front desk's hours read on the phone, a call-back slot.
"""

from __future__ import annotations

from datetime import time

import phonenumbers

#: The hour words used for a time inside a "from ... to ..." range, which is how the line
#: speaks times. Russian, Ukrainian and Polish take the genitive there ("с восьми до
#: восемнадцати", "з восьмої до вісімнадцятої", "od ósmej do osiemnastej"), so these
#: lists hold that form; index 24 is the end of the day ("until midnight").
_HOURS: dict[str, tuple[str, ...]] = {
    "de": (
        "null", "ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun",
        "zehn", "elf", "zwölf", "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn",
        "achtzehn", "neunzehn", "zwanzig", "einundzwanzig", "zweiundzwanzig",
        "dreiundzwanzig", "vierundzwanzig",
    ),
    "tr": (
        "sıfır", "bir", "iki", "üç", "dört", "beş", "altı", "yedi", "sekiz", "dokuz", "on",
        "on bir", "on iki", "on üç", "on dört", "on beş", "on altı", "on yedi", "on sekiz",
        "on dokuz", "yirmi", "yirmi bir", "yirmi iki", "yirmi üç", "yirmi dört",
    ),
    "ru": (
        "ноля", "одного", "двух", "трёх", "четырёх", "пяти", "шести", "семи", "восьми",
        "девяти", "десяти", "одиннадцати", "двенадцати", "тринадцати", "четырнадцати",
        "пятнадцати", "шестнадцати", "семнадцати", "восемнадцати", "девятнадцати",
        "двадцати", "двадцати одного", "двадцати двух", "двадцати трёх",
        "двадцати четырёх",
    ),
    "uk": (
        "нульової", "першої", "другої", "третьої", "четвертої", "п’ятої", "шостої",
        "сьомої", "восьмої", "дев’ятої", "десятої", "одинадцятої", "дванадцятої",
        "тринадцятої", "чотирнадцятої", "п’ятнадцятої", "шістнадцятої", "сімнадцятої",
        "вісімнадцятої", "дев’ятнадцятої", "двадцятої", "двадцять першої",
        "двадцять другої", "двадцять третьої", "двадцять четвертої",
    ),
    "pl": (
        "północy", "pierwszej", "drugiej", "trzeciej", "czwartej", "piątej", "szóstej",
        "siódmej", "ósmej", "dziewiątej", "dziesiątej", "jedenastej", "dwunastej",
        "trzynastej", "czternastej", "piętnastej", "szesnastej", "siedemnastej",
        "osiemnastej", "dziewiętnastej", "dwudziestej", "dwudziestej pierwszej",
        "dwudziestej drugiej", "dwudziestej trzeciej", "północy",
    ),
}  # fmt: skip
_EN_HOURS = (
    "twelve", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven",
)  # fmt: skip
#: Arabic says the hour as a feminine ordinal ("الساعة الثامنة") with the part of the day.
_AR_HOURS = (
    "الثانية عشرة", "الواحدة", "الثانية", "الثالثة", "الرابعة", "الخامسة", "السادسة",
    "السابعة", "الثامنة", "التاسعة", "العاشرة", "الحادية عشرة",
)  # fmt: skip
_DE_UNITS = ("", "ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun")
_DE_TENS = ("", "zehn", "zwanzig", "dreißig", "vierzig", "fünfzig")
_DE_TEENS = {11: "elf", 12: "zwölf", 16: "sechzehn", 17: "siebzehn"}

#: How many digits a spoken group holds at most: three or four are what a listener keeps
#: in mind while writing them down.
GROUP = 4


def _language(language: str) -> str:
    """URL code, gettext locale or Babel name -> the code used here ("ls" speaks German)."""
    code = language.replace("_", "@").lower()
    if code in ("ls", "de@easy", "de@ls"):
        return "de"
    return code.split("@")[0].split("-")[0]


def _german_number(value: int) -> str:
    """0-59 as German words ("dreißig", "fünfundvierzig")."""
    if value == 0:
        return "null"
    if value in _DE_TEENS:
        return _DE_TEENS[value]
    tens, units = divmod(value, 10)
    if tens == 0:
        return "eins" if units == 1 else _DE_UNITS[units]
    if tens == 1:
        return _DE_UNITS[units] + "zehn" if units else "zehn"
    if units == 0:
        return _DE_TENS[tens]
    return f"{_DE_UNITS[units]}und{_DE_TENS[tens]}"


def _hour_and_minute(moment: time) -> tuple[int, int]:
    # "24:00" is stored as 23:59:59 (the end of the day); it is said as midnight.
    if moment >= time(23, 59, 59):
        return 24, 0
    return moment.hour, moment.minute


def _english(hour: int, minute: int) -> str:
    if hour in (0, 24) and minute == 0:
        return "midnight"
    if hour == 12 and minute == 0:
        return "noon"
    words = _EN_HOURS[hour % 12]
    if minute:
        words += f" oh {minute}" if minute < 10 else f" {minute}"
    return f"{words} {'a.m.' if hour < 12 else 'p.m.'}"


def _arabic(hour: int, minute: int) -> str:
    if hour in (0, 24) and minute == 0:
        return "منتصف الليل"
    words = "الساعة " + _AR_HOURS[hour % 12]
    if minute == 30:
        words += " والنصف"
    elif minute == 15:
        words += " والربع"
    elif minute:
        words += f" و{minute} دقيقة"
    if hour < 5 or hour >= 21:
        part = "ليلًا"
    elif hour < 12:
        part = "صباحًا"
    elif hour < 15:
        part = "ظهرًا"
    else:
        part = "مساءً"
    return f"{words} {part}"


def spoken_time(moment: time, language: str) -> str:
    """A clock time as the caller's language says it: "acht Uhr", "acht Uhr dreißig",
    "eight a.m.", "saat sekiz", "الساعة الثامنة صباحًا"; in Russian, Ukrainian and
    Polish the form that follows "from" and "until" ("восьми", "восьмої", "ósmej").
    Minutes that are not zero follow as a number the voice reads on its own."""
    hour, minute = _hour_and_minute(moment)
    code = _language(language)
    if code == "en":
        return _english(hour, minute)
    if code == "ar":
        return _arabic(hour, minute)
    if code == "de" or code not in _HOURS:
        words = f"{_HOURS['de'][hour]} Uhr"
        return f"{words} {_german_number(minute)}" if minute else words
    words = _HOURS[code][hour]
    if code == "tr":
        words = f"saat {words}"
    return f"{words} {minute}" if minute else words


def _group_sizes(count: int, group: int = GROUP) -> list[int]:
    """Groups of at most ``group`` digits, as even as possible, the longer ones first:
    8 -> 4 4, 9 -> 3 3 3, 11 -> 4 4 3 (never a lonely last digit)."""
    if count <= 0:
        return []
    groups = -(-count // group)
    size, extra = divmod(count, groups)
    return [size + 1 if i < extra else size for i in range(groups)]


def spoken_digits(value: str, group: int = GROUP) -> str:
    """'47112093' -> '4 7 1 1, 2 0 9 3': every digit on its own, a pause after each group."""
    digits = [c for c in value if c.isdigit()]
    parts, start = [], 0
    for size in _group_sizes(len(digits), group):
        parts.append(" ".join(digits[start : start + size]))
        start += size
    return ", ".join(parts)


def spoken_number(e164_or_raw: str, region: str = "DE") -> str:
    """A phone number as dialled at home, digit by digit: the area code (or mobile prefix)
    as one group, the rest in groups of three or four ('0 5 1 2 1, 1 1 5, 0 0 0')."""
    try:
        parsed = phonenumbers.parse(e164_or_raw, region)
        national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        national = e164_or_raw
    blocks = [b for b in "".join(c if c.isdigit() else " " for c in national).split() if b]
    if not blocks:
        return ""
    # The prefix stays whole: callers know "0 5 1 2 1" or "0 1 5 1" as one unit.
    head, rest = (blocks[0], "".join(blocks[1:])) if len(blocks) > 1 else ("", blocks[0])
    parts = [" ".join(head)] if head else []
    if rest:
        parts.append(spoken_digits(rest))
    return ", ".join(parts)
