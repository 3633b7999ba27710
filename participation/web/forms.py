"""Small helpers shared by endpoints: the database session and form values."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from participation.db import session_scope

T = TypeVar("T")


async def in_transaction(
    request: Request, work: Callable[[Session], T], *, write: bool = False
) -> T:
    """Runs blocking database work in the thread pool, in one transaction."""
    engine = request.app.state.engine

    def run() -> T:
        with session_scope(engine, write=write) as session:
            return work(session)

    if write and engine.dialect.name == "sqlite":
        # SQLite takes one writer at a time. Writers wait their turn here, in the event
        # loop, rather than as 32 threads parked on a lock and woken one by one: that
        # hand-over of the GIL cost more than the writes (SMS webhook 220 -> … req/s).
        return await anyio.to_thread.run_sync(run, limiter=_sqlite_writer_turn())
    return await run_in_threadpool(run)


_writer_turns: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _sqlite_writer_turn() -> anyio.CapacityLimiter:
    # A limiter belongs to one event loop; tests start several, production one per process.
    loop = asyncio.get_running_loop()
    turn = _writer_turns.get(loop)
    if turn is None:
        turn = _writer_turns[loop] = anyio.CapacityLimiter(1)
    return turn


def field(form, name: str, limit: int = 100_000) -> str:  # noqa: ANN001
    value = form.get(name)
    if value is None or not isinstance(value, str):
        return ""
    return value[:limit]


def int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
