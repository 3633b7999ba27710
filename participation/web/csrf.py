"""CSRF tokens: bound to the staff session where there is one, signed and dated otherwise.

Citizens get no cookie for reading or for a first submission, so their forms carry a
signed token with a time stamp, and the request's Origin / Sec-Fetch-Site headers must
say it came from our own pages: the check modern browsers make reliable.
"""

from __future__ import annotations

import hmac
import secrets

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

#: Long enough that a slow writer's comment is never refused as expired; an expired
#: token gets the form back with the text kept, never a lost comment.
MAX_AGE_SECONDS = 7 * 24 * 3600


def _signer(secret_key: str) -> TimestampSigner:
    return TimestampSigner(secret_key, salt="csrf")


def new_token(secret_key: str, session: dict) -> str:
    binding = session.get("csrf") if session else None
    value = binding or "anon." + secrets.token_urlsafe(12)
    return _signer(secret_key).sign(value).decode()


def token_is_valid(secret_key: str, session: dict, token: str | None) -> bool:
    if not token:
        return False
    try:
        value = _signer(secret_key).unsign(token, max_age=MAX_AGE_SECONDS).decode()
    except (BadSignature, SignatureExpired):
        return False
    binding = session.get("csrf") if session else None
    if binding:
        return hmac.compare_digest(value, binding)
    return value.startswith("anon.")


def start_session_binding(session: dict) -> None:
    """On login: forms from now on must carry a token made for this session."""
    session["csrf"] = secrets.token_urlsafe(16)
