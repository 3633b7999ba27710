"""Keyed hashes and encryption for personal data, all derived from SECRET_KEY.

Phone numbers are matched by an HMAC (a number cannot be recovered from it); the plain
number is kept, encrypted with Fernet from `cryptography`, only where a person asked
to be called back or notified.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken


def _derive(secret_key: str, purpose: str) -> bytes:
    return hmac.new(secret_key.encode(), purpose.encode(), hashlib.sha256).digest()


def keyed_hash(secret_key: str, value: str, purpose: str = "phone") -> str:
    key = _derive(secret_key, "hash:" + purpose)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def _fernet(secret_key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(secret_key, "fernet")))


def encrypt(secret_key: str, value: str) -> str:
    return _fernet(secret_key).encrypt(value.encode()).decode()


def decrypt(secret_key: str, token: str) -> str | None:
    try:
        return _fernet(secret_key).decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def encrypt_bytes(secret_key: str, data: bytes) -> bytes:
    """Binary data (a call recording) sealed like the numbers: Fernet, SECRET_KEY's key."""
    return _fernet(secret_key).encrypt(data)


def decrypt_bytes(secret_key: str, token: bytes) -> bytes | None:
    try:
        return _fernet(secret_key).decrypt(token)
    except InvalidToken:
        return None
