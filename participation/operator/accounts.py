"""Operator accounts: creation, login and the optional second factor.

The staff's own pieces, not copies: argon2id hashing (accounts/passwords.py), the
per-address throttle (accounts/throttle.py, with its own key purpose), the per-account
lock-out (accounts/service.py) and the one-time codes (accounts/totp.py). The login
runs in the same three steps as the staff's, so the argon2 check never holds a write.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from participation.accounts import throttle, totp
from participation.accounts.passwords import hash_password, password_problem, verify_password
from participation.accounts.service import (
    AccountError,
    clear_failures,
    count_failure,
    is_locked,
    normalise_email,
)
from participation.crypto import encrypt
from participation.db import session_scope
from participation.operator.models import OperatorAccount, OperatorEvent, OperatorTotpUse

#: The throttle's key purpose: an address's operator logins are counted apart from staff's.
THROTTLE_PURPOSE = "operator-login-address"


def record(
    session: Session, action: str, operator_id: int | None, council_id: int | None = None, **detail
) -> None:
    """One line of the operator's audit log (operator_event)."""
    session.add(
        OperatorEvent(operator_id=operator_id, action=action, council_id=council_id, detail=detail)
    )


def by_email(session: Session, email: str) -> OperatorAccount | None:
    query = select(OperatorAccount).where(OperatorAccount.email == normalise_email(email))
    return session.exec(query).first()


def create_operator(session: Session, email: str, password: str) -> OperatorAccount:
    email = normalise_email(email)
    if "@" not in email:
        raise AccountError("invalid_email")
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    if by_email(session, email) is not None:
        raise AccountError("exists")
    account = OperatorAccount(email=email, password_hash=hash_password(password))
    session.add(account)
    session.flush()
    record(session, "operator.created", None, email=email)
    return account


@dataclass(frozen=True)
class OperatorLogin:
    operator_id: int
    session_version: int
    second_factor: bool


def log_in(engine: Engine, email: str, password: str, address_key: str) -> OperatorLogin | None:
    """The account on success; None on any failure, the same for unknown and wrong."""
    with session_scope(engine) as session:
        blocked = throttle.is_locked(session, address_key)
        account = None if blocked else by_email(session, email)
        if account is not None and (not account.is_active or is_locked(account)):
            account = None
        seen = (account.id, account.password_hash) if account else (None, None)
    # Unknown, locked or throttled: checked against a stand-in hash, for the same time.
    right = verify_password(seen[1], password)
    if blocked:
        return None
    with session_scope(engine, write=True) as session:
        found = session.get(OperatorAccount, seen[0], with_for_update=True) if seen[0] else None
        if found is None or not found.is_active or is_locked(found):
            found = None
        elif found.password_hash != seen[1]:
            found = None  # a new password while the check ran
        elif not right:
            count_failure(session, found)
            found = None
        if found is None:
            throttle.record_failure(session, address_key)
            return None
        if not found.totp_secret:
            clear_failures(session, found)
        record(session, "operator.login", found.id)
        return OperatorLogin(found.id, found.session_version, bool(found.totp_secret))


def current(session: Session, operator_id: object, version: object) -> OperatorAccount | None:
    """The account a session names, while that session is still good."""
    if not isinstance(operator_id, int):
        return None
    account = session.get(OperatorAccount, operator_id)
    if account is None or not account.is_active or account.session_version != version:
        return None
    session.expunge(account)
    return account


def _code_right(session: Session, secret_key: str, account: OperatorAccount, code: str) -> bool:
    secret = totp.stored_secret(secret_key, account.totp_secret)
    counter = totp.matching_counter(secret, code) if secret else None
    use = OperatorTotpUse(operator_id=account.id, counter=counter or 0)
    return counter is not None and totp.claim_once(session, use)


def login_code_ok(
    session: Session, secret_key: str, operator_id: int, version: int, address: str, code: str
) -> bool:
    """The one-time code after a right password; a wrong one counts like a wrong password."""
    account = session.get(OperatorAccount, operator_id)
    if account is None or not account.is_active or account.session_version != version:
        return False
    if is_locked(account) or throttle.is_locked(session, address):
        return False
    if _code_right(session, secret_key, account, code):
        clear_failures(session, account)
        return True
    count_failure(session, account)
    throttle.record_failure(session, address)
    return False


def enable_second_factor(
    session: Session, secret_key: str, operator_id: int, secret: object, code: str
) -> bool:
    """On once a code from the app proves it holds ``secret``; False for a wrong code."""
    account = session.get(OperatorAccount, operator_id)
    if account is None or not isinstance(secret, str):
        return False
    counter = totp.matching_counter(secret, code)
    use = OperatorTotpUse(operator_id=operator_id, counter=counter or 0)
    if counter is None or not totp.claim_once(session, use):
        return False
    account.totp_secret = encrypt(secret_key, secret)
    session.add(account)
    record(session, "operator.totp_enabled", operator_id)
    return True


def end_sessions(session: Session, operator_id: int, version: object) -> None:
    """Logging out ends this cookie and every copy of it (a stale one changes nothing)."""
    account = session.get(OperatorAccount, operator_id)
    if account is not None and account.session_version == version:
        account.session_version += 1
        session.add(account)
        record(session, "operator.logout", operator_id)
