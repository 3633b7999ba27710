"""Small helpers shared by endpoints: the database session and form values."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from participation.db import session_scope

T = TypeVar("T")


async def in_transaction(
    request: Request, work: Callable[[Session], T], *, write: bool = False
) -> T:
    """Runs blocking database work in the thread pool, in one transaction."""

    def run() -> T:
        with session_scope(request.app.state.engine, write=write) as session:
            return work(session)

    return await run_in_threadpool(run)


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
