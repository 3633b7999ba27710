"""Pages from the ground floor's Jinja2 environment: localized URLs, page-or-fragment."""

from __future__ import annotations

import re
from typing import Any
from weakref import WeakKeyDictionary

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from participation.caching.fragments import FragmentCacheExtension
from participation.i18n import catalogs
from participation.opening_hours import format_hours, read_hours
from participation.paths import is_same_origin_path, prefix_of
from participation.phone_keys import CODE_KEY, language_key
from participation.rendering import environment
from participation.settings import LANGUAGES, RTL_LANGUAGES
from participation.web import csrf, submissions
from participation.web.council_look import council_look
from participation.web.static import static_url

#: Where a kept fragment's forms take the request's CSRF token (moderation/_region.html).
#: Raw markup, so no escaped user text can ever contain it.
CSRF_SLOT = Markup("<csrf-slot/>")

# What only pages use: the fragment cache, static URLs, the CSRF slot, submission keys.
environment.add_extension(FragmentCacheExtension)
environment.globals.update(
    static_url=static_url,
    CSRF_SLOT=CSRF_SLOT,
    new_submission_key=submissions.new_key,
    # What a page tells callers to press: the keys the phone line's menus really take.
    phone_code_key=CODE_KEY,
    phone_language_key=language_key,
)


def opening_hours_html(value: str) -> Markup | str:
    """Hours in the reader's language; hours only written as text are German, and say so
    inside another language's page (lang="de", left to right inside Arabic)."""
    hours = read_hours(value)
    language = catalogs.current_language.get()
    if hours.text and language not in ("de", "ls"):
        return Markup('<span lang="de" dir="ltr">{}</span>').format(hours.text)
    return format_hours(hours, language)


environment.filters["opening_hours"] = opening_hours_html
# A stored or submitted path becomes a link only if it stays on this site.
environment.tests["same_origin_path"] = is_same_origin_path

templates = Jinja2Templates(env=environment)


def language_of(request: Request) -> str:
    return request.scope.get("language", catalogs.current_language.get())


#: app -> {(route name, parameter names): the route's path split around its parameters
#: (odd places are parameter names), or None when Starlette must be asked every time.
_url_patterns: WeakKeyDictionary[Any, dict[tuple, tuple[str, ...] | None]] = WeakKeyDictionary()
#: Digits, so that int convertors take them as well as string and path ones do.
_PLACEHOLDER_BASE = 8_100_000_000_000_000_000


def _url_pattern(router: Any, name: str, keys: tuple[str, ...]) -> tuple[str, ...] | None:
    values = {str(_PLACEHOLDER_BASE + n): key for n, key in enumerate(keys)}
    try:
        path = str(router.url_path_for(name, **{key: value for value, key in values.items()}))
    except Exception:
        return None
    parts = re.split("(" + "|".join(values) + ")", path)
    if sorted(parts[1::2]) != sorted(values):
        return None  # a convertor reformatted a placeholder
    return tuple(values[p] if i % 2 else p for i, p in enumerate(parts))


def url(request: Request, name: str, **params: Any) -> str:
    """A localized URL: the route's path with the page's language in front, below the
    council's path prefix where the request came through one (/c/<slug>/...).

    Starlette's url_path_for tries every route and mount in turn (raising NoMatchFound
    through each), and a page asks for dozens of URLs (one per listed comment), so the
    route's path is looked up once per name and filled in with the values afterwards.
    """
    return prefix_of(request.scope) + route_url(request, name, **params)


def route_url(request: Request, name: str, **params: Any) -> str:
    """url() without the council's path prefix."""
    params.setdefault("lang", language_of(request))
    known = _url_patterns.setdefault(request.app, {})
    key = (name, tuple(sorted(params)))
    if key not in known:
        known[key] = _url_pattern(request.app.router, name, key[1])
    parts = known[key]
    if parts is None:
        return str(request.app.url_path_for(name, **params))
    return "".join(str(params[p]) if i % 2 else p for i, p in enumerate(parts))


def public_url(request: Request, name: str, **params: Any) -> str:
    """The page's address for print and messages: the council's own public address
    (its host, or its prefix on the installation's), however this request reached it."""
    settings = request.scope.get("settings") or request.app.state.settings
    return settings.public_base_url + route_url(request, name, **params)


def page_context(request: Request, context: dict[str, Any]) -> dict[str, Any]:
    """What every page template sees besides its own ``context``."""
    language = language_of(request)
    # The request's council's view of them (web/councils.py): its name, numbers, hours.
    settings = request.scope.get("settings") or request.app.state.settings
    # request.url.path without building the URL (it parses the whole address, ~15 us).
    path = request.scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
    prefix = prefix_of(request.scope)
    below = path[len(prefix) :]
    # The operator's pages carry the language second (/operator/de/...).
    if below.startswith("/operator/"):
        prefix, below = prefix + "/operator", below.removeprefix("/operator")
    rest = below.split("/", 2)[2] if below.count("/") >= 2 else ""

    def switch_url(code: str) -> str:
        return f"{prefix}/{code}/{rest}"

    base = {
        "lang": language,
        "html_lang": "de" if language == "ls" else language,
        "dir": "rtl" if language in RTL_LANGUAGES else "ltr",
        "languages": list(LANGUAGES),
        "url": lambda name, **params: url(request, name, **params),
        "switch_url": switch_url,
        "settings": settings,
        "csrf_token": csrf.new_token(settings.secret_key, request.scope.get("session") or {}),
        "staff": request.scope.get("staff"),
        # The staff menu's counts of what waits (accounts/permissions.py).
        "staff_waiting": request.scope.get("staff_waiting") or {},
        "current_path": path,
        "url_prefix": prefix,
        "council_look": council_look(request),
    }
    if prefix:
        # The installation's files too: every address on the page keeps the prefix.
        base["static_url"] = lambda relative: prefix + static_url(relative)
    base.update(context)
    return base


def is_fragment_request(request: Request) -> bool:
    return "hx-request" in request.headers and "hx-history-restore-request" not in request.headers


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    fragment: str | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The full page, or only ``fragment`` (an included partial) for an htmx request."""
    template = fragment if fragment and is_fragment_request(request) else name
    response = templates.TemplateResponse(
        request,
        template,
        page_context(request, context or {}),
        status_code=status_code,
        headers=headers,
    )
    if fragment:
        response.headers["Vary"] = "HX-Request"
    return response
