"""The Jinja2 environment: autoescaping, gettext, localized URLs, page-or-fragment."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from weakref import WeakKeyDictionary

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from participation.contributions.labels import channel_label
from participation.contributions.reference import format_reference
from participation.i18n import catalogs
from participation.i18n.formatting import local_date, local_datetime, local_number
from participation.markdown import render_markdown
from participation.settings import (
    LANGUAGE_NAMES,
    LANGUAGES,
    PROJECT_ROOT,
    RTL_LANGUAGES,
)
from participation.web import csrf, submissions
from participation.web.fragments import FragmentCacheExtension
from participation.web.paths import is_same_origin_path
from participation.web.static import static_url

#: Templates pass literal messages only; the bound is against a mistake, not a need.
MAX_TRANSLATED = 20_000


class LiteralMessages(Extension):
    """Compiles ``_("literal")`` as ``"literal"|gettext_literal``: the same text, but a
    template calls a filter directly, while every function call goes through Jinja's
    Context.call (~1 µs of checks each; a moderation page makes ~450 such calls)."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        tokens = list(stream)
        i = 0
        while i < len(tokens):
            token = tokens[i]
            after = tokens[i + 4].type if i + 4 < len(tokens) else ""
            if (
                token.test("name:_")
                and [t.type for t in tokens[i + 1 : i + 4]] == ["lparen", "string", "rparen"]
                and not (i and tokens[i - 1].type == "dot")
                and after not in ("dot", "lbracket", "lparen")
            ):
                yield tokens[i + 2]
                yield Token(token.lineno, "pipe", "|")
                yield Token(token.lineno, "name", "gettext_literal")
                i += 4
                continue
            yield token
            i += 1


#: Where a kept fragment's forms take the request's CSRF token (moderation/_region.html).
#: Raw markup, so no escaped user text can ever contain it.
CSRF_SLOT = Markup("<csrf-slot/>")


def _build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(PROJECT_ROOT / "templates")),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        extensions=["jinja2.ext.i18n", FragmentCacheExtension, LiteralMessages],
        trim_blocks=True,
        lstrip_blocks=True,
        # Checking every template file's mtime on each render costs a stat() per include;
        # only DEBUG=1 (template work) needs edits picked up without a restart: create_app
        # turns it on from the settings.
        auto_reload=False,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: catalogs.translations(catalogs.current_language.get()).gettext(message),
        lambda s, p, n: catalogs.translations(catalogs.current_language.get()).ngettext(s, p, n),
        newstyle=True,
    )

    #: (language, message, autoescape) -> the translated text, for _() without variables:
    #: a function of those three alone, and most of a page's ~90 calls are of that kind.
    translated: dict[tuple[str, str, bool], str] = {}

    @pass_context
    def translate(context, message, **variables):  # noqa: ANN001, ANN202
        # What jinja2.ext's newstyle _() does, in one call instead of four (alias, resolve,
        # wrapper, lambda): a page has ~90 of them, and this made rendering ~20% cheaper.
        autoescape = context.eval_ctx.autoescape
        if not variables:
            key = (catalogs.current_language.get(), message, autoescape)
            text = translated.get(key)
            if text is not None:
                return text
        text = catalogs.translations(catalogs.current_language.get()).gettext(message)
        if autoescape:
            text = Markup(text)  # noqa: S704 - as Jinja does: catalog text, values escaped by %
        text = text % variables
        if not variables and len(translated) < MAX_TRANSLATED:
            translated[key] = text
        return text

    @pass_context  # not folded at compile time, as a filter without context could be
    def gettext_literal(context, message):  # noqa: ANN001, ANN202
        text = translated.get(
            (catalogs.current_language.get(), message, context.eval_ctx.autoescape)
        )
        return translate(context, message) if text is None else text

    env.globals.update(
        _=translate,
        static_url=static_url,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        channel_name=channel_label,
        markdown=render_markdown,
        CSRF_SLOT=CSRF_SLOT,
        new_submission_key=submissions.new_key,
    )
    # A stored or submitted path becomes a link only if it stays on this site.
    env.tests["same_origin_path"] = is_same_origin_path
    env.filters.update(
        gettext_literal=gettext_literal,
        reference=format_reference,
        datetime=local_datetime,
        date=local_date,
        number=local_number,
    )
    return env


templates = Jinja2Templates(env=_build_environment())


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
    except Exception:  # noqa: BLE001 - Starlette raises its NoMatchFound again below
        return None
    parts = re.split("(" + "|".join(values) + ")", path)
    if sorted(parts[1::2]) != sorted(values):
        return None  # a convertor reformatted a placeholder
    return tuple(values[p] if i % 2 else p for i, p in enumerate(parts))


def url(request: Request, name: str, **params: Any) -> str:
    """A localized URL: the route's path with the page's language in front.

    Starlette's url_path_for tries every route and mount in turn (raising NoMatchFound
    through each), and a page asks for dozens of URLs (one per listed comment), so the
    route's path is looked up once per name and filled in with the values afterwards.
    """
    params.setdefault("lang", language_of(request))
    known = _url_patterns.setdefault(request.app, {})
    key = (name, tuple(sorted(params)))
    if key not in known:
        known[key] = _url_pattern(request.app.router, name, key[1])
    parts = known[key]
    if parts is None:
        return request.app.url_path_for(name, **params)
    return "".join(str(params[p]) if i % 2 else p for i, p in enumerate(parts))


def _context(request: Request, context: dict[str, Any]) -> dict[str, Any]:
    language = language_of(request)
    settings = request.app.state.settings
    # request.url.path without building the URL (it parses the whole address, ~15 us).
    path = request.scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
    rest = path.split("/", 2)[2] if path.count("/") >= 2 else ""

    def switch_url(code: str) -> str:
        return f"/{code}/{rest}"

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
        "current_path": path,
    }
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
        _context(request, context or {}),
        status_code=status_code,
        headers=headers,
    )
    if fragment:
        response.headers["Vary"] = "HX-Request"
    return response
