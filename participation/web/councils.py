"""Which council a request is for: the Host header, matched against the council's
configured host names (after TrustedProxyMiddleware, so never a client's
X-Forwarded-Host). An installation with no host names configured serves its first
council on every host, as a single-council installation always did.

The host table is read once and kept for REFRESH_SECONDS, so a request costs a dict
look-up; a new council is a row, picked up by every process within that time.
"""

from __future__ import annotations

import time

from anyio import to_thread
from sqlalchemy.engine import Engine
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from participation.councils.models import CouncilStatus
from participation.councils.service import CouncilEntry, directory, normalise_host
from participation.settings import Settings
from participation.web.errors import error_response

REFRESH_SECONDS = 10.0
#: Served whatever the host: a load balancer's health check asks by IP address.
ANY_HOST_PATHS = ("/healthz", "/static/")

UNKNOWN_HOST = (
    '<!doctype html><html lang="en"><meta charset="utf-8"><title>Not found</title>'
    "<h1>Not found</h1><p>No participation site answers at this address.</p></html>"
)


class CouncilDirectory:
    """The host table of the database, kept for a few seconds."""

    def __init__(
        self, engine: Engine, base: Settings, refresh_seconds: float = REFRESH_SECONDS
    ) -> None:
        self.engine = engine
        self.base = base
        self.settings: dict[int, Settings] = {}
        self.refresh_seconds = refresh_seconds
        self._read_at = float("-inf")
        self._hosts: dict[str, CouncilEntry] = {}
        self._first: CouncilEntry | None = None

    def expire(self) -> None:
        self._read_at = float("-inf")

    def _read(self) -> None:
        with self.engine.connect() as connection:
            hosts, councils = directory(connection)
        self._hosts = hosts
        self._first = councils[0] if councils else None
        self.settings = {council.id: council.settings(self.base) for council in councils}
        self._read_at = time.monotonic()

    async def council_for(self, host: str) -> CouncilEntry | None:
        if time.monotonic() - self._read_at > self.refresh_seconds:
            await to_thread.run_sync(self._read)
        if not self._hosts:
            return self._first
        return self._hosts.get(normalise_host(host))


class CouncilMiddleware:
    def __init__(self, app: ASGIApp, councils: CouncilDirectory) -> None:
        self.app = app
        self.councils = councils

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ANY_HOST_PATHS):
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host", "")
        council = await self.councils.council_for(host)
        if council is None or council.status is CouncilStatus.archived:
            # Names no council: an unknown address must not tell which ones exist.
            await HTMLResponse(UNKNOWN_HOST, status_code=404)(scope, receive, send)
            return
        scope["council"] = council
        scope["settings"] = self.councils.settings.get(council.id, self.councils.base)
        if council.status is CouncilStatus.suspended and not _open_while_suspended(scope["path"]):
            await self._suspended(scope, receive, send, council)
            return
        await self.app(scope, receive, send)

    async def _suspended(
        self, scope: Scope, receive: Receive, send: Send, council: CouncilEntry
    ) -> None:
        # The council's own words where it left some; the standard text otherwise.
        request = Request(scope, receive)
        response = error_response(request, 503, council.suspended_notice or None)
        response.headers["Retry-After"] = "86400"
        await response(scope, receive, send)


def settings_of(request: Request) -> Settings:
    """The settings as the request's council sees them (its name, numbers, hours)."""
    return request.scope.get("settings") or request.app.state.settings


def _open_while_suspended(path: str) -> bool:
    """The council's staff keep their pages (to export, answer, close); Twilio's doors
    answer in their own way (a short notice), as the SMS and voice webhooks decide."""
    parts = path.split("/", 3)
    return path.startswith("/twilio/") or (len(parts) > 2 and parts[2] == "staff")
