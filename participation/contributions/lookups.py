"""Looking up a contribution by its reference number, limited so nobody can enumerate them.

A reference number is 8 digits with a check digit: 10 million possible numbers, of
which a busy council holds some 100,000. Unlimited, a script found one in a hundred at
200 look-ups a second, and with it the text's status and consultation. So every door
counts look-ups that find nothing, per keyed hash of the client address (web) or of the
phone number (SMS): after MAX_MISSES misses within WINDOW, that address or phone gets
no answer at all, found or not, until LOCK has passed.

Only misses count: a resident checking their own number again and again never meets the
limit, and a typo is caught by the check digit before any look-up. The counting reuses
the login throttle's table (no address stored, only a keyed hash with its own purpose,
deleted when its window or lock ends).

A number names a contribution or a questionnaire response (never both in one council:
contributions.reference_draw), so every door looks up both.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from participation.accounts import throttle
from participation.contributions.models import Contribution
from participation.contributions.reference import parse_reference
from participation.contributions.service import find_by_reference
from participation.crypto import keyed_hash
from participation.questionnaires.status import ResponseStatus, find_response, response_status

MAX_MISSES = 10
WINDOW = timedelta(hours=1)
LOCK = timedelta(hours=1)


class LookupsLimited(Exception):
    """Too many look-ups from here found nothing: no answer until the lock ends."""

    retry_after = int(LOCK.total_seconds())


def address_lookup_key(secret_key: str, client_address: str | None) -> str:
    return throttle.address_key(secret_key, client_address, purpose="lookup-address")


def phone_lookup_key(secret_key: str, phone_key: str) -> str:
    # The phone's own key is already a keyed hash; hashed again so the throttle table
    # holds nothing that matches a contribution's author_key.
    return keyed_hash(secret_key, phone_key, purpose="lookup-phone")


def is_limited(session: Session, key: str, now: datetime | None = None) -> bool:
    return throttle.is_locked(session, key, now)


def record_miss(session: Session, key: str, now: datetime | None = None) -> bool:
    """Counts one look-up that found nothing; True when the key is now locked."""
    return throttle.record_failure(session, key, now, limit=MAX_MISSES, window=WINDOW, lock=LOCK)


def find_any(session: Session, text: str) -> Contribution | ResponseStatus | None:
    """The contribution or the questionnaire response with this reference in the
    session's council; None for an unknown number and for another council's alike."""
    contribution = find_by_reference(session, text)
    if contribution is not None:
        return contribution
    reference = parse_reference(text)
    response = find_response(session, reference) if reference else None
    return response_status(session, response) if response is not None else None


def look_up(
    session: Session, key: str, reference: str, now: datetime | None = None
) -> Contribution | ResponseStatus | None:
    """What has this reference (find_any), None when nothing has (counted as a miss).

    Raises LookupsLimited while the key is locked. For doors whose look-up is already
    in a writing transaction (SMS); the web page reads first and writes only on a miss.
    """
    if is_limited(session, key, now):
        raise LookupsLimited()
    found = find_any(session, reference)
    if found is None:
        record_miss(session, key, now)
    return found
