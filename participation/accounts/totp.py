"""Optional second factor for staff: time-based one-time passwords (RFC 6238) with pyotp.

Any authenticator app works (FreeOTP, Aegis, Google Authenticator, ...). The secret is
stored encrypted with a key derived from SECRET_KEY; each code is accepted once only
(a unique row per account and 30-second step), so a code read over a shoulder cannot be
used again, in this process or another one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pyotp
import segno
from sqlalchemy import UniqueConstraint, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel

from participation.accounts.models import StaffUser
from participation.clock import utcnow
from participation.crypto import decrypt, encrypt
from participation.db import table_of

#: One step either side: phones whose clock is half a minute off still work.
VALID_WINDOW = 1
STEP_SECONDS = 30


class TotpUse(SQLModel, table=True):
    """A code that was used: kept for a few minutes only, to refuse its second use."""

    __tablename__ = "totp_use"
    __table_args__ = (UniqueConstraint("staff_id", "counter"),)

    id: int = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff_user.id", ondelete="CASCADE")
    counter: int
    used_at: datetime = Field(default_factory=utcnow, index=True)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_data_uri(uri: str) -> str:
    """An SVG QR code inline (data: URI): no request to anyone, allowed by our CSP."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#000", light="#fff")


def grouped(secret: str) -> str:
    """The secret for typing in by hand, in groups of four."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _clean(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isdigit())


def matching_counter(secret: str, code: str, now: datetime | None = None) -> int | None:
    """The time step the code belongs to, or None when it is not valid now."""
    code = _clean(code)
    if len(code) != 6:
        return None
    now = now or utcnow()
    totp = pyotp.TOTP(secret)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        moment = now + timedelta(seconds=offset * STEP_SECONDS)
        if pyotp.utils.strings_equal(totp.at(moment), code):
            return totp.timecode(moment)
    return None


def secret_of(secret_key: str, user: StaffUser) -> str | None:
    return stored_secret(secret_key, user.totp_secret)


def stored_secret(secret_key: str, encrypted: str | None) -> str | None:
    """An account's secret as stored (encrypted), readable again; None while it is off."""
    return decrypt(secret_key, encrypted) if encrypted else None


def enable(session: Session, secret_key: str, user: StaffUser, secret: str, code: str) -> bool:
    """Switches the second factor on once the person proved their app shows the right code."""
    counter = matching_counter(secret, code)
    if counter is None or not _use(session, user, counter):
        return False
    user.totp_secret = encrypt(secret_key, secret)
    session.add(user)
    return True


def disable(session: Session, user: StaffUser) -> None:
    user.totp_secret = None
    session.add(user)


def verify(session: Session, secret_key: str, user: StaffUser, code: str) -> bool:
    """True once per valid code; False for a wrong, stale or already used one."""
    secret = secret_of(secret_key, user)
    if secret is None:
        return False
    counter = matching_counter(secret, code)
    return counter is not None and _use(session, user, counter)


def _use(session: Session, user: StaffUser, counter: int) -> bool:
    return claim_once(session, TotpUse(staff_id=user.id, counter=counter))


def claim_once(session: Session, use: SQLModel) -> bool:
    """Stores ``use`` (a code's row: TotpUse, or the operator's like it) unless the same
    account used the same step before (its unique constraint); False then. Rows older
    than a few steps are dropped first: they can no longer match."""
    now = utcnow()
    table = table_of(type(use))
    session.execute(
        delete(table).where(table.c.used_at < now - timedelta(seconds=STEP_SECONDS * 4))
    )
    savepoint = session.begin_nested()
    try:
        use.used_at = now  # every code row has it
        session.add(use)
        session.flush()
    except IntegrityError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True
