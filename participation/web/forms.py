"""Small helpers shared by endpoints: form and query values."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request

from participation.numbers import bounded_int
from participation.text import without_controls


def field(form, name: str, limit: int = 100_000) -> str:
    """A text field as sent, without control characters (NUL above all: see text.py)."""
    value = form.get(name)
    if value is None or not isinstance(value, str):
        return ""
    return without_controls(value[:limit])


def int_or_none(value: str | None) -> int | None:
    """A whole number the database can hold, or None (empty, not a number, out of range)."""
    return bounded_int(value) if isinstance(value, str) else None


def query_int(request: Request, name: str) -> int | None:
    """An optional whole-number query parameter such as ?before=; None when absent.

    Anything else there (a word, a number beyond the database's range) is a 400 with the
    translated error page: the link was not one of ours.
    """
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    value = bounded_int(raw)
    if value is None:
        raise HTTPException(400)
    return value
