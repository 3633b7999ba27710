"""The operator's login (password, then the one-time code where it is on), its second
factor's set-up, and logout. Under /operator/{lang}/ on OPERATOR_HOSTS only."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from participation.accounts import throttle, totp
from participation.accounts.routes import client_address
from participation.clock import utcnow
from participation.i18n.catalogs import gettext as _
from participation.operator import accounts
from participation.operator.guard import begin_operator_session, requires_operator
from participation.operator.models import OperatorAccount
from participation.paths import same_origin_path
from participation.web.csrf import start_session_binding
from participation.web.forms import field
from participation.web.templating import render, url
from participation.web.transactions import write

#: Time between a right password and the code; after it the password is asked again.
PENDING_SECONDS = 300


def _address(request: Request) -> str:
    secret_key = request.app.state.settings.secret_key
    return throttle.address_key(secret_key, client_address(request), accounts.THROTTLE_PURPOSE)


async def login_form(request: Request) -> Response:
    next_url = same_origin_path(request.query_params.get("next", ""))
    return render(request, "operator/login.html", {"next": next_url, "email": "", "error": None})


async def login(request: Request) -> Response:
    form = await request.form()
    email = field(form, "email", 254)
    password = field(form, "password", 1024)
    target = same_origin_path(field(form, "next", 500), url(request, "operator_councils"))
    engine = request.app.state.engine
    found = await run_in_threadpool(accounts.log_in, engine, email, password, _address(request))
    if found is None:
        error = _(
            "The e-mail address or password is not right, or the "
            "account is locked for a while after too many attempts."
        )
        context = {"next": target, "email": email, "error": error}
        return render(request, "operator/login.html", context, status_code=401)
    if found.second_factor:
        # Password right; the session becomes the operator's only after the code.
        request.session.clear()
        request.session.update(
            {
                "pending_operator": found.operator_id,
                "pending_operator_sv": found.session_version,
                "pending_at": int(utcnow().timestamp()),
                "pending_next": target,
            }
        )
        start_session_binding(request.session)
        return RedirectResponse(url(request, "operator_login_code"), status_code=303)
    begin_operator_session(request.session, found.operator_id, found.session_version)
    return RedirectResponse(target, status_code=303)


def _pending(request: Request) -> tuple[int, int] | None:
    store = request.session
    operator_id, version = store.get("pending_operator"), store.get("pending_operator_sv")
    since = store.get("pending_at")
    if not (isinstance(operator_id, int) and isinstance(version, int) and isinstance(since, int)):
        return None
    if utcnow().timestamp() - since > PENDING_SECONDS:
        return None
    return operator_id, version


async def code_form(request: Request) -> Response:
    if _pending(request) is None:
        return RedirectResponse(url(request, "operator_login"), status_code=303)
    return render(request, "operator/code.html", {"error": None})


async def code(request: Request) -> Response:
    pending = _pending(request)
    if pending is None:
        request.session.clear()
        return RedirectResponse(url(request, "operator_login"), status_code=303)
    form = await request.form()
    secret_key = request.app.state.settings.secret_key
    right = await write(
        request,
        accounts.login_code_ok,
        secret_key,
        *pending,
        _address(request),
        field(form, "code", 40),
    )
    if not right:
        error = _(
            "That code is not right or was already used. Please type the code your app shows now."
        )
        return render(request, "operator/code.html", {"error": error}, status_code=401)
    target = request.session.get("pending_next") or url(request, "operator_councils")
    begin_operator_session(request.session, *pending)
    return RedirectResponse(target, status_code=303)


@requires_operator
async def logout(request: Request) -> Response:
    account: OperatorAccount = request.scope["operator"]
    await write(request, accounts.end_sessions, account.id, request.session.get("operator_sv"))
    request.session.clear()
    return RedirectResponse(url(request, "operator_login"), status_code=303)


def _security(request: Request, account: OperatorAccount, error: str | None = None) -> dict:
    context: dict = {"enabled": bool(account.totp_secret), "error": error}
    if not account.totp_secret:
        # The new secret waits in the (signed, HttpOnly) session until a code proves it.
        secret = request.session.get("operator_totp_setup")
        if not isinstance(secret, str) or len(secret) != 32:
            secret = request.session["operator_totp_setup"] = totp.new_secret()
        uri = totp.provisioning_uri(secret, account.email, request.url.hostname or "operator")
        context.update(qr=totp.qr_data_uri(uri), secret=totp.grouped(secret))
    return context


@requires_operator
async def security_page(request: Request) -> Response:
    context = _security(request, request.scope["operator"])
    context["done"] = request.query_params.get("done")
    return render(request, "operator/security.html", context)


@requires_operator
async def enable_code(request: Request) -> Response:
    account: OperatorAccount = request.scope["operator"]
    form = await request.form()
    secret_key = request.app.state.settings.secret_key
    secret = request.session.get("operator_totp_setup")
    code = field(form, "code", 40)
    if not await write(
        request, accounts.enable_second_factor, secret_key, account.id, secret, code
    ):
        error = _(
            "That code is not right. Check that the app shows the code for this account "
            "and type the six digits it shows now."
        )
        return render(
            request, "operator/security.html", _security(request, account, error), status_code=422
        )
    request.session.pop("operator_totp_setup", None)
    return RedirectResponse(url(request, "operator_security") + "?done=enabled", status_code=303)


routes = [
    Route("/login", login_form, methods=["GET"], name="operator_login"),
    Route("/login", login, methods=["POST"], name="operator_login_post"),
    Route("/login/code", code_form, methods=["GET"], name="operator_login_code"),
    Route("/login/code", code, methods=["POST"], name="operator_login_code_post"),
    Route("/logout", logout, methods=["POST"], name="operator_logout"),
    Route("/security", security_page, methods=["GET"], name="operator_security"),
    Route("/security/totp", enable_code, methods=["POST"], name="operator_totp_enable"),
]
