"""Admins' work on staff accounts: create, deactivate, activate, log out everywhere and
one-time reset links. Each change is audited with the admin who made it.

Plain functions with no Request, yet on the doors' floor with the account pages: the
audit log belongs to moderation, which stands on accounts (a loop from the domain).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from participation.accounts.credentials import issue_reset_link
from participation.accounts.models import Role, StaffUser
from participation.accounts.service import AccountError, create_staff
from participation.moderation.service import audit_account
from participation.outcomes import get_or_404

#: What an admin can do to an account with one button (the audit action is staff.<it>).
CHANGES = frozenset({"deactivate", "activate", "logout"})


def staff_accounts(session: Session) -> list[StaffUser]:
    return list(session.exec(select(StaffUser).order_by(col(StaffUser.email))).all())


def create_account(
    session: Session, email: str, password: str, role: Role, name: str, *, by_id: int
) -> StaffUser:
    """A new staff account; AccountError says which field is wrong."""
    user = create_staff(session, email, password, role, name)
    audit_account(session, "staff.create", user.id, staff_id=by_id, role=user.role.value)
    return user


def log_out_everywhere(session: Session, user: StaffUser) -> None:
    """Sessions carry the session_version they were issued with; raising it ends them all."""
    user.session_version += 1
    session.add(user)


def set_active(session: Session, user: StaffUser, active: bool, by_id: int) -> None:
    if not active:
        if user.id == by_id:
            raise AccountError("self")
        if user.role is Role.admin:
            admins = session.exec(
                select(StaffUser.id).where(
                    StaffUser.role == Role.admin,
                    StaffUser.is_active == True,  # noqa: E712
                    col(StaffUser.id) != user.id,
                )
            ).first()
            if admins is None:
                raise AccountError("last_admin")
        log_out_everywhere(session, user)
        # An outstanding reset link must not outlive the account: activating it again
        # later would otherwise bring the link back to life.
        user.reset_token_hash = None
        user.reset_expires_at = None
    user.is_active = active
    session.add(user)


def change_account(session: Session, user_id: int, action: str, *, by_id: int) -> None:
    """One of CHANGES; NotFound for a missing account, AccountError when not allowed."""
    assert action in CHANGES, action
    user = get_or_404(session, StaffUser, user_id)
    if action == "logout":
        log_out_everywhere(session, user)
    else:
        set_active(session, user, action == "activate", by_id)
    audit_account(session, f"staff.{action}", user.id, staff_id=by_id)


def reset_link_for(
    session: Session, secret_key: str, user_id: int, *, by_id: int, emailed: bool
) -> tuple[str, str]:
    """(the account's e-mail address, a new one-time reset token); AccountError for a
    deactivated account."""
    user = get_or_404(session, StaffUser, user_id)
    token = issue_reset_link(session, secret_key, user)
    audit_account(session, "staff.reset_link", user.id, staff_id=by_id, emailed=emailed)
    return user.email, token
