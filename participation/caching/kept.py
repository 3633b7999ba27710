"""Answers kept in memory by key, for the page caches (pages.py, staff_pages.py).

At most a given number are kept, the least recently used leaving first. While one
request builds a missing answer, the others that ask for it meanwhile wait and then take
the one it kept, so a burst builds each answer once.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Kept(Generic[T]):
    def __init__(self, most: int) -> None:
        self.most = most
        self.answers: OrderedDict[tuple, T] = OrderedDict()
        self.building: dict[tuple, asyncio.Lock] = {}

    def get(self, key: tuple, usable: Callable[[T], bool]) -> T | None:
        """The answer kept for key, if there is one and it is usable; one that is not is
        dropped (it could never be served again)."""
        answer = self.answers.get(key)
        if answer is None:
            return None
        if not usable(answer):
            del self.answers[key]
            return None
        self.answers.move_to_end(key)
        return answer

    def put(self, key: tuple, answer: T) -> None:
        self.answers[key] = answer
        self.answers.move_to_end(key)
        while len(self.answers) > self.most:
            self.answers.popitem(last=False)

    async def get_or_build(
        self, key: tuple, usable: Callable[[T], bool], build: Callable[[], Awaitable[T | None]]
    ) -> T | None:
        """The usable answer kept for key, else the one build() returns (kept), else None
        when build() did not give one to keep."""
        answer = self.get(key, usable)
        if answer is not None:
            return answer
        # One request builds the answer; the others that come meanwhile wait for it.
        lock = self.building.setdefault(key, asyncio.Lock())
        async with lock:
            answer = self.get(key, usable)
            if answer is None:
                try:
                    answer = await build()
                finally:
                    self.building.pop(key, None)
                if answer is not None:
                    self.put(key, answer)
        return answer
