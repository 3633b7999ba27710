"""Staff accounts page for admins: list, create, deactivate, log out everywhere, reset links."""

from __future__ import annotations

from urllib.parse import urlencode

from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route

from participation.accounts.credentials import issue_reset_link, send_reset_link
from participation.accounts.models import Role, StaffUser
from participation.accounts.passwords import password_problem_text
from participation.accounts.permissions import ADMINS, requires_role
from participation.accounts.service import AccountError, create_staff
from participation.i18n.catalogs import gettext as _
from participation.moderation.service import audit_account
from participation.web.errors import error_response
from participation.web.forms import field, in_transaction
from participation.web.templating import render, url


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


def log_out_everywhere(session: Session, user: StaffUser) -> None:
    """Sessions carry the session_version they were issued with; raising it ends them all."""
    user.session_version += 1
    session.add(user)


def set_active(session: Session, user: StaffUser, active: bool, by: StaffUser) -> None:
    if not active:
        if user.id == by.id:
            raise AccountError("self")
        if user.role is Role.admin:
            admins = session.exec(
                select(StaffUser.id).where(
                    StaffUser.role == Role.admin,
                    StaffUser.is_active == True,  # noqa: E712
                    col(StaffUser.id) != user.id,
                )
            ).first()
            if admins is None:
                raise AccountError("last_admin")
        log_out_everywhere(session, user)
        # An outstanding reset link must not outlive the account: activating it again
        # later would otherwise bring the link back to life.
        user.reset_token_hash = None
        user.reset_expires_at = None
    user.is_active = active
    session.add(user)


def _page(session: Session, request: Request, form: dict, errors: dict) -> dict:
    return {
        "users": list(session.exec(select(StaffUser).order_by(col(StaffUser.email))).all()),
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
    context = await in_transaction(request, lambda s: _page(s, request, {"role": "moderator"}, {}))
    return render(request, "staff/accounts.html", context)


@requires_role(*ADMINS)
async def create(request: Request) -> Response:
    staff = request.scope["staff"]
    raw = await request.form()
    form = {
        "email": field(raw, "email", 254),
        "name": field(raw, "name", 200),
        "role": field(raw, "role", 20),
        "password": field(raw, "password", 2000),
    }

    def store(session: Session) -> dict | None:
        errors = {}
        if form["role"] not in Role.__members__:
            errors["role"] = _("Please choose a role.")
        else:
            try:
                user = create_staff(
                    session, form["email"], form["password"], Role(form["role"]), form["name"]
                )
            except AccountError as problem:
                code = str(problem)
                errors["password" if code.startswith("too_") else "email"] = account_problem(code)
            else:
                audit_account(
                    session, "staff.create", user.id, staff_id=staff.id, role=user.role.value
                )
                return None
        session.rollback()
        return _page(session, request, {**form, "password": ""}, errors)

    context = await in_transaction(request, store, write=True)
    if context is None:
        return RedirectResponse(url(request, "staff_accounts") + "?saved=created", status_code=303)
    return render(request, "staff/accounts.html", context, status_code=422)


async def _change(request: Request, action: str) -> Response:
    user_id = request.path_params["id"]
    staff = request.scope["staff"]

    def store(session: Session) -> str | None:
        user = session.get(StaffUser, user_id)
        if user is None:
            return "missing"
        try:
            if action == "logout":
                log_out_everywhere(session, user)
            else:
                set_active(session, user, action == "activate", staff)
        except AccountError as problem:
            return str(problem)
        audit_account(session, f"staff.{action}", user.id, staff_id=staff.id)
        return None

    problem = await in_transaction(request, store, write=True)
    if problem == "missing":
        return error_response(request, 404)
    query = {"problem": problem} if problem else {"saved": action}
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
    settings = request.app.state.settings
    emailed = bool(settings.smtp_host)

    def store(session: Session) -> tuple[str, str] | str:
        user = session.get(StaffUser, user_id)
        if user is None:
            return "missing"
        try:
            token = issue_reset_link(session, settings.secret_key, user)
        except AccountError as problem:
            return str(problem)
        audit_account(session, "staff.reset_link", user.id, staff_id=staff.id, emailed=emailed)
        return user.email, token

    found = await in_transaction(request, store, write=True)
    if found == "missing":
        return error_response(request, 404)
    if isinstance(found, str):
        query = urlencode({"problem": found})
        return RedirectResponse(url(request, "staff_accounts") + "?" + query, status_code=303)
    email, token = found
    link = settings.public_base_url + url(request, "password_reset", token=token)
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
