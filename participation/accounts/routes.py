"""Staff login and logout."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from participation.accounts import service
from participation.i18n.catalogs import gettext as _
from participation.web.csrf import start_session_binding
from participation.web.forms import field, in_transaction
from participation.web.templating import render, url


def _safe_next(target: str, fallback: str) -> str:
    # Only our own paths: "//evil.example" and "https://..." would leave the site.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return fallback


async def login_form(request: Request) -> Response:
    return render(
        request,
        "accounts/login.html",
        {"next": request.query_params.get("next", ""), "email": "", "error": None},
    )


async def login(request: Request) -> Response:
    form = await request.form()
    email = field(form, "email", 254)
    password = field(form, "password", 1024)
    next_url = field(form, "next", 500)

    def check(session: Session) -> tuple[int, int] | None:
        user = service.authenticate(session, email, password)
        return (user.id, user.session_version) if user else None  # type: ignore[return-value]

    found = await in_transaction(request, check, write=True)
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
    # A new session on login: whatever was in the old cookie is dropped (fixation).
    request.session.clear()
    request.session.update({"staff_id": found[0], "sv": found[1]})
    start_session_binding(request.session)
    return RedirectResponse(_safe_next(next_url, url(request, "staff_home")), status_code=303)


async def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse(url(request, "home"), status_code=303)


routes = [
    Route("/staff/login", login_form, methods=["GET"], name="login"),
    Route("/staff/login", login, methods=["POST"], name="login_post"),
    Route("/staff/logout", logout, methods=["POST"], name="logout"),
]
