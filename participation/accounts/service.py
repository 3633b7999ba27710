"""Staff accounts: creation, login with throttling and lock-out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from participation.accounts import throttle
from participation.accounts.models import Role, StaffUser
from participation.accounts.passwords import hash_password, password_problem, verify_password
from participation.clock import utcnow
from participation.db import session_scope

MAX_FAILURES = 5
LOCK_MINUTES = 15


class AccountError(Exception):
    pass


class Lockable(Protocol):
    """An account that locks after wrong passwords: staff, and the operator's too."""

    failed_logins: int
    locked_until: datetime | None


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def get_by_email(session: Session, email: str) -> StaffUser | None:
    return session.exec(select(StaffUser).where(StaffUser.email == normalise_email(email))).first()


def create_staff(
    session: Session, email: str, password: str, role: Role, name: str = ""
) -> StaffUser:
    email = normalise_email(email)
    if "@" not in email:
        raise AccountError("invalid_email")
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    if get_by_email(session, email) is not None:
        raise AccountError("exists")
    user = StaffUser(email=email, name=name, role=role, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


@dataclass(frozen=True)
class LoginResult:
    staff_id: int
    session_version: int
    second_factor: bool


@dataclass(frozen=True)
class _Candidate:
    user_id: int | None
    password_hash: str | None


def _candidate(session: Session, email: str) -> _Candidate:
    user = get_by_email(session, email)
    if user is None or not user.is_active or is_locked(user):
        return _Candidate(None, None)
    return _Candidate(user.id, user.password_hash)


def log_in(
    engine: Engine, email: str, password: str, address_key: str, council_id: int | None = None
) -> LoginResult | None:
    """The account on success; None on any failure, the same for unknown and wrong.

    Three steps, so that the argon2 check (its cost is the point of it) never runs inside
    a write: on SQLite the writers of all processes take turns, and a check in a writer's
    turn made every comment and SMS wait behind every wrong login. A short read finds the
    account, the check runs with no transaction open, a short write counts the result.
    """
    # An account logs in on its own council's host only (tenancy.py keeps the sessions).
    with session_scope(engine, council_id=council_id) as session:
        blocked = throttle.is_locked(session, address_key)
        candidate = _Candidate(None, None) if blocked else _candidate(session, email)
    # Unknown, locked or throttled: checked against a stand-in hash, for the same time.
    right = verify_password(candidate.password_hash, password)
    if blocked:
        return None
    with session_scope(engine, write=True, council_id=council_id) as session:
        result = _count_login(session, candidate, right)
        if result is None:
            throttle.record_failure(session, address_key)
        return result


def _count_login(session: Session, candidate: _Candidate, right: bool) -> LoginResult | None:
    if candidate.user_id is None:
        return None
    user = session.get(StaffUser, candidate.user_id, with_for_update=True)
    # Deactivated, locked or given a new password while the check ran: that check no
    # longer says anything about the account as it is now.
    if (
        user is None
        or not user.is_active
        or is_locked(user)
        or user.password_hash != candidate.password_hash
    ):
        return None
    if not right:
        count_failure(session, user)
        return None
    if not user.totp_secret:
        # With a second factor the count stays until the code is right too: otherwise
        # rounds of (right password, four wrong codes) could guess codes for ever.
        clear_failures(session, user)
    return LoginResult(user.id, user.session_version, bool(user.totp_secret))


def count_failure(session: Session, user: Lockable) -> None:
    user.failed_logins += 1
    if user.failed_logins >= MAX_FAILURES:
        user.locked_until = utcnow() + timedelta(minutes=LOCK_MINUTES)
        user.failed_logins = 0
    session.add(user)


def clear_failures(session: Session, user: Lockable) -> None:
    if user.failed_logins or user.locked_until is not None:
        user.failed_logins = 0
        user.locked_until = None
        session.add(user)


def record_failed_second_factor(session: Session, user: StaffUser) -> None:
    """A wrong one-time code counts like a wrong password towards the account lock-out."""
    count_failure(session, user)


def is_locked(user: Lockable) -> bool:
    return user.locked_until is not None and user.locked_until > utcnow()


def end_sessions(session: Session, user_id: int, version: int | None = None) -> bool:
    """Log out everywhere: every session cookie issued so far stops working.

    Sessions are signed cookies that carry the account's session_version; raising it
    makes all of them, including copies of the cookie, worthless. With ``version`` it
    only acts for a session that is still current (a stale cookie changes nothing).
    """
    user = session.get(StaffUser, user_id)
    if user is None or (version is not None and user.session_version != version):
        return False
    user.session_version += 1
    session.add(user)
    return True
