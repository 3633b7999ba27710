"""ASGI middleware: language, security headers, request size, CSRF."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.routing import Match, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from participation.i18n import catalogs
from participation.paths import route_path
from participation.settings import LANGUAGES, Settings
from participation.web import csrf
from participation.web.errors import error_response

#: Twilio's webhooks are checked by signature instead of a CSRF token. The public API is
#: read-only and cookie-free: an unsafe method there gets 405 from routing (a write route
#: added under /api/ would fail tests/trust/test_route_access.py until it checks CSRF).
CSRF_EXEMPT_PREFIXES = ("/twilio/", "/api/")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; font-src 'self'; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


class LanguageMiddleware:
    """Sets the page's language from the URL prefix (/de/, /ar/ ...) for the whole request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = route_path(scope)
        parts = path.split("/", 3)
        # The operator's pages carry theirs second: /operator/de/councils.
        at = 2 if len(parts) > 2 and parts[1] == "operator" else 1
        first = parts[at] if len(parts) > at else ""
        language = (
            first
            if first in LANGUAGES
            else catalogs.negotiate(Headers(scope=scope).get("accept-language"))
        )
        scope["language"] = language
        token = catalogs.current_language.set(language)
        try:
            await self.app(scope, receive, send)
        finally:
            catalogs.current_language.reset(token)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                present = {name.lower() for name, _ in headers}
                extra = [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                    (b"permissions-policy", b"camera=(), geolocation=(), microphone=()"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                ]
                if self.hsts:
                    extra.append((b"strict-transport-security", b"max-age=63072000"))
                headers.extend(h for h in extra if h[0] not in present)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class FormGuardMiddleware:
    """Refuses oversize bodies politely and checks CSRF on every unsafe request.

    The body is read once here and replayed to the endpoint. Nothing the client sends
    switches the check off. Only a route whose endpoint the code marks with
    ``csrf.keeps_text_on_expired_token`` is reached by a same-origin request whose
    token is missing or stale, with ``scope["csrf_ok"] = False``, so it can show the
    form again with the person's text and a new token; it must store nothing then. A
    request from another site is refused everywhere, that route included.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return
        limit = self.settings.max_request_bytes
        declared = Headers(scope=scope).get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, 413)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(scope, receive, send, 413)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)

        async def replay() -> Message:
            nonlocal body
            data, body = body, b""
            return {"type": "http.request", "body": data, "more_body": False}

        if route_path(scope).startswith(CSRF_EXEMPT_PREFIXES):
            await self.app(scope, replay, send)
            return

        request = Request(scope, replay)
        same_origin = self._same_origin(request)
        ok = same_origin
        token = request.headers.get("x-csrf-token")
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            try:
                form = await request.form()
            except Exception:
                form = None
                ok = False
            if form is not None:
                token = token or str(form.get("csrf_token") or "")
                await form.close()
        body = b"".join(chunks)
        ok = ok and csrf.token_is_valid(self.settings.secret_key, scope.get("session") or {}, token)
        if not ok and not (same_origin and _keeps_text(scope)):
            await self._refuse(scope, replay, send, 403)
            return
        scope["csrf_ok"] = ok
        await self.app(scope, replay, send)

    def _same_origin(self, request: Request) -> bool:
        # "same-site" is a sibling host (another subdomain): not our own pages either.
        if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
            return False
        origin = request.headers.get("origin")
        if not origin or origin == "null":
            return origin is None
        ours = {urlsplit(self.settings.public_base_url).netloc, request.headers.get("host", "")}
        return urlsplit(origin).netloc in ours

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, status: int) -> None:
        response = error_response(Request(scope, receive), status)
        await response(scope, receive, send)


def _endpoint_for(routes: list, scope: Scope) -> object | None:
    """The endpoint the router will call for this request, Mounts followed."""
    for route in routes:
        match, child = route.matches(scope)
        if match is not Match.FULL:
            continue
        if isinstance(route, Mount):
            return _endpoint_for(route.routes or [], {**scope, **child})
        return child.get("endpoint") if isinstance(route, Route) else None
    return None


def _keeps_text(scope: Scope) -> bool:
    """Whether the code (never the request) marks this route's form as kept on a stale token."""
    app = scope.get("app")
    router = getattr(app, "router", None)
    endpoint = _endpoint_for(router.routes, scope) if router is not None else None
    return csrf.keeps_text_marked(endpoint)
