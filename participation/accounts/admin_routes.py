"""Staff accounts page for admins: list, create, deactivate, log out everywhere, reset links."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route

from participation.accounts import admin
from participation.accounts.credentials import send_reset_link
from participation.accounts.forms import parse_new_account
from participation.accounts.models import Role, StaffUser
from participation.accounts.passwords import password_problem_text
from participation.accounts.permissions import ADMINS, requires_role
from participation.accounts.service import AccountError
from participation.i18n.catalogs import gettext as _
from participation.web.councils import settings_of
from participation.web.templating import public_url, render, url
from participation.web.transactions import read, write


def account_problem(code: str) -> str:
    return password_problem_text(code) or {
        "exists": _("A staff account with this e-mail address exists already."),
        "invalid_email": _("Please enter an e-mail address."),
        "self": _("You cannot deactivate your own account."),
        "last_admin": _("The last active admin cannot be deactivated."),
        "inactive": _("This account is deactivated. Activate it again first."),
    }.get(code, _("This was not possible."))


def role_labels() -> dict[str, str]:
    return {
        Role.admin.value: _("Admin: everything, including staff accounts"),
        Role.moderator.value: _("Moderator: queue, answers, front desk, publishing results"),
        Role.editor.value: _("Editor: consultation texts"),
    }


def _page(request: Request, users: list[StaffUser], form: dict, errors: dict) -> dict:
    return {
        "users": users,
        "roles": role_labels(),
        "form": form,
        "errors": errors,
        "saved": request.query_params.get("saved", ""),
        "problem": account_problem(request.query_params["problem"])
        if "problem" in request.query_params
        else "",
    }


@requires_role(*ADMINS)
async def accounts(request: Request) -> Response:
    users = await read(request, admin.staff_accounts)
    return render(request, "staff/accounts.html", _page(request, users, {"role": "moderator"}, {}))


@requires_role(*ADMINS)
async def create(request: Request) -> Response:
    staff = request.scope["staff"]
    new = parse_new_account(await request.form())
    errors = {}
    role = new.chosen_role
    if role is None:
        errors["role"] = _("Please choose a role.")
    else:
        try:
            await write(
                request,
                admin.create_account,
                new.email,
                new.password,
                role,
                new.name,
                by_id=staff.id,
            )
        except AccountError as problem:
            code = str(problem)
            errors["password" if code.startswith("too_") else "email"] = account_problem(code)
        else:
            target = url(request, "staff_accounts") + "?saved=created"
            return RedirectResponse(target, status_code=303)
    users = await read(request, admin.staff_accounts)
    context = _page(request, users, new.shown(), errors)
    return render(request, "staff/accounts.html", context, status_code=422)


async def _change(request: Request, action: str) -> Response:
    user_id = request.path_params["id"]
    staff = request.scope["staff"]
    query = {"saved": action}
    try:
        await write(request, admin.change_account, user_id, action, by_id=staff.id)
    except AccountError as problem:
        query = {"problem": str(problem)}
    return RedirectResponse(
        url(request, "staff_accounts") + "?" + urlencode(query), status_code=303
    )


@requires_role(*ADMINS)
async def deactivate(request: Request) -> Response:
    return await _change(request, "deactivate")


@requires_role(*ADMINS)
async def activate(request: Request) -> Response:
    return await _change(request, "activate")


@requires_role(*ADMINS)
async def logout_everywhere(request: Request) -> Response:
    return await _change(request, "logout")


@requires_role(*ADMINS)
async def reset_link(request: Request) -> Response:
    """A one-time link to set a new password, for the admin to pass on (or e-mailed to
    the account when SMTP is set up). Shown once, never stored: only its hash is."""
    user_id = request.path_params["id"]
    staff = request.scope["staff"]
    settings = settings_of(request)
    emailed = bool(settings.smtp_host)
    try:
        email, token = await write(
            request,
            admin.reset_link_for,
            settings.secret_key,
            user_id,
            by_id=staff.id,
            emailed=emailed,
        )
    except AccountError as problem:
        query = urlencode({"problem": str(problem)})
        return RedirectResponse(url(request, "staff_accounts") + "?" + query, status_code=303)
    link = public_url(request, "password_reset", token=token)
    sent = emailed and await run_in_threadpool(send_reset_link, settings, email, link)
    response = render(
        request,
        "staff/reset_link.html",
        {"email": email, "link": None if sent else link, "sent": sent, "tried": emailed},
    )
    response.headers["Cache-Control"] = "no-store"
    return response


#: Under /staff (app.py); the list has no trailing slash, so it stands beside the Mount.
staff_routes = [
    Route("/accounts", accounts, methods=["GET"], name="staff_accounts"),
    Route("/accounts", create, methods=["POST"], name="staff_account_create"),
    Mount(
        "/accounts/{id:int}",
        routes=[
            Route("/deactivate", deactivate, methods=["POST"], name="staff_account_deactivate"),
            Route("/activate", activate, methods=["POST"], name="staff_account_activate"),
            Route("/reset-link", reset_link, methods=["POST"], name="staff_account_reset_link"),
            Route(
                "/logout-everywhere",
                logout_everywhere,
                methods=["POST"],
                name="staff_account_logout",
            ),
        ],
    ),
]
