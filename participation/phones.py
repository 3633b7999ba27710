"""Phone numbers: parsed with `phonenumbers` (libphonenumber), matched by keyed hash only."""

from __future__ import annotations

import phonenumbers

from participation.crypto import keyed_hash


def normalise_number(raw: str, region: str = "DE") -> str | None:
    """E.164 ("+4915112345678") or None when it is not a possible number."""
    try:
        parsed = phonenumbers.parse((raw or "").strip(), region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_personal_number(sender: str, region: str = "DE") -> bool:
    """Whether an SMS sender is one person's phone number.

    Twilio gives every phone number in international form ("+49151..."); a sender name
    ("Vodafone") or a short code ("80888") is not one, and many people share it. A
    number libphonenumber does not know as valid for its country counts as shared too.
    """
    raw = (sender or "").strip()
    if not raw.startswith("+"):
        return False
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed)


#: The Bundesnetzagentur's numbers for films, books and teaching material ("Drama
#: Numbers", Amtsblatt 7/2021, Mitteilung Nr. 148/2021): 1,000 each in Berlin, Frankfurt,
#: Hamburg, Cologne and Munich, never given to anyone. The simulator plays only these.
FICTIONAL_BLOCKS = ("+493023125", "+496990009", "+494066969", "+492214710", "+498999998")


def is_fictional_number(e164: str | None) -> bool:
    """One of the fictional numbers (E.164)."""
    if not e164:
        return False
    return any(
        e164.startswith(block) and len(e164) == len(block) + 3 and e164[len(block) :].isdigit()
        for block in FICTIONAL_BLOCKS
    )


def phone_key(secret_key: str, e164: str) -> str:
    """The only form in which a sender's number is stored (votes, STATUS, LÖSCHEN, limits)."""
    return keyed_hash(secret_key, e164, purpose="phone")


def masked(e164: str) -> str:
    """What staff see of an SMS sender: the last three digits."""
    return "•••" + e164[-3:] if e164 else ""
