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

import time
from urllib.parse import parse_qs

from anyio import to_thread
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from participation.councils.models import CouncilStatus
from participation.councils.service import CouncilEntry, Directory, directory, normalise_host
from participation.i18n.formatting import reset_request_timezone, use_request_timezone
from participation.settings import Settings
from participation.tenancy import FIRST_COUNCIL
from participation.web.errors import error_response

REFRESH_SECONDS = 10.0
#: Served whatever the host: a load balancer's health check asks by IP address.
#: The installation's own files too (MEDIA_DIR, static): they name no council.
ANY_HOST_PATHS = ("/healthz", "/static/", "/media/")
TWILIO_PREFIX = "/twilio/"
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
        self.settings: dict[int, Settings] = {}
        self._read_at = float("-inf")
        self._known = Directory({}, {}, [])

    def settings_for(self, council_id: int, base: Settings) -> Settings:
        """The council's settings over ``base``, the app's current settings (tests and
        the operator may replace those while the app runs)."""
        if base is not self.base:
            self.base = base
            self.settings = {c.id: c.settings(base) for c in self._known.councils}
        return self.settings.get(council_id, base)

    @property
    def has_numbers(self) -> bool:
        """Whether any council has a number: else the host decides, as with one council,
        and a webhook's body is not read twice."""
        return bool(self._known.numbers)

    def expire(self) -> None:
        self._read_at = float("-inf")

    def _read(self) -> None:
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
        self.settings = {council.id: council.settings(self.base) for council in known.councils}
        self._known = known
        self._read_at = time.monotonic()

    async def _fresh(self) -> Directory:
        if time.monotonic() - self._read_at > self.refresh_seconds:
            await to_thread.run_sync(self._read)
        return self._known

    async def council_for(self, host: str) -> CouncilEntry | None:
        known = await self._fresh()
        if not known.hosts:
            return known.councils[0] if known.councils else None
        return known.hosts.get(normalise_host(host))

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
        council = await self.councils.council_for(host)
        if (
            scope["path"].startswith(TWILIO_PREFIX)
            and scope["method"] == "POST"
            and self.councils.has_numbers
        ):
            council, receive = await self._twilio_council(scope, receive, council)
        if council is None or council.status is CouncilStatus.archived:
            # Names no council: an unknown address must not tell which ones exist.
            await HTMLResponse(UNKNOWN_HOST, status_code=404)(scope, receive, send)
            return
        scope["council"] = council
        settings = scope["settings"] = self.councils.settings_for(
            council.id, scope["app"].state.settings
        )
        if council.status is CouncilStatus.suspended and not _open_while_suspended(scope["path"]):
            await self._suspended(scope, receive, send, council)
            return
        # Dates on its pages and in its forms in its own time zone.
        token = use_request_timezone(settings.timezone)
        try:
            await self.app(scope, receive, send)
        finally:
            reset_request_timezone(token)

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


def settings_of(request: Request) -> Settings:
    """The settings as the request's council sees them (its name, numbers, hours)."""
    return request.scope.get("settings") or request.app.state.settings


def _is_operator_path(path: str) -> bool:
    return path == OPERATOR_PREFIX or path.startswith(OPERATOR_PREFIX + "/")


def _open_while_suspended(path: str) -> bool:
    """The council's staff keep their pages (to export, answer, close); Twilio's doors
    answer in their own way (a short notice), as the SMS and voice webhooks decide."""
    parts = path.split("/", 3)
    return path.startswith(TWILIO_PREFIX) or (len(parts) > 2 and parts[2] == "staff")
