"""Login throttling per client address, shared by every process through one small table.

The per-account lock-out lives in accounts.service.log_in. This adds the other half:
one address that tries many accounts (password spraying) is slowed down too.

The address itself is never stored (DSGVO: no IP addresses): only a keyed hash of it,
and only for as long as the throttle window or the lock-out lasts. IPv6 addresses are
reduced to their /64 network first, because one client normally holds the whole /64.
A council's front office may sit behind one NAT address, so the address limit is set
well above the account limit: it stops automated guessing without locking out the
staff room after one person's typos.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Field, Session, SQLModel, select

from participation.clock import utcnow
from participation.crypto import keyed_hash
from participation.db import dialect_insert, dialect_of, table_of

ADDRESS_MAX_FAILURES = 20
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)


class LoginThrottle(SQLModel, table=True):
    __tablename__ = "login_throttle"

    id: int = Field(default=None, primary_key=True)
    #: keyed_hash(SECRET_KEY, client address), never the address.
    key: str = Field(max_length=64, unique=True)
    window_started_at: datetime
    failures: int = Field(default=0)
    locked_until: datetime | None = None
    #: The row is deleted after this moment (purge_expired).
    expires_at: datetime = Field(index=True)


def address_key(secret_key: str, host: str | None, purpose: str = "login-address") -> str:
    """A keyed hash of the client's address (its /64 for IPv6); ``purpose`` keeps the
    keys of different limits apart (login, reference look-ups) in the one table."""
    host = (host or "").strip()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        value = host or "unknown"
    else:
        mapped = getattr(address, "ipv4_mapped", None)
        if mapped is not None:
            value = str(mapped)
        elif address.version == 6:
            value = str(ipaddress.ip_network(f"{address}/64", strict=False))
        else:
            value = str(address)
    return keyed_hash(secret_key, value, purpose=purpose)


def _row(session: Session, key: str) -> LoginThrottle | None:
    return session.exec(
        select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()
    ).first()


def is_locked(session: Session, key: str, now: datetime | None = None) -> bool:
    now = now or utcnow()
    row = session.exec(select(LoginThrottle).where(LoginThrottle.key == key)).first()
    return bool(row and row.locked_until and row.locked_until > now)


def record_failure(
    session: Session,
    key: str,
    now: datetime | None = None,
    *,
    limit: int = ADDRESS_MAX_FAILURES,
    window: timedelta = WINDOW,
    lock: timedelta = LOCK,
) -> bool:
    """Counts one failed attempt for this key; True when it is now locked.

    The defaults are the login's; reference look-ups count their misses with their own.
    """
    now = now or utcnow()
    purge_expired(session, now)
    table = table_of(LoginThrottle)
    insert = dialect_insert(dialect_of(session))
    # Two processes may count the first failure of one address at once: the unique key
    # and ON CONFLICT make that one row, and FOR UPDATE serialises the counting.
    session.execute(
        insert(table)
        .values(key=key, window_started_at=now, failures=0, expires_at=now + window)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    row = _row(session, key)
    assert row is not None
    if row.window_started_at + window <= now and not (row.locked_until and row.locked_until > now):
        row.window_started_at = now
        row.failures = 0
    row.failures += 1
    if row.failures >= limit:
        row.locked_until = now + lock
    row.expires_at = max(row.window_started_at + window, row.locked_until or now)
    session.add(row)
    session.flush()
    return bool(row.locked_until and row.locked_until > now)


def purge_expired(session: Session, now: datetime | None = None) -> int:
    now = now or utcnow()
    table = table_of(LoginThrottle)
    result = session.exec(delete(table).where(table.c.expires_at <= now))
    return result.rowcount or 0
