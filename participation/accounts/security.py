"""A staff member's own account security: the one-time code at login, switching the
second factor on and off, changing the password, using a reset link, logging out
everywhere. What changes the account is audited.

A wrong code or password returns False (or the problem) instead of raising: the
failure it counts towards the lock-out must be committed.

Plain functions with no Request, yet on the doors' floor with the account pages: the
audit log belongs to moderation, which stands on accounts (a loop from the domain).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from participation.accounts import credentials, service, throttle, totp
from participation.accounts.models import StaffUser
from participation.moderation.service import audit_account
from participation.outcomes import get_or_404


def login_code_ok(
    session: Session, secret_key: str, staff_id: int, version: int, address: str, code: str
) -> bool:
    """The one-time code after a right password; a wrong one counts for the account and
    for the address like a wrong password."""
    user = session.get(StaffUser, staff_id)
    if user is None or not user.is_active or user.session_version != version:
        return False
    if service.is_locked(user) or throttle.is_locked(session, address):
        return False
    if totp.verify(session, secret_key, user, code):
        user.failed_logins = 0
        session.add(user)
        return True
    service.record_failed_second_factor(session, user)
    throttle.record_failure(session, address)
    return False


def enable_second_factor(
    session: Session, secret_key: str, staff_id: int, secret: str | None, code: str
) -> bool:
    """On once a code from the app proves it holds ``secret``; False for a wrong code."""
    user = session.get(StaffUser, staff_id)
    if user is None or not isinstance(secret, str):
        return False
    if not totp.enable(session, secret_key, user, secret, code):
        return False
    audit_account(session, "staff.totp_enabled", staff_id, staff_id=staff_id)
    return True


def disable_second_factor(session: Session, secret_key: str, staff_id: int, code: str) -> bool:
    """Off only with a right code from the app; False otherwise."""
    user = session.get(StaffUser, staff_id)
    if user is None or not totp.verify(session, secret_key, user, code):
        return False
    totp.disable(session, user)
    audit_account(session, "staff.totp_disabled", staff_id, staff_id=staff_id)
    return True


def log_out_everywhere(session: Session, staff_id: int) -> None:
    service.end_sessions(session, staff_id)
    audit_account(session, "staff.logout_everywhere", staff_id, staff_id=staff_id)


@dataclass(frozen=True)
class PasswordChange:
    #: What stopped it (credentials.change_own_password), or None when done.
    problem: str | None
    #: The account's session_version after the change; sessions with an older one ended.
    session_version: int = 0


def change_password(
    session: Session, staff_id: int, seen_hash: str, old_right: bool, new_hash: str | None
) -> PasswordChange:
    """Stores a password checked and hashed outside the transaction (see credentials)."""
    problem = credentials.change_own_password(session, staff_id, seen_hash, old_right, new_hash)
    if problem is not None:
        return PasswordChange(problem)
    user = get_or_404(session, StaffUser, staff_id)
    audit_account(session, "staff.password_changed", staff_id, staff_id=staff_id)
    return PasswordChange(None, user.session_version)


def reset_email(session: Session, secret_key: str, token: str) -> str | None:
    """The address of the account a reset link is for, while the link is good."""
    user = credentials.account_for_reset(session, secret_key, token, lock=False)
    return user.email if user else None


def reset_password(session: Session, secret_key: str, token: str, new_hash: str) -> None:
    """Uses the link once (checked again under the row lock: two uses cannot both pass);
    AccountError("invalid_link") when it is no good."""
    user = credentials.reset_with_token(session, secret_key, token, new_hash)
    audit_account(session, "staff.password_reset", user.id, staff_id=user.id)
