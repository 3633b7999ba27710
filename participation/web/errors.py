"""Error pages in the reader's language; the server never answers a bare 500 text."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec

from sqlalchemy.exc import OperationalError
from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from participation.i18n.catalogs import gettext as _
from participation.outcomes import Outcome
from participation.paths import route_path
from participation.web.templating import render
from participation.web.transactions import read

P = ParamSpec("P")

log = logging.getLogger(__name__)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Something in the request was not right"), _("Please go back and try again.")),
        401: (_("Please log in"), _("This page is for council staff.")),
        403: (
            _("This form could not be sent"),
            _(
                "For your safety, forms expire or must come from our own pages. "
                "Please go back, reload the page and send it again."
            ),
        ),
        404: (_("Page not found"), _("The address may be mistyped, or the page was moved.")),
        405: (_("Not possible here"), _("This address does not accept that kind of request.")),
        413: (
            _("That was too much at once"),
            _(
                "The text or file you sent is larger than we accept. Please shorten it "
                "and send it again."
            ),
        ),
        429: (_("Too many attempts"), _("Please wait a little and try again.")),
        500: (
            _("Something went wrong on our side"),
            _("Nothing you did caused this. Please try again in a moment."),
        ),
        503: (
            _("Temporarily unavailable"),
            _("We cannot save or show this right now. Please try again in a few minutes."),
        ),
    }


def error_response(request: Request, status: int, detail: str | None = None) -> Response:
    title, text = _messages().get(status, _messages()[500])
    accept = request.headers.get("accept", "")
    wants_json = accept.startswith("application/json")
    if route_path(request.scope).startswith(("/api/", "/healthz")) or wants_json:
        return JSONResponse({"error": title, "detail": detail or text}, status_code=status)
    try:
        return render(
            request,
            "errors/error.html",
            {"status": status, "title": title, "text": detail or text},
            status_code=status,
        )
    except Exception:  # pragma: no cover - the error page itself must never fail
        log.exception("error page failed")
        return PlainTextResponse(f"{status} {title}", status_code=status)


async def page(
    request: Request,
    template: str,
    load: Callable[Concatenate[Session, P], dict[str, Any]],
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> Response:
    """A page whose context `load(session, *args, **kwargs)` reads in one transaction;
    a row it does not find raises NotFound (outcomes.get_or_404), mapped below."""
    return render(request, template, await read(request, load, *args, **kwargs))


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    response = error_response(request, exc.status_code, None)
    # Keep what the exception says about itself: 405 must list the methods in Allow.
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def outcome(request: Request, exc: Exception) -> Response:
    """NotFound, Forbidden, Conflict raised anywhere below an endpoint (outcomes.py)."""
    assert isinstance(exc, Outcome)
    return error_response(request, exc.status, exc.detail)


async def database_unavailable(request: Request, exc: Exception) -> Response:
    log.warning("database unavailable: %s", exc)
    response = error_response(request, 503)
    response.headers["Retry-After"] = "30"
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    return error_response(request, 500)


EXCEPTION_HANDLERS = {
    HTTPException: http_exception,
    Outcome: outcome,
    OperationalError: database_unavailable,
    Exception: server_error,
}
