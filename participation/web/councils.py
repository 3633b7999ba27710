"""Which council a request is for.

Pages: the Host header, matched against the councils' host names (after
TrustedProxyMiddleware, so never a client's X-Forwarded-Host). An installation with no
host names serves its first council on every host, as a single-council installation
always did. Twilio's webhooks (/twilio/...): the council whose number was called or
texted (`To`; for a status callback of a message we sent, `From`), so that a provider
can point every council's numbers at one address; the door then checks the signature
with that council's Twilio token (settings_of), so a request signed with one council's
token for another's number fails. An installation with no numbers keeps the host's.

The operator's pages (/operator/...) belong to no council: they answer only on the
host names in OPERATOR_HOSTS, with no council in the request (so its sessions see every
council, tenancy.py), and such a host serves nothing else. The operator's host is
decided before any council's, so it can never be taken for a council's page (nor a
council's host, or the every-host fallback of a single council, for the operator's):
a council's staff cookie is never sent there, and the operator's never to a council.
Elsewhere /operator/ is a plain 404, as on an installation without OPERATOR_HOSTS.

The tables are read once and kept for REFRESH_SECONDS, so a request costs a dict
look-up; a new council is rows, picked up by every process within that time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

from anyio import to_thread
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from participation.councils.models import CouncilStatus
from participation.councils.service import CouncilEntry, Directory, directory, normalise_host
from participation.i18n.formatting import reset_request_timezone, use_request_timezone
from participation.paths import PREFIX_KEY, route_path
from participation.settings import Settings
from participation.tenancy import FIRST_COUNCIL
from participation.web.errors import error_response

REFRESH_SECONDS = 10.0
#: Served whatever the host: a load balancer's health check asks by IP address.
#: The installation's own files too (MEDIA_DIR, static): they name no council.
ANY_HOST_PATHS = ("/healthz", "/static/", "/media/")
TWILIO_PREFIX = "/twilio/"
#: The council's own style sheet and logo (web/council_look.py).
LOOK_PATHS = ("/council-style.css", "/council-logo")
#: The path-prefix fallback: /c/<slug>/... on the installation's own host.
PREFIX_PATH = "/c/"
OPERATOR_PREFIX = "/operator"
#: A Twilio webhook's form is a few hundred bytes; more is not Twilio.
TWILIO_MAX_BYTES = 64 * 1024

#: Stands in for the first council while the database cannot say more.
FIRST_ENTRY = CouncilEntry(FIRST_COUNCIL, "council", "", CouncilStatus.active, "")

UNKNOWN_HOST = (
    '<!doctype html><html lang="en"><meta charset="utf-8"><title>Not found</title>'
    "<h1>Not found</h1><p>No participation site answers at this address.</p></html>"
)


class CouncilDirectory:
    """The council tables of the database, kept for a few seconds."""

    def __init__(
        self, engine: Engine, base: Settings, refresh_seconds: float = REFRESH_SECONDS
    ) -> None:
        self.engine = engine
        self.base = base
        self.refresh_seconds = refresh_seconds
        #: Council id -> its settings, made when a request of it first needs them (with a
        #: thousand councils, making them all on every read cost 30 ms and 2 MB a time).
        self.settings: dict[int, Settings] = {}
        #: (council id, "/c/<slug>") -> its settings as its prefixed requests see them.
        self.prefixed: dict[tuple[int, str], Settings] = {}
        self._read_at = float("-inf")
        self._known = Directory({}, {}, [])
        self._by_id: dict[int, CouncilEntry] = {}
        #: A read is under way (set on the event loop): the requests meanwhile are served
        #: from what was read before, instead of each reading the tables again (under 32
        #: connections a thousand councils were read up to 32 times at once, every time
        #: they expired: a sixth of the CPU and 20 MiB more in each web process).
        self._refreshing = False
        self._reading = threading.Lock()

    def settings_for(self, council_id: int, base: Settings, prefix: str = "") -> Settings:
        """The council's settings over ``base``, the app's current settings (tests and
        the operator may replace those while the app runs). Under a path prefix, Twilio
        called the installation's address with the prefix: its signatures are checked,
        and the phone line's next steps addressed, there (twilio.py)."""
        if base is not self.base:
            self.base = base
            self.settings = {}
            self.prefixed = {}
        own = self.settings.get(council_id)
        if own is None:
            entry = self._by_id.get(council_id)
            own = (
                base
                if entry is None
                else self.settings.setdefault(council_id, entry.settings(base))
            )
        if not prefix:
            return own
        key = (council_id, prefix)
        if key not in self.prefixed:
            webhooks = (base.webhook_base_url or base.public_base_url).rstrip("/") + prefix
            self.prefixed[key] = replace(own, webhook_base_url=webhooks)
        return self.prefixed[key]

    @property
    def has_numbers(self) -> bool:
        """Whether any council has a number: else the host decides, as with one council,
        and a webhook's body is not read twice."""
        return bool(self._known.numbers)

    def expire(self) -> None:
        self._read_at = float("-inf")

    def _read(self) -> None:
        with self._reading:
            if time.monotonic() - self._read_at <= self.refresh_seconds:
                return  # read by another thread while this one waited
            self._read_now()

    def _read_now(self) -> None:
        try:
            with self.engine.connect() as connection:
                known = directory(connection)
        except OperationalError:
            # The database is away: keep what was read (pages then say it is away, with
            # the text kept); before any read, the first council, as with one council.
            if not self._known.councils:
                self._known = Directory({}, {}, [FIRST_ENTRY])
            self._read_at = time.monotonic() - self.refresh_seconds + 1
            return
        self._read_at = time.monotonic()
        if known == self._known:
            # Nothing changed (the rule between two reads): what was made from it stays,
            # and the new copy is let go at once rather than replacing every entry.
            return
        by_id = {council.id: council for council in known.councils}
        # Only a council whose row, hosts or numbers changed has its settings made anew.
        self.settings = {
            council_id: made
            for council_id, made in self.settings.items()
            if by_id.get(council_id) == self._by_id.get(council_id)
        }
        self.prefixed = {}
        self._known, self._by_id = known, by_id

    async def _fresh(self) -> Directory:
        if time.monotonic() - self._read_at <= self.refresh_seconds:
            return self._known
        if self._refreshing and self._known.councils:
            return self._known
        self._refreshing = True
        try:
            await to_thread.run_sync(self._read)
        finally:
            self._refreshing = False
        return self._known

    async def council_for(self, host: str) -> CouncilEntry | None:
        known = await self._fresh()
        if not known.hosts:
            return known.councils[0] if known.councils else None
        return known.hosts.get(normalise_host(host))

    async def council_by_prefix(self, host: str, path: str) -> tuple[CouncilEntry | None, str]:
        """For /c/<slug>/... on the installation's own host, where it is no council's host
        and other councils share the installation: (the council or None, "/c/<slug>").
        (None, "") where the path-prefix fallback does not apply."""
        known = await self._fresh()
        name = normalise_host(host)
        if len(known.councils) < 2 or name in known.hosts:
            return None, ""
        if name != normalise_host(urlsplit(self.base.public_base_url).netloc):
            return None, ""
        slug = path.split("/", 3)[2]
        council = known.slugs.get(slug)
        return council, f"/c/{slug}"

    async def council_for_numbers(self, numbers: list[str]) -> CouncilEntry | bool | None:
        """The council of the first of ``numbers`` that is one of theirs; None when none
        is; False when the installation has no numbers (the host decides)."""
        known = await self._fresh()
        if not known.numbers:
            return False
        for number in numbers:
            if number in known.numbers:
                return known.numbers[number]
        return None


class CouncilMiddleware:
    def __init__(self, app: ASGIApp, councils: CouncilDirectory) -> None:
        self.app = app
        self.councils = councils

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ANY_HOST_PATHS):
            await self.app(scope, receive, send)
            return
        host = next((v for k, v in scope["headers"] if k == b"host"), b"").decode("latin-1")
        operator_hosts = scope["app"].state.settings.operator_hosts
        operator_host = bool(operator_hosts) and normalise_host(host) in operator_hosts
        if operator_host or _is_operator_path(scope["path"]):
            await self._operator(scope, receive, send, operator_host)
            return
        council, prefix = await self._council(scope, host)
        if prefix and scope["path"] == prefix and council is not None:
            await RedirectResponse(prefix + "/", status_code=308)(scope, receive, send)
            return
        path = route_path(scope)
        if _is_operator_path(path):
            # /c/<slug>/operator/...: the operator's pages answer on its own hosts only.
            await HTMLResponse(UNKNOWN_HOST, status_code=404)(scope, receive, send)
            return
        if (
            path.startswith(TWILIO_PREFIX)
            and scope["method"] == "POST"
            and self.councils.has_numbers
        ):
            numbered, receive = await self._twilio_council(scope, receive, council)
            # Under a prefix the number must be that council's own, or nothing is served.
            same = numbered is not None and council is not None and numbered.id == council.id
            council = numbered if not prefix or same else None
        if council is None or council.status is CouncilStatus.archived:
            # Names no council: an unknown address must not tell which ones exist.
            await HTMLResponse(UNKNOWN_HOST, status_code=404)(scope, receive, send)
            return
        scope["council"] = council
        settings = scope["settings"] = self.councils.settings_for(
            council.id, scope["app"].state.settings, prefix
        )
        if council.status is CouncilStatus.suspended and not _open_while_suspended(path):
            await self._suspended(scope, receive, send, council)
            return
        if prefix:
            send = _own_session_cookie(scope, send, council.slug, prefix)
        # Dates on its pages and in its forms in its own time zone.
        token = use_request_timezone(settings.timezone)
        try:
            await self.app(scope, receive, send)
        finally:
            reset_request_timezone(token)

    async def _council(self, scope: Scope, host: str) -> tuple[CouncilEntry | None, str]:
        """The host's council, or under the path-prefix fallback the prefix's, which then
        becomes the request's root_path (ASGI's way: the path itself stays whole)."""
        if scope["path"].startswith(PREFIX_PATH):
            council, prefix = await self.councils.council_by_prefix(host, scope["path"])
            if prefix:
                if council is not None:
                    scope["root_path"] = scope.get("root_path", "") + prefix
                    scope[PREFIX_KEY] = prefix
                return council, prefix
        return await self.councils.council_for(host), ""

    async def _operator(self, scope: Scope, receive: Receive, send: Send, allowed: bool) -> None:
        if not allowed or not _is_operator_path(scope["path"]):
            await HTMLResponse(UNKNOWN_HOST, status_code=404)(scope, receive, send)
            return
        scope["settings"] = scope["app"].state.settings
        await self.app(scope, receive, send)

    async def _twilio_council(
        self, scope: Scope, receive: Receive, by_host: CouncilEntry | None
    ) -> tuple[CouncilEntry | None, Receive]:
        body = await _read_body(receive, TWILIO_MAX_BYTES)

        async def replay() -> Message:
            nonlocal body
            data, body = body, b""
            return {"type": "http.request", "body": data or b"", "more_body": False}

        if body is None:
            return None, replay
        fields = parse_qs(body.decode("latin-1"))
        # To: an inbound SMS or call; From: the status callback of a message we sent.
        numbers = [fields[name][0] for name in ("To", "Called", "From") if name in fields]
        council = await self.councils.council_for_numbers(numbers)
        return (by_host if council is False else council), replay  # type: ignore[return-value]

    async def _suspended(
        self, scope: Scope, receive: Receive, send: Send, council: CouncilEntry
    ) -> None:
        # The council's own words where it left some; the standard text otherwise.
        request = Request(scope, receive)
        response = error_response(request, 503, council.suspended_notice or None)
        response.headers["Retry-After"] = "86400"
        await response(scope, receive, send)


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None past ``limit`` bytes or on a disconnect."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


#: As app.py names it for SessionMiddleware.
SESSION_COOKIE = "staff_session"


def _own_session_cookie(scope: Scope, send: Send, slug: str, prefix: str) -> Send:
    """Under a prefix the staff login is the council's own cookie, named for it and sent
    only below its prefix: a login of one council on the shared host never replaces
    another's, nor is one of another council's (or of the host's root) taken for it."""
    own = f"{SESSION_COOKIE}-{slug}"
    kept = []
    for name, value in scope["headers"]:
        if name == b"cookie":
            pairs = [p.strip() for p in value.decode("latin-1").split(";")]
            pairs = [p for p in pairs if p.split("=", 1)[0] != SESSION_COOKIE]
            pairs = [
                SESSION_COOKIE + p[len(own) :] if p.startswith(own + "=") else p for p in pairs
            ]
            value = "; ".join(pairs).encode("latin-1")
        kept.append((name, value))
    scope["headers"] = kept

    async def send_own(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [
                (name, _renamed(value, own, prefix) if name.lower() == b"set-cookie" else value)
                for name, value in message.get("headers", [])
            ]
        await send(message)

    return send_own


def _renamed(cookie: bytes, own: str, prefix: str) -> bytes:
    if not cookie.startswith(SESSION_COOKIE.encode() + b"="):
        return cookie
    text = own + cookie.decode("latin-1")[len(SESSION_COOKIE) :]
    return text.replace("; path=/;", f"; path={prefix}/;", 1).encode("latin-1")


def settings_of(request: Request) -> Settings:
    """The settings as the request's council sees them (its name, numbers, hours)."""
    return request.scope.get("settings") or request.app.state.settings


def _is_operator_path(path: str) -> bool:
    return path == OPERATOR_PREFIX or path.startswith(OPERATOR_PREFIX + "/")


def _open_while_suspended(path: str) -> bool:
    """The council's staff keep their pages (to export, answer, close); Twilio's doors
    answer in their own way (a short notice), as the SMS and voice webhooks decide."""
    parts = path.split("/", 3)
    if path.startswith(ANY_HOST_PATHS + LOOK_PATHS):
        return True  # the notice's own page needs its style sheets (under a prefix too)
    return path.startswith(TWILIO_PREFIX) or (len(parts) > 2 and parts[2] == "staff")
