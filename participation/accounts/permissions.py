"""Who may open which staff page: every staff endpoint is wrapped in requires_role()."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import quote
from weakref import WeakKeyDictionary

from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from participation.accounts.models import Role, StaffUser
from participation.caching.figures import drop, kept_for
from participation.caching.staff_pages import mark_write
from participation.paths import prefix_of
from participation.tenancy import scope
from participation.web.errors import error_response

Endpoint = Callable[[Request], Awaitable[Response]]

#: Editors write consultation texts; moderators run the queue; admins do everything.
EDITORS = (Role.admin, Role.editor)
MODERATORS = (Role.admin, Role.moderator)
ANY_STAFF = (Role.admin, Role.moderator, Role.editor)
ADMINS = (Role.admin,)


def load_staff(request: Request) -> StaffUser | None:
    session = request.scope.get("session") or {}
    staff_id = session.get("staff_id")
    if not staff_id:
        return None
    from sqlmodel import Session

    with Session(request.app.state.engine) as db:
        # A login of another council's host is no login here (tenancy.py).
        scope(db, request.scope["council"].session_council)
        user = db.get(StaffUser, staff_id)
        if user is None or not user.is_active or user.session_version != session.get("sv"):
            return None
        db.expunge(user)
        request.scope["staff_waiting"] = _waiting(request, db, user.council_id)
        return user


def _waiting_key(request: Request, council_id: int) -> tuple:
    return ("staff-menu", id(request.app.state.engine), council_id)


def _waiting(request: Request, db: Any, council_id: int) -> dict[str, int]:
    """The staff menu's counts (staff_menu.py, handed over by app.py), kept per council."""
    count = getattr(request.app.state, "count_waiting", None)
    if count is None:
        return {}
    seconds = request.app.state.settings.staff_menu_seconds
    return kept_for(_waiting_key(request, council_id), seconds, functools.partial(count, db))


def requires_role(*roles: Role) -> Callable[[Endpoint], Endpoint]:
    allowed = frozenset(roles)

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            user = await run_in_threadpool(load_staff, request)
            if user is None:
                if request.method == "GET" and "hx-request" not in request.headers:
                    lang = request.scope.get("language", "de")
                    # The whole path: under a council's prefix (/c/<slug>/) it has it.
                    target = quote(request.url.path)
                    login = f"{prefix_of(request.scope)}/{lang}/staff/login"
                    return RedirectResponse(f"{login}?next={target}", status_code=303)
                return error_response(request, 401)
            if user.role not in allowed:
                return error_response(request, 403)
            request.scope["staff"] = user
            response = await endpoint(request)
            if request.method not in ("GET", "HEAD"):
                # Their next pages show what they just did (caching/staff_pages.py),
                # the menu's counts included.
                mark_write(request)
                drop(_waiting_key(request, user.council_id))
            return response

        # A mark on the function itself, read from the route's endpoint by the role tests.
        guarded.allowed_roles = allowed  # type: ignore[attr-defined]
        return guarded

    return decorate


#: app -> {route name: the roles its endpoint admits, None for a page without a role}.
_roles_by_route: WeakKeyDictionary[Any, dict[str, frozenset[Role] | None]] = WeakKeyDictionary()


def _collect(routes: Iterable[BaseRoute], found: dict[str, frozenset[Role] | None]) -> None:
    for route in routes:
        if isinstance(route, Mount):
            _collect(route.routes, found)
        elif isinstance(route, Route):
            found[route.name] = getattr(route.endpoint, "allowed_roles", None)


def may_use(app: Any, staff: StaffUser | None, route_name: str) -> bool:
    """Whether ``staff`` may open the route: what requires_role() on its endpoint decides,
    read from that endpoint, so a link and the page it leads to never disagree."""
    table = _roles_by_route.get(app)
    if table is None:
        table = {}
        _collect(app.routes, table)
        _roles_by_route[app] = table
    if route_name not in table:
        raise KeyError(f"no route named {route_name!r}")
    allowed = table[route_name]
    if allowed is None:
        return True
    return staff is not None and staff.role in allowed


@pass_context
def can(context: Context, staff: StaffUser | None, route_name: str) -> bool:
    """Templates: ``{% if can(staff, "frontdesk") %}<a href="{{ url('frontdesk') }}">``."""
    return may_use(context["request"].app, staff, route_name)
