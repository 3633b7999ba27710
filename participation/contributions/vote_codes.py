"""Confirming a web voter by a 6-digit code sent by SMS to their number.

Once confirmed, the web visitor votes as the keyed hash of that number: the same voter
as an SMS or a call from it, so their latest answer counts, whichever door. Neither the
code nor the number is stored, only keyed hashes (the number itself travels in the
outbox, encrypted, until the SMS is sent). A code lives 10 minutes and allows 3 tries;
codes are limited per number and per client address, so nobody can flood a number with
texts or walk through numbers to guess codes.
"""

from __future__ import annotations

import hmac
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from participation.clock import utcnow
from participation.consultations.models import Consultation
from participation.contributions.errors import ContributionRefused
from participation.contributions.models import Channel, UnverifiedVote, VoteCode
from participation.contributions.votes import (
    UnverifiedVotesOff,
    Voter,
    VoteRecorded,
    check_open,
    checked_option,
    submit_unverified_vote,
    submit_vote,
)
from participation.crypto import keyed_hash
from participation.outbox.service import enqueue_sms
from participation.phones import is_fictional_number, masked, normalise_number, phone_key

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 3
RATE_WINDOW = timedelta(hours=1)
#: Codes a number may be sent in RATE_WINDOW: a lost SMS and a second try, not a flood.
CODES_PER_NUMBER = 3
#: Codes one client address may ask for in RATE_WINDOW: a family or a town hall's public
#: computers share one address, a script walking through numbers is stopped.
CODES_PER_CLIENT = 20
#: Unconfirmed answers one client address may give in RATE_WINDOW, where allowed.
UNVERIFIED_PER_CLIENT = 10
#: Used and expired codes are deleted after this; they hold the number's hash.
KEEP_CODES = timedelta(days=1)


def forget_old_codes(session: Session, now: datetime | None = None) -> int:
    """Deletes used and expired codes older than KEEP_CODES (a new code request does it
    too, and the worker's housekeeping where nobody asks for one)."""
    moment = now or utcnow()
    result = session.exec(delete(VoteCode).where(col(VoteCode.created_at) < moment - KEEP_CODES))
    return result.rowcount or 0


class CodeRefused(ContributionRefused):
    """``code``: "invalid_number", "number_limit", "client_limit", "unknown", "used",
    "expired", "attempts", "wrong" (then ``attempts_left``)."""

    def __init__(self, code: str, attempts_left: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.attempts_left = attempts_left


@dataclass(frozen=True)
class CodeSent:
    #: Goes into the browser's form; names the code row without being stored itself.
    token: str
    #: What the page shows of the number: its last digits.
    number_masked: str
    expires_at: datetime


def mobile_number(raw: str, region: str, *, fictional_too: bool = False) -> str | None:
    """A typed number in E.164 when it is a real number an SMS can reach, else None.

    ``fictional_too``: also the fictional (landline) numbers the simulator plays, where
    the simulator and not a carrier receives the SMS."""
    if fictional_too and is_fictional_number(e164 := normalise_number(raw, region)):
        return e164
    try:
        parsed = phonenumbers.parse((raw or "").strip()[:40], region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    if phonenumbers.number_type(parsed) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _token_key(secret_key: str, token: str) -> str:
    return keyed_hash(secret_key, token, purpose="vote-token")


def _code_key(secret_key: str, token_key: str, code: str) -> str:
    # Bound to its row: the same code for another request hashes differently.
    return keyed_hash(secret_key, f"{token_key}:{code}", purpose="vote-code")


def typed_code(raw: str) -> str:
    """The digits typed, whatever the script (Arabic-Indic, full-width), spaces ignored."""
    digits = []
    for char in (raw or "")[:40]:
        value = unicodedata.decimal(char, None)
        if value is not None:
            digits.append(str(value))
        elif not char.isspace() and char not in "-.":
            return ""
    return "".join(digits)


def _recent(session: Session, column, value: str, now: datetime) -> int:
    return session.exec(
        select(func.count())
        .select_from(VoteCode)
        .where(column == value, col(VoteCode.created_at) > now - RATE_WINDOW)
    ).one()


def request_code(
    session: Session,
    *,
    secret_key: str,
    region: str,
    consultation: Consultation,
    option_id: int | None,
    raw_number: str,
    client_key: str,
    message: Callable[[str], str],
    fictional_too: bool = False,
    questionnaire: bool = False,
) -> CodeSent:
    """Checks the answer and the number, queues the SMS with a new code (``message``
    makes its text from the code) and returns the token for the code form.
    ``fictional_too``: see mobile_number. ``questionnaire``: the code confirms a
    questionnaire's response (``option_id`` None), never a poll vote."""
    now = utcnow()
    # A questionnaire's response has no option here: its caller checked its answers.
    option = None if questionnaire else checked_option(session, consultation, option_id)
    check_open(consultation, Channel.web, None)
    e164 = mobile_number(raw_number, region, fictional_too=fictional_too)
    if e164 is None:
        raise CodeRefused("invalid_number")
    number_key = phone_key(secret_key, e164)
    forget_old_codes(session, now)
    if _recent(session, VoteCode.client_key, client_key, now) >= CODES_PER_CLIENT:
        raise CodeRefused("client_limit")
    if _recent(session, VoteCode.number_key, number_key, now) >= CODES_PER_NUMBER:
        raise CodeRefused("number_limit")
    token = secrets.token_urlsafe(24)
    token_key = _token_key(secret_key, token)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row = VoteCode(
        consultation_id=consultation.id,
        option_id=option.id if option else None,
        token_key=token_key,
        number_key=number_key,
        client_key=client_key,
        code_key=_code_key(secret_key, token_key, code),
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    session.add(row)
    session.flush()
    enqueue_sms(session, secret_key, e164, message(code), idempotency_key=f"vote-code:{row.id}")
    return CodeSent(token, masked(e164), row.expires_at)


def code_row(session: Session, secret_key: str, consultation: Consultation, token: str):
    """The code row a form's token names, or None."""
    if not token or len(token) > 100:
        return None
    return session.exec(
        select(VoteCode).where(
            VoteCode.token_key == _token_key(secret_key, token),
            VoteCode.consultation_id == consultation.id,
        )
    ).first()


def confirm_code(
    session: Session, *, secret_key: str, consultation: Consultation, token: str, raw_code: str
) -> VoteRecorded:
    """The vote, once the code is right; a wrong try is counted (the caller must commit
    on CodeRefused, or the count is lost)."""
    row = confirmed_code(
        session, secret_key=secret_key, consultation=consultation, token=token, raw_code=raw_code
    )
    if row.option_id is None:
        raise CodeRefused("unknown")
    recorded = submit_vote(
        session,
        consultation=consultation,
        option_id=row.option_id,
        channel=Channel.web,
        voter=Voter(row.number_key),
    )
    # Used only once the vote is in: a refused vote (the consultation just closed)
    # does not spend the code.
    spend_code(session, row)
    return recorded


def confirmed_code(
    session: Session, *, secret_key: str, consultation: Consultation, token: str, raw_code: str
) -> VoteCode:
    """The code's row once the code is right, for the caller to record the answer as
    ``Voter(row.number_key)`` and then spend_code(); a wrong try is counted (the caller
    must commit on CodeRefused, or the count is lost)."""
    now = utcnow()
    row = code_row(session, secret_key, consultation, token)
    if row is None:
        raise CodeRefused("unknown")
    if row.used_at is not None:
        raise CodeRefused("used")
    if now >= row.expires_at:
        raise CodeRefused("expired")
    if row.attempts >= MAX_ATTEMPTS:
        raise CodeRefused("attempts")
    code = typed_code(raw_code)
    expected = row.code_key
    if len(code) != CODE_DIGITS or not hmac.compare_digest(
        _code_key(secret_key, row.token_key, code), expected
    ):
        row.attempts += 1
        session.add(row)
        session.flush()
        left = MAX_ATTEMPTS - row.attempts
        raise CodeRefused("wrong" if left > 0 else "attempts", attempts_left=left)
    return row


def spend_code(session: Session, row: VoteCode) -> None:
    row.used_at = utcnow()
    session.add(row)


def answer_unconfirmed(
    session: Session, *, consultation: Consultation, option_id: int | None, client_key: str
) -> UnverifiedVote:
    """An online answer without a code, where the consultation allows it; rate-limited
    per client address like the codes."""
    if not consultation.allow_unverified_votes:
        raise UnverifiedVotesOff()
    recent = session.exec(
        select(func.count())
        .select_from(UnverifiedVote)
        .where(
            UnverifiedVote.client_key == client_key,
            col(UnverifiedVote.created_at) > utcnow() - RATE_WINDOW,
        )
    ).one()
    if recent >= UNVERIFIED_PER_CLIENT:
        raise CodeRefused("client_limit")
    return submit_unverified_vote(
        session, consultation=consultation, option_id=option_id, client_key=client_key
    )
