"""Numbers from outside: digits as people type them, integers the database can hold.

Python's str.isdigit() and int() accept far more than a keypad sends: int("²") fails
although "²".isdigit() is true, and int("9" * 20) succeeds but overflows the database's
INTEGER column. Every number that comes from a client goes through here instead.

Accepted digits are the ones residents really type: ASCII, Arabic-Indic (Arabic
keyboards), Eastern Arabic-Indic (Persian, Urdu and Afghan keyboards) and full-width
(Japanese and Chinese input methods). Superscripts, circled digits, Devanagari and the
rest are refused rather than guessed at.
"""

from __future__ import annotations

import re

#: INTEGER on PostgreSQL; SQLite holds more, so the smaller range is the one that holds.
DB_INT_MAX = 2**31 - 1
DB_INT_MIN = -(2**31)

#: The first code point of each accepted run of ten digits, 0 to 9.
_ZEROS = ("0", "\u0660", "\u06f0", "\uff10")
_TO_ASCII = str.maketrans(
    {chr(ord(zero) + n): str(n) for zero in _ZEROS[1:] for n in range(10)}
    | {"\uff0d": "-", "\u2212": "-"}  # full-width hyphen-minus, the minus sign
)
_ASCII_INTEGER = re.compile(r"-?[0-9]+")
#: More digits than this cannot be in range however many zeros lead; no int() of a
#: million digits (Python refuses those, and the conversion is quadratic below that).
_MAX_LENGTH = 40


def ascii_digits(text: str) -> str:
    """Accepted digits in ASCII ('٤٧١١' -> '4711'); every other character as it was."""
    return text.translate(_TO_ASCII)


def digits_only(text: str | None) -> str | None:
    """'٤٧١١' -> '4711'; None when empty or when any character is not an accepted digit."""
    value = ascii_digits(text or "")
    if not value or not value.isascii() or not value.isdigit():
        return None
    return value


def bounded_int(text: str | None, *, low: int = DB_INT_MIN, high: int = DB_INT_MAX) -> int | None:
    """The whole number in ``text`` when it lies in [low, high]; otherwise None.

    Surrounding white space is allowed, nothing else: no '+', no '1_000', no '1e3'.
    """
    value = ascii_digits((text or "").strip())
    if len(value) > _MAX_LENGTH or not _ASCII_INTEGER.fullmatch(value):
        return None
    number = int(value)
    return number if low <= number <= high else None


def at_most_regex(high: int) -> str:
    """A regular expression for the ASCII numbers 0..high, leading zeros allowed.

    For path convertors: a route that cannot match a too large number answers 404 like
    any other unknown address, before the endpoint runs.
    """
    limit = str(high)
    parts = [f"[0-9]{{1,{len(limit) - 1}}}"] if len(limit) > 1 else []
    for position, digit in enumerate(limit):
        head = limit[:position]
        rest = len(limit) - position - 1
        tail = f"[0-9]{{{rest}}}" if rest else ""
        if digit != "0":
            below = "0" if digit == "1" else f"[0-{int(digit) - 1}]"
            parts.append(f"{head}{below}{tail}")
    parts.append(limit)
    return "0*(?:" + "|".join(parts) + ")"


def menu_choice(keys: str | None, count: int) -> int | None:
    """The menu item 1..count chosen on a keypad ('2' -> 2); None for anything else."""
    digits = digits_only(keys)
    return bounded_int(digits, low=1, high=count) if digits else None
