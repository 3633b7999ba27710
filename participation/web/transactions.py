"""The one way an endpoint reaches the database: `await read(request, work, *args)` or
`await write(request, work, *args)` run `work(session, *args, **kwargs)` in one
transaction in the thread pool, so endpoints pass a domain function and its plain
arguments instead of building a closure around them.

Blocking database calls must not run on the event loop (p99 went from 100 ms to
0.6-1.2 s when they did); writes are queued in db.py, and SQLite reads go through a
small limiter (see SQLITE_READERS). An exception from `work` rolls the transaction back
and travels on to the one mapping in web/errors.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from anyio import CapacityLimiter, to_thread
from anyio.lowlevel import RunVar
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.requests import Request

from participation.db import session_scope

T = TypeVar("T")
P = ParamSpec("P")

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


async def _run(request: Request, writes: bool, work: Callable[[Session], T]) -> T:
    engine = request.app.state.engine
    # Set by web/councils.py for every request: the host's council, never the client's say.
    council = request.scope.get("council")
    council_id = council.id if council is not None else None
    alone = council is not None and not council.shared

    def run() -> T:
        with session_scope(engine, write=writes, council_id=council_id, alone=alone) as session:
            return work(session)

    return await to_thread.run_sync(run, limiter=_limiter(engine, writes))


async def read(
    request: Request,
    work: Callable[Concatenate[Session, P], T],
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """`work(session, *args, **kwargs)` in a read transaction."""
    return await _run(request, False, lambda session: work(session, *args, **kwargs))


async def write(
    request: Request,
    work: Callable[Concatenate[Session, P], T],
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """`work(session, *args, **kwargs)` in a write transaction (queued on SQLite)."""
    return await _run(request, True, lambda session: work(session, *args, **kwargs))
