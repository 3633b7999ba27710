"""argon2id (the Password Hashing Competition's winner, OWASP's first choice) via argon2-cffi."""

from __future__ import annotations

import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from participation.i18n.catalogs import gettext as _

_hasher = PasswordHasher()
MIN_LENGTH = 12
MAX_LENGTH = 1024
#: Verified against when the e-mail is unknown, so a failed login takes the same time.
#: Made once with this hasher's parameters and written down: hashing it at import took
#: 1.3 s and 64 MiB of memory in every process (web, worker, CLI) before it served anything.
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$gZBK3OKGa2SuuU+W0Fq6+Q$"
    "ERnHa9NNj/cC6NmJgj6/fFLxoaYg1J/hzKrgsdS1EJQ"
)
if _hasher.check_needs_rehash(_DUMMY_HASH):  # the parameters changed: same cost as real hashes
    _DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


#: Checks at once per process. Each takes 64 MiB for its moment; run outside every write
#: (accounts.service.log_in), forty wrong logins at once would otherwise take 2.5 GB.
#: Two keep both cores of a small server busy; further checks wait their turn here,
#: holding up only other logins, never a write.
_checks = threading.BoundedSemaphore(2)


def hash_password(password: str) -> str:
    with _checks:
        return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        with _checks:
            right = _hasher.verify(password_hash or _DUMMY_HASH, password)
        return right and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Length, not composition (NIST SP 800-63B)."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    return None


def password_problem_text(code: str) -> str | None:
    """password_problem()'s code in the reader's words, the same on every form that sets a
    password; None for a code that is not about the new password's length."""
    return {
        "too_short": _("The password needs at least 12 characters."),
        "too_long": _("The password is too long."),
    }.get(code)
