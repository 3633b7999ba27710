"""Who is logged in as the operator: every operator page is wrapped in requires_operator.

The operator's session keys (operator_id, operator_sv) are its own: a staff session
(staff_id) never passes here, nor an operator's the staff's guard (load_staff). Both
logins clear the session first, so one cookie never holds both.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from participation.operator import accounts
from participation.web.csrf import start_session_binding
from participation.web.errors import error_response
from participation.web.transactions import read

Endpoint = Callable[[Request], Awaitable[Response]]


def begin_operator_session(store: dict, operator_id: int, version: int) -> None:
    """A new session on login: the old cookie's content dropped (fixation), a new CSRF
    binding, and the account's session_version bound in (logging out raises it)."""
    store.clear()
    store.update(
        {"operator_id": operator_id, "operator_sv": version, "sid": secrets.token_urlsafe(16)}
    )
    start_session_binding(store)


def requires_operator(endpoint: Endpoint) -> Endpoint:
    @functools.wraps(endpoint)
    async def guarded(request: Request) -> Response:
        store = request.scope.get("session") or {}
        account = None
        if "operator_id" in store:
            account = await read(
                request, accounts.current, store.get("operator_id"), store.get("operator_sv")
            )
        if account is None:
            if request.method == "GET" and "hx-request" not in request.headers:
                lang = request.scope.get("language", "de")
                target = quote(request.url.path)
                return RedirectResponse(f"/operator/{lang}/login?next={target}", status_code=303)
            return error_response(request, 401)
        request.scope["operator"] = account
        return await endpoint(request)

    # Read by the route walk in the tests: every operator page but the login is guarded.
    guarded.operator_only = True  # type: ignore[attr-defined]
    return guarded
