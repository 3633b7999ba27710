"""Staff accounts: creation, login with throttling and lock-out."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from participation.accounts.models import Role, StaffUser
from participation.accounts.passwords import hash_password, password_problem, verify_password
from participation.clock import utcnow

MAX_FAILURES = 5
LOCK_MINUTES = 15


class AccountError(Exception):
    pass


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


def authenticate(session: Session, email: str, password: str) -> StaffUser | None:
    """The user on success; None on any failure, the same for unknown and wrong."""
    user = get_by_email(session, email)
    now = utcnow()
    if user is None or not user.is_active:
        verify_password(None, password)
        return None
    if user.locked_until is not None and user.locked_until > now:
        verify_password(None, password)
        return None
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            user.failed_logins = 0
        session.add(user)
        return None
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    return user


def record_failed_second_factor(session: Session, user: StaffUser) -> None:
    """A wrong one-time code counts like a wrong password towards the account lock-out."""
    user.failed_logins += 1
    if user.failed_logins >= MAX_FAILURES:
        user.locked_until = utcnow() + timedelta(minutes=LOCK_MINUTES)
        user.failed_logins = 0
    session.add(user)


def is_locked(user: StaffUser) -> bool:
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
