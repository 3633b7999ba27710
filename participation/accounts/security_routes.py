"""Staff account security: the one-time-code step at login, enrolment, log out everywhere."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from participation.accounts import security, throttle, totp
from participation.accounts.models import StaffUser
from participation.accounts.permissions import ANY_STAFF, requires_role
from participation.accounts.routes import begin_staff_session, client_address
from participation.clock import utcnow
from participation.i18n.catalogs import gettext as _
from participation.web.councils import settings_of
from participation.web.forms import field
from participation.web.templating import render, url
from participation.web.transactions import write

#: Time between a right password and the code; after it the password is asked again.
PENDING_SECONDS = 300


def _pending(request: Request) -> tuple[int, int] | None:
    store = request.session
    staff_id, version, since = (
        store.get("pending_staff"),
        store.get("pending_sv"),
        store.get("pending_at"),
    )
    if not (isinstance(staff_id, int) and isinstance(version, int) and isinstance(since, int)):
        return None
    if utcnow().timestamp() - since > PENDING_SECONDS:
        return None
    return staff_id, version


async def login_code_form(request: Request) -> Response:
    if _pending(request) is None:
        return RedirectResponse(url(request, "login"), status_code=303)
    return render(request, "accounts/totp_verify.html", {"error": None})


async def login_code(request: Request) -> Response:
    pending = _pending(request)
    if pending is None:
        request.session.clear()
        return RedirectResponse(url(request, "login"), status_code=303)
    staff_id, version = pending
    form = await request.form()
    code = field(form, "code", 40)
    settings = settings_of(request)
    address = throttle.address_key(settings.secret_key, client_address(request))

    right = await write(
        request, security.login_code_ok, settings.secret_key, staff_id, version, address, code
    )
    if not right:
        return render(
            request,
            "accounts/totp_verify.html",
            {
                "error": _(
                    "That code is not right or was already used. Please type the code "
                    "your app shows now."
                )
            },
            status_code=401,
        )
    target = request.session.get("pending_next") or url(request, "staff_home")
    begin_staff_session(request.session, staff_id, version)
    return RedirectResponse(target, status_code=303)


def _security_context(request: Request, user: StaffUser) -> dict:
    settings = settings_of(request)
    context: dict = {"enabled": bool(user.totp_secret), "error": None, "done": None}
    if not user.totp_secret:
        # The new secret waits in the (signed, HttpOnly) session until a code proves it.
        secret = request.session.get("totp_setup")
        if not isinstance(secret, str) or len(secret) != 32:
            secret = totp.new_secret()
            request.session["totp_setup"] = secret
        uri = totp.provisioning_uri(secret, user.email, settings.council_name)
        context.update(qr=totp.qr_data_uri(uri), secret=totp.grouped(secret))
    return context


@requires_role(*ANY_STAFF)
async def security_page(request: Request) -> Response:
    user: StaffUser = request.scope["staff"]
    context = _security_context(request, user)
    context["done"] = request.query_params.get("done")
    return render(request, "accounts/totp_setup.html", context)


def _wrong_code(request: Request, user: StaffUser, message: str) -> Response:
    context = _security_context(request, user)
    context["error"] = message
    return render(request, "accounts/totp_setup.html", context, status_code=422)


@requires_role(*ANY_STAFF)
async def enable_code(request: Request) -> Response:
    user: StaffUser = request.scope["staff"]
    settings = settings_of(request)
    form = await request.form()
    code = field(form, "code", 40)
    secret = request.session.get("totp_setup")

    enabled = await write(
        request, security.enable_second_factor, settings.secret_key, user.id, secret, code
    )
    if not enabled:
        return _wrong_code(
            request,
            user,
            _(
                "That code is not right. Check that the app shows the code for this account "
                "and type the six digits it shows now."
            ),
        )
    request.session.pop("totp_setup", None)
    return RedirectResponse(url(request, "account_security") + "?done=enabled", status_code=303)


@requires_role(*ANY_STAFF)
async def disable_code(request: Request) -> Response:
    user: StaffUser = request.scope["staff"]
    settings = settings_of(request)
    form = await request.form()
    code = field(form, "code", 40)

    if not await write(request, security.disable_second_factor, settings.secret_key, user.id, code):
        return _wrong_code(request, user, _("That code is not right. The second factor stays on."))
    return RedirectResponse(url(request, "account_security") + "?done=disabled", status_code=303)


@requires_role(*ANY_STAFF)
async def logout_everywhere(request: Request) -> Response:
    user: StaffUser = request.scope["staff"]

    await write(request, security.log_out_everywhere, user.id)
    request.session.clear()
    return RedirectResponse(url(request, "login"), status_code=303)


#: Under /staff (app.py).
staff_routes = [
    Route("/login/code", login_code_form, methods=["GET"], name="login_totp"),
    Route("/login/code", login_code, methods=["POST"], name="login_totp_post"),
    Route("/account/security", security_page, methods=["GET"], name="account_security"),
    Route("/account/totp/enable", enable_code, methods=["POST"], name="totp_enable"),
    Route("/account/totp/disable", disable_code, methods=["POST"], name="totp_disable"),
    Route(
        "/account/logout-everywhere", logout_everywhere, methods=["POST"], name="logout_everywhere"
    ),
]
