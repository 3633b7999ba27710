"""Public pages kept for a moment: the burst after a newspaper link is served from memory.

A consultation page costs 3-5 ms of CPU to build (five statements, 17 KB of HTML in the
reader's language), so one process renders ~200 a second; the crowd a radio spot sends
asks for the same few pages. This middleware keeps each such page for
``PAGE_CACHE_SECONDS`` (2 s in a server, off in Settings built in code and so in tests),
so each process builds it at most once in that time, whatever the number of visitors.

Only ``GET`` of the home page, a consultation's page and its results page, only for
requests without any cookie (staff always see the current state), only ``200`` answers
without ``Set-Cookie``. A change (a comment approved, a text edited, the consultation
closing) reaches anonymous visitors at most that many seconds later. The form's CSRF
token in a kept page is an anonymous one, valid for anyone (see web/csrf.py). Its
one-time submission key must not be shared, or two people sending the same words from
one kept page would count as one form sent twice (web/submissions.py): every copy
served gets fresh keys. So the page is kept plain (this middleware sits inside GZip,
which compresses each copy: 0.2 ms for a 17 KB page, against 3-5 ms to build it). Per
process and in memory, at most MAX_PAGES pages; nothing is shared between processes.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from participation.settings import LANGUAGES

MAX_PAGES = 256
MAX_BODY = 512 * 1024
_LANG = "|".join(sorted(LANGUAGES, key=len, reverse=True))
#: The home page, a consultation's page, its results page.
CACHED_PATHS = re.compile(rf"^/(?:{_LANG})/(?:c/[^/]+(?:/results)?)?$")
#: No query, or the one key of a further page: other queries are not kept, so made-up
#: ones cannot push the real pages out.
CACHED_QUERIES = re.compile(rb"^(?:(?:before|after)=\d{1,12})?$")
#: The one-time key of a form (web/submissions.py), replaced in every copy served.
SUBMISSION_KEY = re.compile(rb'(name="submission_key" value=")[A-Za-z0-9_-]{22}(")')


def clock() -> float:
    return time.monotonic()


@dataclass
class _Page:
    expires: float
    start: Message
    body: bytes


class PageCacheMiddleware:
    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds
        self.pages: OrderedDict[tuple, _Page] = OrderedDict()
        self.building: dict[tuple, asyncio.Lock] = {}

    def _key(self, scope: Scope) -> tuple | None:
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        query = scope.get("query_string", b"")
        if not CACHED_PATHS.match(scope["path"]) or not CACHED_QUERIES.match(query):
            return None
        fragment = False
        for name, _value in scope["headers"]:
            if name == b"cookie":
                return None
            if name == b"hx-request":
                fragment = True
            elif name == b"hx-history-restore-request":
                return None
        return (scope["path"], query, fragment)

    def _fresh(self, key: tuple) -> _Page | None:
        page = self.pages.get(key)
        if page is None:
            return None
        if page.expires <= clock():
            del self.pages[key]
            return None
        self.pages.move_to_end(key)
        return page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        page = self._fresh(key)
        if page is None:
            # One request builds the page; the others that come meanwhile wait for it.
            lock = self.building.setdefault(key, asyncio.Lock())
            async with lock:
                page = self._fresh(key)
                if page is None:
                    try:
                        await self._build(key, scope, receive, send)
                    finally:
                        self.building.pop(key, None)
                    return
        # A copy each time: middleware further out adds its headers to the message.
        body = SUBMISSION_KEY.sub(_fresh_key, page.body)
        await send({**page.start, "headers": list(page.start["headers"])})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    async def _build(self, key: tuple, scope: Scope, receive: Receive, send: Send) -> None:
        start: Message | None = None
        chunks: list[bytes] = []
        keep = True

        async def capture(message: Message) -> None:
            nonlocal start, keep
            if message["type"] == "http.response.start":
                start = {**message, "headers": list(message.get("headers", []))}
                keep = message["status"] == 200 and not any(
                    name.lower() == b"set-cookie" for name, _ in message.get("headers", [])
                )
            elif message["type"] == "http.response.body" and keep:
                chunks.append(message.get("body", b""))
                keep = sum(len(c) for c in chunks) <= MAX_BODY
                if not message.get("more_body", False) and keep and start is not None:
                    self._store(key, start, b"".join(chunks))
            await send(message)

        await self.app(scope, receive, capture)

    def _store(self, key: tuple, start: Message, body: bytes) -> None:
        self.pages[key] = _Page(clock() + self.seconds, start, body)
        self.pages.move_to_end(key)
        while len(self.pages) > MAX_PAGES:
            self.pages.popitem(last=False)


def _fresh_key(match: re.Match[bytes]) -> bytes:
    # The same length as the rendered key, so the kept Content-Length stays right.
    return match.group(1) + secrets.token_urlsafe(16).encode() + match.group(2)
