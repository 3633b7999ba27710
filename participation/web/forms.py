"""Small helpers shared by endpoints: the database session and form values."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from anyio import CapacityLimiter, to_thread
from anyio.lowlevel import RunVar
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request

from participation.db import session_scope
from participation.numbers import bounded_int
from participation.text import without_controls

T = TypeVar("T")

#: At most this many SQLite reads run at once in a web process. A read is Python that
#: holds the GIL between short SQLite calls that let go of it, so on SQLite more threads
#: add no throughput: they only pass the GIL back and forth (one a row fetched). With
#: the 40 threads of the shared pool a consultation page cost 6 ms of CPU at 32
#: connections against 1.5 ms alone; with two, 3.5 ms, and p99 fell from 330 to 200 ms.
#: Writes (queued in db.py anyway) and PostgreSQL, whose reads wait on the network,
#: keep the shared pool.
SQLITE_READERS = 2
_sqlite_readers: RunVar[CapacityLimiter] = RunVar("sqlite_readers")


def _limiter(engine: Engine, write: bool) -> CapacityLimiter | None:
    if write or engine.dialect.name != "sqlite":
        return None  # the shared pool
    try:
        return _sqlite_readers.get()
    except LookupError:  # the first read in this event loop
        limiter = CapacityLimiter(SQLITE_READERS)
        _sqlite_readers.set(limiter)
        return limiter


async def in_transaction(
    request: Request, work: Callable[[Session], T], *, write: bool = False
) -> T:
    """Runs blocking database work in the thread pool, in one transaction."""
    engine = request.app.state.engine

    def run() -> T:
        with session_scope(engine, write=write) as session:
            return work(session)

    return await to_thread.run_sync(run, limiter=_limiter(engine, write))


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
