"""CSRF tokens: bound to the staff session where there is one, signed and dated otherwise.

Citizens get no cookie for reading or for a first submission, so their forms carry a
signed token with a time stamp, and the request's Origin / Sec-Fetch-Site headers must
say it came from our own pages: the check modern browsers make reliable.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import TypeVar

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner
from starlette.requests import Request

F = TypeVar("F", bound=Callable)

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


def keeps_text_on_expired_token(endpoint: F) -> F:
    """Marks a public form's endpoint that must not lose a person's text to a stale token.

    Declared here in the code, never by the request: a same-origin request without a
    valid token then reaches the endpoint with ``form_token_ok(request)`` false, and the
    endpoint shows the form again with the text and a new token, storing nothing. A
    request from another site is refused before it gets there (web/middleware.py).
    """
    # A mark on the function itself: the check below reads it from the route's endpoint.
    endpoint.keeps_text_on_expired_token = True  # type: ignore[attr-defined]
    return endpoint


def keeps_text_marked(endpoint: object) -> bool:
    return getattr(endpoint, "keeps_text_on_expired_token", False) is True


def form_token_ok(request: Request) -> bool:
    """Whether the form guard found a valid token (only a marked endpoint ever sees False)."""
    # Unset means the guard did not run: treated as no valid token, never as one.
    return request.scope.get("csrf_ok") is True
