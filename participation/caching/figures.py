"""Figures kept for a short while in each process: large counts, result versions.

Counting 80,000 published contributions takes the database 4-30 ms a GROUP BY; the
results page needs several and the consultation page one. Such a figure is kept here
for TTL_SECONDS, but only when it is large: small figures (every ordinary consultation,
every test) are counted afresh on each request, and a large one is at most TTL_SECONDS
old, a difference nobody can read in "80,001 comments". Each process keeps its own:
nothing is shared between processes or needed from one request to the next.

kept_for() is the same without the threshold, for a figure that costs as much whatever
its size (the version of a published result, results/export_files.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar, cast

T = TypeVar("T")

#: Figures below this are always counted afresh.
THRESHOLD = 1000
TTL_SECONDS = 30.0
_MAX_ENTRIES = 512

_entries: dict[Hashable, tuple[float, object]] = {}
_locks: dict[Hashable, threading.Lock] = {}
_guard = threading.Lock()


def _fresh(key: Hashable) -> tuple[float, object] | None:
    # An entry is (until, value).
    entry = _entries.get(key)
    if entry is not None and time.monotonic() < entry[0]:
        return entry
    return None


def large_figure(key: Hashable, compute: Callable[[], T], size: Callable[[T], int]) -> T:
    """compute(), or its result of the last TTL_SECONDS when that was THRESHOLD or more.

    Requests that want the same figure at the same time wait for one computation
    instead of all running it (32 GROUP BYs over 100,000 rows at once would stall).
    """
    return _kept(key, compute, lambda value: TTL_SECONDS if size(value) >= THRESHOLD else 0)


def kept_for(key: Hashable, seconds: float, compute: Callable[[], T]) -> T:
    """compute(), or its result of the last ``seconds``; always afresh when 0 or less."""
    if seconds <= 0:
        return compute()
    return _kept(key, compute, lambda _value: seconds)


def _kept(key: Hashable, compute: Callable[[], T], lifetime: Callable[[T], float]) -> T:
    entry = _fresh(key)
    if entry is not None:
        return cast(T, entry[1])
    with _guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        entry = _fresh(key)
        if entry is not None:
            return cast(T, entry[1])
        value = compute()
        seconds = lifetime(value)
        if seconds > 0:
            if len(_entries) >= _MAX_ENTRIES:
                _entries.clear()
            _entries[key] = (time.monotonic() + seconds, value)
        else:
            _entries.pop(key, None)
        return value


def drop(key: Hashable) -> None:
    """Lets one kept figure go: its next reader computes it afresh."""
    _entries.pop(key, None)


def forget() -> None:
    """Drops every kept figure (tests that count thousands use it)."""
    _entries.clear()
