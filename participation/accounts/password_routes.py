"""Staff passwords: change one's own, and set a new one through a one-time reset link."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from participation.accounts import credentials, security
from participation.accounts.forms import parse_password_change
from participation.accounts.models import StaffUser
from participation.accounts.passwords import hash_password, password_problem_text, verify_password
from participation.accounts.permissions import ANY_STAFF, requires_role
from participation.accounts.routes import begin_staff_session
from participation.accounts.service import AccountError
from participation.i18n.catalogs import gettext as _
from participation.web.councils import settings_of
from participation.web.forms import field
from participation.web.templating import render, url
from participation.web.transactions import read, write

#: The form field each problem belongs to, for the error summary's links.
_FIELD = {
    "too_short": "new_password",
    "too_long": "new_password",
    "mismatch": "confirm_password",
    "wrong_password": "current_password",
    "locked": "current_password",
    "changed": "current_password",
}


def password_problem_message(code: str) -> str:
    return password_problem_text(code) or {
        "mismatch": _("The two new passwords are not the same. Please type it twice."),
        "wrong_password": _("Your current password is not right."),
        "locked": _(
            "The account is locked for a while after too many attempts. Please try again "
            "in 15 minutes."
        ),
        "changed": _("The password was changed in the meantime. Please log in again."),
    }.get(code, _("This was not possible."))


def _no_store(response: Response) -> Response:
    # These pages hold a reset token or answer a password form: no cache keeps them.
    response.headers["Cache-Control"] = "no-store"
    return response


@requires_role(*ANY_STAFF)
async def change_form(request: Request) -> Response:
    return _no_store(render(request, "accounts/password_change.html", {"errors": {}}))


@requires_role(*ANY_STAFF)
async def change(request: Request) -> Response:
    user: StaffUser = request.scope["staff"]
    form = parse_password_change(await request.form())
    problem = credentials.new_password_problem(form.new, form.confirmation)

    def check() -> tuple[bool, str | None]:
        # argon2 twice, with no transaction open (see accounts/credentials.py).
        right = verify_password(user.password_hash, form.current)
        return right, hash_password(form.new) if right and problem is None else None

    right, new_hash = await run_in_threadpool(check)
    outcome = security.PasswordChange(problem, user.session_version)
    if not right or problem is None:
        outcome = await write(
            request, security.change_password, user.id, user.password_hash, right, new_hash
        )
    code, version = outcome.problem, outcome.session_version
    if code is not None:
        errors = {_FIELD.get(code, "current_password"): password_problem_message(code)}
        if not right and problem is not None:
            errors[_FIELD[problem]] = password_problem_message(problem)
        return _no_store(
            render(request, "accounts/password_change.html", {"errors": errors}, status_code=422)
        )
    # Every other session of the account ended with the new version; this one goes on.
    begin_staff_session(request.session, user.id, version)
    return RedirectResponse(url(request, "account_security") + "?done=password", status_code=303)


async def _email_for_reset(request: Request, token: str) -> str | None:
    """The address of the account a reset link is for, while the link is good."""
    return await read(request, security.reset_email, settings_of(request).secret_key, token)


async def reset_form(request: Request) -> Response:
    token = request.path_params["token"]
    email = await _email_for_reset(request, token)
    if email is None:
        return _invalid_link(request)
    return _no_store(
        render(
            request,
            "accounts/password_reset.html",
            {"email": email, "token": token, "errors": {}},
        )
    )


async def reset(request: Request) -> Response:
    token = request.path_params["token"]
    settings = settings_of(request)
    form = await request.form()
    new = field(form, "new_password", 2000)
    confirmation = field(form, "confirm_password", 2000)
    problem = credentials.new_password_problem(new, confirmation)

    # A cheap look first: made-up tokens must not cost an argon2 hash each.
    email = await _email_for_reset(request, token)
    if email is None:
        return _invalid_link(request)
    if problem is not None:
        errors = {_FIELD[problem]: password_problem_message(problem)}
        return _no_store(
            render(
                request,
                "accounts/password_reset.html",
                {"email": email, "token": token, "errors": errors},
                status_code=422,
            )
        )
    new_hash = await run_in_threadpool(hash_password, new)

    try:
        await write(request, security.reset_password, settings.secret_key, token, new_hash)
    except AccountError:
        return _invalid_link(request)
    request.session.clear()
    return RedirectResponse(url(request, "login") + "?done=reset", status_code=303)


def _invalid_link(request: Request) -> Response:
    return _no_store(
        render(request, "accounts/password_reset.html", {"invalid": True}, status_code=404)
    )


#: Under /staff (app.py).
staff_routes = [
    Route("/account/password", change_form, methods=["GET"], name="account_password"),
    Route("/account/password", change, methods=["POST"], name="account_password_post"),
    Route("/password-reset/{token}", reset_form, methods=["GET"], name="password_reset"),
    Route("/password-reset/{token}", reset, methods=["POST"], name="password_reset_post"),
]
