"""Staff passwords after the account exists: changing one's own, and one-time reset links.

A reset link holds a random token; the account stores only its keyed hash and the hour
it is good for, so a copy of the database cannot be turned into a working link. Issuing
a new link replaces the old one; using it, changing the password, or deactivating the
account makes it worthless. Every password change raises the account's
session_version, which ends every session the account had (accounts/routes.py).

The argon2 work (checking the old password, hashing the new one) happens before the
short write that stores the result, never inside it: on SQLite the writers of every
process take turns, and a hash in one's turn would hold up every comment and SMS.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlmodel import Session, select

from participation.accounts.models import StaffUser
from participation.accounts.passwords import password_problem
from participation.accounts.service import AccountError, clear_failures, count_failure, is_locked
from participation.clock import utcnow
from participation.crypto import keyed_hash
from participation.i18n.catalogs import gettext as _
from participation.settings import Settings

log = logging.getLogger(__name__)

RESET_VALID = timedelta(hours=1)
#: token_urlsafe(32) gives 43 characters; anything much longer is not one of ours.
MAX_TOKEN_CHARS = 64


def new_password_problem(password: str, confirmation: str) -> str | None:
    problem = password_problem(password)
    if problem:
        return problem
    if password != confirmation:
        return "mismatch"
    return None


def _token_hash(secret_key: str, token: str) -> str:
    return keyed_hash(secret_key, token, purpose="staff-password-reset")


def issue_reset_link(session: Session, secret_key: str, user: StaffUser) -> str:
    """A new one-time token for this account, good for RESET_VALID; the caller builds
    the link and audits who asked for it."""
    if not user.is_active:
        raise AccountError("inactive")
    token = secrets.token_urlsafe(32)
    user.reset_token_hash = _token_hash(secret_key, token)
    user.reset_expires_at = utcnow() + RESET_VALID
    session.add(user)
    return token


def account_for_reset(
    session: Session, secret_key: str, token: str, *, lock: bool = True
) -> StaffUser | None:
    """The active account this unused, unexpired token belongs to; None otherwise.
    ``lock`` holds the row until the transaction ends, so two uses cannot both pass."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    query = select(StaffUser).where(StaffUser.reset_token_hash == _token_hash(secret_key, token))
    user = session.exec(query.with_for_update() if lock else query).first()
    if (
        user is None
        or not user.is_active
        or user.reset_expires_at is None
        or user.reset_expires_at <= utcnow()
    ):
        return None
    return user


def set_password(session: Session, user: StaffUser, password_hash: str) -> None:
    """Stores a new (already hashed) password: every session of the account ends, an
    outstanding reset link stops working, and a lock-out from guessing is lifted."""
    user.password_hash = password_hash
    user.session_version += 1
    user.reset_token_hash = None
    user.reset_expires_at = None
    clear_failures(session, user)
    session.add(user)


def reset_with_token(
    session: Session, secret_key: str, token: str, password_hash: str
) -> StaffUser:
    """Uses the token once. Raises AccountError("invalid_link") for a used, expired,
    unknown token or a deactivated account."""
    user = account_for_reset(session, secret_key, token)
    if user is None:
        raise AccountError("invalid_link")
    set_password(session, user, password_hash)
    return user


def change_own_password(
    session: Session, user_id: int, seen_hash: str, old_right: bool, new_hash: str | None
) -> str | None:
    """Stores the change after the old password was checked (``old_right``) against
    ``seen_hash``; None when done, else what stopped it. A wrong old password counts
    towards the lock-out like a wrong login: a session left open on a shared computer
    must not become a way to guess the password. (Returned, not raised, so that the
    count is committed.)"""
    user = session.get(StaffUser, user_id, with_for_update=True)
    if user is None or not user.is_active:
        return "inactive"
    if is_locked(user):
        return "locked"
    if user.password_hash != seen_hash:  # changed elsewhere while this one was checked
        return "changed"
    if not old_right or new_hash is None:
        count_failure(session, user)
        return "wrong_password"
    set_password(session, user, new_hash)
    return None


def send_reset_link(settings: Settings, email: str, link: str) -> bool:
    """E-mails the link to the account's own address; False when it could not be sent
    (the admin then sees the link to pass on)."""
    message = EmailMessage()
    message["Subject"] = _("New password for %(council)s") % {"council": settings.council_name}
    message["From"] = settings.smtp_from
    message["To"] = email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.split("@")[-1])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        _(
            "An admin asked for a new password for your staff account. Open this link "
            "within one hour to choose one. It works only once.\n\n%(link)s\n\n"
            "If you did not expect this, you can ignore this e-mail: your password stays "
            "as it is."
        )
        % {"link": link}
    )
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as problem:
        log.warning("password reset link not sent: %s", problem)
        return False
    return True
