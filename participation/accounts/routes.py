"""Staff login and logout."""

from __future__ import annotations

import secrets

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from participation.accounts import service, throttle
from participation.clock import utcnow
from participation.i18n.catalogs import gettext as _
from participation.paths import same_origin_path
from participation.web.councils import settings_of
from participation.web.csrf import start_session_binding
from participation.web.forms import field
from participation.web.templating import render, url
from participation.web.transactions import write


async def login_form(request: Request) -> Response:
    return render(
        request,
        "accounts/login.html",
        {
            "next": same_origin_path(request.query_params.get("next", "")),
            "email": "",
            "error": None,
            "done": request.query_params.get("done"),
        },
    )


async def login(request: Request) -> Response:
    form = await request.form()
    email = field(form, "email", 254)
    password = field(form, "password", 1024)
    next_url = field(form, "next", 500)

    settings = settings_of(request)
    address = throttle.address_key(settings.secret_key, client_address(request))
    # Not write(): log_in opens its own short read and write around the check.
    found = await run_in_threadpool(
        service.log_in,
        request.app.state.engine,
        email,
        password,
        address,
        request.scope["council"].session_council,
    )
    if found is None:
        return render(
            request,
            "accounts/login.html",
            {
                "next": next_url,
                "email": email,
                "error": _(
                    "The e-mail address or password is not right, or the "
                    "account is locked for a while after too many attempts."
                ),
            },
            status_code=401,
        )
    staff_id, version, second_factor = found.staff_id, found.session_version, found.second_factor
    target = same_origin_path(next_url, url(request, "staff_home"))
    if second_factor:
        # Password right; the session becomes a staff session only after the code.
        request.session.clear()
        request.session.update(
            {
                "pending_staff": staff_id,
                "pending_sv": version,
                "pending_at": int(utcnow().timestamp()),
                "pending_next": target,
            }
        )
        start_session_binding(request.session)
        return RedirectResponse(url(request, "login_totp"), status_code=303)
    begin_staff_session(request.session, staff_id, version)
    return RedirectResponse(target, status_code=303)


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def begin_staff_session(store: dict, staff_id: int, version: int) -> None:
    """A new session on login: whatever was in the old cookie is dropped (fixation), a new
    session id and CSRF binding are made, and the account's session_version is bound in,
    so logging out (which raises it) makes this cookie and every copy of it worthless."""
    store.clear()
    store.update({"staff_id": staff_id, "sv": version, "sid": secrets.token_urlsafe(16)})
    start_session_binding(store)


async def logout(request: Request) -> Response:
    staff_id = request.session.get("staff_id")
    version = request.session.get("sv")
    if isinstance(staff_id, int):
        await write(request, service.end_sessions, staff_id, version)
    request.session.clear()
    return RedirectResponse(url(request, "home"), status_code=303)


#: Under /staff (app.py), as are the other staff routes of accounts.
staff_routes = [
    Route("/login", login_form, methods=["GET"], name="login"),
    Route("/login", login, methods=["POST"], name="login_post"),
    Route("/logout", logout, methods=["POST"], name="logout"),
]
