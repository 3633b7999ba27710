"""How many SMS a text costs: GSM-7 (160, or 153 per part) or UCS-2 (70, or 67 per part).

On the ground floor, so that every door that sends a text (the SMS replies, the phone
line's reference SMS) fits it into the same budget.

One character outside the GSM 03.38 alphabet switches the whole message to UCS-2, so a
single typographic quote in a German reply more than doubles its cost. Characters of the
extension table (``€ [ ] { } \\ ^ ~ |``) take two septets, and a part never splits one.
"""

from __future__ import annotations

from dataclasses import dataclass

#: GSM 03.38 default alphabet (without ESC).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: Reached through ESC: each costs two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
#: What every automatic reply must fit in (issue: "at most 2 SMS segments").
MAX_REPLY_SEGMENTS = 2


@dataclass(frozen=True)
class SegmentCount:
    encoding: str  # "GSM-7" or "UCS-2"
    #: Septets for GSM-7, UTF-16 code units for UCS-2.
    units: int
    segments: int


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def _gsm7_costs(text: str) -> list[int]:
    return [2 if char in GSM7_EXTENSION else 1 for char in text]


def _ucs2_costs(text: str) -> list[int]:
    # Characters beyond the Basic Multilingual Plane (most emoji) are surrogate pairs.
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def _parts(costs: list[int], single: int, part: int) -> int:
    total = sum(costs)
    if total == 0:
        return 0
    if total <= single:
        return 1
    parts, used = 1, 0
    for cost in costs:
        # An escape pair or a surrogate pair is never split across two parts.
        if used + cost > part:
            parts += 1
            used = 0
        used += cost
    return parts


def count_segments(text: str) -> SegmentCount:
    if is_gsm7(text):
        costs = _gsm7_costs(text)
        return SegmentCount("GSM-7", sum(costs), _parts(costs, GSM7_SINGLE, GSM7_PART))
    costs = _ucs2_costs(text)
    return SegmentCount("UCS-2", sum(costs), _parts(costs, UCS2_SINGLE, UCS2_PART))


def segments(text: str) -> int:
    return count_segments(text).segments


#: Look-alikes that keep a Latin-script text in GSM-7 (half the price of UCS-2).
_GSM_FRIENDLY = str.maketrans(
    {
        "„": '"',
        "“": '"',
        "”": '"',
        "«": '"',
        "»": '"',
        "‚": "'",
        "‘": "'",
        "’": "'",
        "‹": "'",
        "›": "'",
        "–": "-",
        "—": "-",
        "‑": "-",
        "−": "-",
        "…": "...",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "•": "*",
        "·": "-",
    }
)


def gsm_friendly(text: str) -> str:
    """Replaces typographic punctuation by plain ASCII; letters are never touched."""
    return text.translate(_GSM_FRIENDLY)
