"""Reference numbers that work in every channel: 8 digits, the last a Damm check digit.

Damm's check digit catches every single wrong digit and every swap of two neighbouring
digits, the two mistakes people make reading a number aloud or typing it on a keypad.
"""

from __future__ import annotations

import re
import secrets

from participation.numbers import ascii_digits

_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
LENGTH = 8


def check_digit(digits: str) -> str:
    interim = 0
    for char in digits:
        interim = _DAMM[interim][int(char)]
    return str(interim)


def is_valid(reference: str) -> bool:
    # isascii(): str.isdigit() also accepts '²', which int() then refuses.
    return (
        len(reference) == LENGTH
        and reference.isascii()
        and reference.isdigit()
        and check_digit(reference) == "0"
    )


def new_reference() -> str:
    # The first digit is never 0, so the number survives spreadsheets and keypads intact.
    body = str(secrets.randbelow(9) + 1) + "".join(
        str(secrets.randbelow(10)) for _ in range(LENGTH - 2)
    )
    return body + check_digit(body)


def format_reference(reference: str) -> str:
    return f"{reference[:4]}-{reference[4:]}"


_SEPARATORS = re.compile(r"[\s\-./]")


def parse_reference(text: str) -> str | None:
    """'4711-2093', '4711 2093', '47112093' -> '47112093'; None when it cannot be one.

    The one parser for every door: Arabic-Indic ('٤٧١١-٢٠٩٣'), Persian and full-width
    digits are read as the same number; other "digits" such as '²' are not one.
    """
    digits = _SEPARATORS.sub("", ascii_digits((text or "")[:100]))
    if is_valid(digits):
        return digits
    return None
