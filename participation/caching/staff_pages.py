"""A busy staff page kept for a moment per login, never past the moderator's own change.

The moderation queue of a 100,000-contribution consultation costs ~10 ms of CPU to build
(counts, the page of 25 items with their forms, 150 KB of HTML, gzip), so one process
builds about a hundred a second. When a whole team works through a burst, or one
moderator's tabs and htmx filters ask at once, the same page is asked for again and
again within a second. This keeps the finished answer (compressed once, if the browser
takes gzip) for ``STAFF_PAGE_CACHE_SECONDS`` (1 s in a server, off in Settings built in
code and so in tests).

What it must never do, and how:
- Show one person another's page: the key holds the login from the signed session
  cookie (staff id, session version) and the session's CSRF binding, so a kept page goes
  only to the session it was built for, and the token in its forms is valid for exactly
  that session. The page was built after requires_role() checked the account and role;
  serving it again to that session within the same second needs no new check, just as
  ``Cache-Control: private, max-age=1`` would let the browser keep it. Saving that
  check (a thread hop and a query) is most of what makes a kept answer cheap. Writes
  always check the account.
- Hide the moderator's own decision: every staff write stamps the session
  (``mark_write``) with the time it finished; a kept page counts only if it was begun
  after that stamp. Stamps and build times are wall-clock seconds, so this holds across
  the processes of one server.
- Hold back other people's changes for long: at most the configured seconds. A hard
  reload (``Cache-Control: no-cache``, Ctrl+F5) always builds the page anew.

Per process and in memory, at most MAX_PAGES answers; only ``200`` answers.
"""

from __future__ import annotations

import functools
import gzip
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from participation.caching.kept import Kept

Endpoint = Callable[[Request], Awaitable[Response]]

MAX_PAGES = 64
#: Pages bigger than this (uncompressed) are not kept.
MAX_BODY = 1024 * 1024
#: The level GZipMiddleware would use costs ~40 % more CPU here for 2 % fewer bytes.
GZIP_LEVEL = 6
#: As GZipMiddleware: smaller answers go out as they are.
GZIP_MINIMUM = 800
WRITE_STAMP = "wrote"


def clock() -> float:
    return time.time()


def mark_write(request: Request) -> None:
    """After a staff write: this session's next pages are built, never taken from the
    cache."""
    session = request.scope.get("session")
    if session is not None and "staff_id" in session:
        session[WRITE_STAMP] = clock()


@dataclass
class _Kept:
    begun: float
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class StaffPageCache:
    def __init__(self) -> None:
        self.pages: Kept[_Kept] = Kept(MAX_PAGES)

    @staticmethod
    def _key(request: Request) -> tuple | None:
        session = request.scope.get("session") or {}
        headers = request.headers
        if (
            request.method != "GET"
            or not session.get("staff_id")
            or "no-cache" in headers.get("cache-control", "")
            or "hx-history-restore-request" in headers
        ):
            return None
        return (
            request.url.path,
            request.scope.get("query_string", b""),
            request.scope.get("language"),
            session["staff_id"],
            session.get("sv"),
            session.get("csrf"),
            "hx-request" in headers,
            "gzip" in headers.get("accept-encoding", ""),
        )

    async def answer(self, request: Request, endpoint: Endpoint, seconds: float) -> Response:
        key = self._key(request)
        if key is None:
            return await endpoint(request)
        written = (request.scope.get("session") or {}).get(WRITE_STAMP, 0.0)
        built: list[Response] = []

        def usable(kept: _Kept) -> bool:
            # Within its seconds, and begun after this session's last write (a page
            # begun before it can never serve this session again).
            return kept.begun + seconds > clock() and kept.begun > written

        async def build() -> _Kept | None:
            begun = clock()
            built.append(await endpoint(request))
            return _keepable(begun, built[0], gzipped=key[-1])

        kept = await self.pages.get_or_build(key, usable, build)
        if kept is None:
            return built[0]
        response = Response(kept.body, status_code=kept.status)
        response.raw_headers = list(kept.headers)
        return response


def _keepable(begun: float, response: Response, gzipped: bool) -> _Kept | None:
    body = getattr(response, "body", None)
    headers = [(name, value) for name, value in response.raw_headers if name != b"content-length"]
    if (
        response.status_code != 200
        or not isinstance(body, bytes)
        or len(body) > MAX_BODY
        or any(name == b"set-cookie" for name, _ in headers)
    ):
        return None
    if gzipped and len(body) >= GZIP_MINIMUM:
        # Compressed here once, so that GZipMiddleware passes the kept answer on as
        # it is (it leaves answers that name their encoding alone).
        body = gzip.compress(body, GZIP_LEVEL, mtime=0)
        headers += [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")]
    headers.append((b"content-length", str(len(body)).encode()))
    return _Kept(begun, response.status_code, headers, body)


def kept_briefly(endpoint: Endpoint) -> Endpoint:
    """For a staff GET endpoint, outside requires_role(): see the module's text."""
    cache = StaffPageCache()

    @functools.wraps(endpoint)
    async def cached(request: Request) -> Response:
        seconds = request.app.state.settings.staff_page_cache_seconds
        if seconds <= 0:
            return await endpoint(request)
        return await cache.answer(request, endpoint, seconds)

    return cached
