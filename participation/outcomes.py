"""Outcomes a domain function reports by raising rather than by a tagged return value.

The doors map them to answers in one place: `web/errors.py` turns them into the
translated error page (or JSON under /api/), so an endpoint reads as its happy path and
a missing row cannot be mistaken for a result. Domain errors a form shows beside its
fields (`ContributionError`, `ResultsError`, ...) stay with their areas: the endpoint
that owns the form catches them.
"""

from __future__ import annotations

from typing import TypeVar

from sqlmodel import Session, SQLModel

ModelT = TypeVar("ModelT", bound=SQLModel)


class Outcome(Exception):
    """An answer other than the page asked for, with the HTTP status the doors give it."""

    status = 400

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.__class__.__name__)
        #: Shown instead of the status's standard text, already translated.
        self.detail = detail


class NotFound(Outcome):
    """The row asked for is not there, or not for this visitor to see (same answer)."""

    status = 404


class Forbidden(Outcome):
    """The row is there, but this login may not act on it."""

    status = 403


class Conflict(Outcome):
    """The row changed in a way that makes the request meaningless now."""

    status = 409


def get_or_404(session: Session, model: type[ModelT], row_id: object) -> ModelT:
    """The row with this primary key, or NotFound: the one way endpoints look rows up."""
    row = session.get(model, row_id)
    if row is None:
        raise NotFound
    return row
