"""One-time submission keys: a public form sent twice stores one thing.

A double click with JavaScript off, or a reload after sending, posts the same form
again. Each rendered form carries a random ``submission_key`` (a kept page gets a new
one for every visitor, caching/pages.py). The endpoint claims the key before it
stores anything; the same key with the same content a second time finds the claim and
answers with the first one's receipt instead of a second row.

The claim is stored as a keyed hash of the form's CSRF token and the key, so only the
form that was sent (never someone who learnt the key) reaches that receipt, and with a
hash of the content, so a different text from the same form is stored, never lost.
The key hash is unique in the database: of two racing posts on PostgreSQL one waits
for the other's transaction and then finds its claim (db.insert_or_skip); on SQLite
writers take turns anyway. Claims are kept a day, long enough for any resend.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Concatenate, ParamSpec

from sqlalchemy import delete, update
from sqlmodel import Field, Session, SQLModel, col, select

from participation.clock import utcnow
from participation.crypto import keyed_hash
from participation.db import insert_or_skip

P = ParamSpec("P")

KEEP = timedelta(days=1)
_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


class FormSubmission(SQLModel, table=True):
    __tablename__ = "form_submission"

    id: int = Field(default=None, primary_key=True)
    #: keyed hash of (form's CSRF token, submission key): the key never stored itself.
    key_hash: str = Field(max_length=64, unique=True)
    #: keyed hash of what was sent, so only the very same post counts as a repeat.
    content_hash: str = Field(max_length=64)
    #: what the first post got back, e.g. a reference number; "" while being stored.
    receipt: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow, index=True)


@dataclass(frozen=True)
class Claim:
    key_hash: str
    content_hash: str


def new_key() -> str:
    return secrets.token_urlsafe(16)


def claim_for(
    secret_key: str, csrf_token: str, submission_key: str, content: tuple[str, ...]
) -> Claim | None:
    """The claim a post makes, or None for a missing or malformed key (then the post is
    stored as it always was: an old page in a browser's cache must not lose a text)."""
    if not _KEY.fullmatch(submission_key or "") or not csrf_token:
        return None
    return Claim(
        key_hash=keyed_hash(secret_key, f"{csrf_token}\n{submission_key}", "form-submission"),
        content_hash=keyed_hash(secret_key, "\x1f".join(content), "form-content"),
    )


def forget_old_claims(session: Session) -> int:
    """Deletes claims older than KEEP: a new claim does it, and the worker's housekeeping
    where nobody sends a form (a claim holds a reference number)."""
    result = session.exec(
        delete(FormSubmission).where(col(FormSubmission.created_at) < utcnow() - KEEP)
    )
    return result.rowcount or 0


def earlier_receipt(session: Session, claim: Claim | None) -> tuple[str | None, bool]:
    """(the first post's receipt, whether this post now holds the claim).

    Call it before the post writes anything. A receipt means: this is a repeat, answer
    with it and store nothing. (None, True): go on and store, then ``record_receipt``.
    (None, False): no key, or another text from the same form: store, without a claim.
    """
    if claim is None:
        return None, False
    forget_old_claims(session)
    values = {
        "key_hash": claim.key_hash,
        "content_hash": claim.content_hash,
        "receipt": "",
        "created_at": utcnow(),
    }
    if insert_or_skip(session, FormSubmission, values) is not None:
        return None, True
    earlier = session.exec(
        select(FormSubmission).where(FormSubmission.key_hash == claim.key_hash)
    ).one()
    if earlier.content_hash == claim.content_hash and earlier.receipt:
        return earlier.receipt, False
    return None, False


def record_receipt(session: Session, claim: Claim | None, receipt: str) -> None:
    if claim is None:  # a post without a key keeps no receipt (claim_for)
        return
    session.execute(
        update(FormSubmission)
        .where(col(FormSubmission.key_hash) == claim.key_hash)
        .values(receipt=receipt)
    )


def stored_once(
    session: Session,
    claim: Claim | None,
    store: Callable[Concatenate[Session, P], str],
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> str:
    """The receipt ``store(session, *args, **kwargs)`` returns for what it stored, kept
    for the claim: the same post a second time gets the first one's and stores nothing.
    An exception from ``store`` rolls the claim back with the rest of the transaction,
    so a corrected form may use its key."""
    earlier, claimed = earlier_receipt(session, claim)
    if earlier:
        return earlier
    receipt = store(session, *args, **kwargs)
    if claimed:
        record_receipt(session, claim, receipt)
    return receipt
