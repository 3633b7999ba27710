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
token in a kept page is an anonymous one, valid for anyone (see web/csrf.py). Per
process and in memory, at most MAX_PAGES pages; nothing is shared between processes.

The comment form's one-time submission key (web/submissions.py) must not be shared: two
people sending the same words from one kept page would count as one form sent twice. So
every copy served carries fresh keys. The page is built plain and kept as the pieces
between its keys, each piece also compressed on its own (raw deflate, ended with a full
flush so pieces can be joined); a gzip copy is those pieces with each new key as a
stored block between them and the CRC over the whole. A copy costs some microseconds
instead of compressing the page again (6 us against 50-200 us for 17 KB).
"""

from __future__ import annotations

import re
import secrets
import struct
import time
import zlib
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from participation.caching.kept import Kept
from participation.paths import route_path
from participation.settings import LANGUAGES

MAX_PAGES = 256
MAX_BODY = 512 * 1024
#: As GZipMiddleware in app.py: smaller answers are not worth compressing.
GZIP_MINIMUM = 800
_LANG = "|".join(sorted(LANGUAGES, key=len, reverse=True))
#: The home page, a consultation's page, its results page.
CACHED_PATHS = re.compile(rf"^/(?:{_LANG})/(?:c/[^/]+(?:/results)?)?$")
#: No query, or the one key of a further page: other queries are not kept, so made-up
#: ones cannot push the real pages out.
CACHED_QUERIES = re.compile(rb"^(?:(?:before|after)=\d{1,12})?$")
#: Where a form's one-time key sits in the HTML (templates put it in this form).
SUBMISSION_KEY = re.compile(rb'name="submission_key" value="([A-Za-z0-9_-]{22})"')
#: gzip member header: magic, deflate, no flags, no time, no extra flags, unknown OS.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def clock() -> float:
    return time.monotonic()


def new_key() -> bytes:
    # 22 characters, as web/submissions.new_key(): a copy's length never changes.
    return secrets.token_urlsafe(16).encode()


def _deflate(piece: bytes, last: bool) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(piece) + compressor.flush(
        zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH
    )


def _stored_block(data: bytes) -> bytes:
    # After a full flush the stream is byte-aligned: a non-final stored block is one
    # header byte (BFINAL=0, BTYPE=00, padding), LEN, ~LEN, then the bytes as they are.
    return b"\x00" + struct.pack("<HH", len(data), len(data) ^ 0xFFFF) + data


@dataclass
class _Page:
    expires: float
    start: Message
    #: the plain body cut at each form key: pieces[0], key, pieces[1], key, ...
    pieces: list[bytes]
    #: each piece as raw deflate; the last one finishes the stream.
    deflated: list[bytes]
    size: int

    @classmethod
    def of(cls, expires: float, start: Message, body: bytes) -> _Page:
        pieces, at = [], 0
        for match in SUBMISSION_KEY.finditer(body):
            pieces.append(body[at : match.start(1)])
            at = match.end(1)
        pieces.append(body[at:])
        deflated = [_deflate(p, last=i == len(pieces) - 1) for i, p in enumerate(pieces)]
        return cls(expires, start, pieces, deflated, len(body))

    def copy(self, gzip: bool) -> tuple[list[tuple[bytes, bytes]], bytes]:
        """(headers, body) of a copy with fresh keys, compressed if asked and worth it."""
        keys = [new_key() for _ in self.pieces[1:]]
        headers = [(n, v) for n, v in self.start["headers"] if n.lower() != b"content-length"]
        if not gzip or self.size < GZIP_MINIMUM:
            rest = zip(keys, self.pieces[1:], strict=True)
            body = self.pieces[0] + b"".join(key + piece for key, piece in rest)
            return [*headers, (b"content-length", str(len(body)).encode())], body
        parts = [_GZIP_HEADER, self.deflated[0]]
        crc = zlib.crc32(self.pieces[0])
        for key, piece, deflated in zip(keys, self.pieces[1:], self.deflated[1:], strict=True):
            parts += [_stored_block(key), deflated]
            crc = zlib.crc32(piece, zlib.crc32(key, crc))
        parts.append(struct.pack("<II", crc, self.size & 0xFFFFFFFF))
        body = b"".join(parts)
        headers += [(b"content-encoding", b"gzip"), (b"content-length", str(len(body)).encode())]
        return headers, body


def _unexpired(page: _Page) -> bool:
    return page.expires > clock()


def _accepts_gzip(scope: Scope) -> bool:
    return any(n == b"accept-encoding" and b"gzip" in v for n, v in scope["headers"])


class PageCacheMiddleware:
    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds
        self.pages: Kept[_Page] = Kept(MAX_PAGES)

    def _key(self, scope: Scope) -> tuple | None:
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        query = scope.get("query_string", b"")
        if not CACHED_PATHS.match(route_path(scope)) or not CACHED_QUERIES.match(query):
            return None
        fragment = False
        for name, _value in scope["headers"]:
            if name == b"cookie":
                return None
            if name == b"hx-request":
                fragment = True
            elif name == b"hx-history-restore-request":
                return None
        # One plain page serves both encodings (see the module's docstring).
        # The same path is another page on another council's host (web/councils.py);
        # the whole path, with a council's prefix (/c/<slug>/), whose links carry it.
        council = getattr(scope.get("council"), "id", None)
        return (council, scope["path"], query, fragment)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        page = await self.pages.get_or_build(
            key, _unexpired, lambda: self._build(scope, receive, send)
        )
        if page is None:
            return  # not kept: already answered as built
        headers, body = page.copy(gzip=_accepts_gzip(scope))
        # A copy each time: middleware further out adds its headers to the message.
        await send({**page.start, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    async def _build(self, scope: Scope, receive: Receive, send: Send) -> _Page | None:
        """Builds the page plain; returns it if kept, else answers with it as it came."""
        plain = {
            **scope,
            "headers": [(n, v) for n, v in scope["headers"] if n != b"accept-encoding"],
        }
        start: Message | None = None
        chunks: list[bytes] = []
        passing = False  # not kept: what follows goes straight through

        async def capture(message: Message) -> None:
            nonlocal start, passing
            if passing:
                await send(message)
                return
            if message["type"] == "http.response.start":
                start = {**message, "headers": list(message.get("headers", []))}
                keep = message["status"] == 200 and not any(
                    name.lower() in (b"set-cookie", b"content-encoding")
                    for name, _ in message.get("headers", [])
                )
                if not keep:
                    passing = True
                    await send(message)
                return
            if message["type"] != "http.response.body":
                return
            chunks.append(message.get("body", b""))
            if sum(len(c) for c in chunks) > MAX_BODY:
                # Too big to keep: sent plain, as it was built.
                passing = True
                # Set: ASGI sends http.response.start before any body.
                await send(start)  # type: ignore[arg-type]
                await send({**message, "body": b"".join(chunks)})

        await self.app(plain, receive, capture)
        if passing or start is None:
            return None
        return _Page.of(clock() + self.seconds, start, b"".join(chunks))
