"""The operator's pages: every council, a new one, one council's settings, hosts and
numbers, suspending, resuming and archiving, and the citizens' texts while the council
grants it. Under /operator/{lang}/ on OPERATOR_HOSTS only (web/councils.py)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from participation.councils.models import CouncilStatus
from participation.councils.service import CONFIGURABLE, CouncilError, normalise_host
from participation.i18n.catalogs import gettext as _
from participation.operator import service
from participation.operator.forms import configure_changes, errors_of, labels, problem_text
from participation.operator.guard import requires_operator
from participation.operator.usage_routes import overview
from participation.outcomes import Forbidden, NotFound
from participation.web.forms import field
from participation.web.templating import render, url
from participation.web.transactions import read, write

#: The status each confirmation page leads to.
ACTIONS = {
    "suspend": CouncilStatus.suspended,
    "resume": CouncilStatus.active,
    "archive": CouncilStatus.archived,
}


def _operator_id(request: Request) -> int:
    return request.scope["operator"].id


def _not_found(problem: CouncilError) -> None:
    if problem.code == "unknown":
        raise NotFound from problem


@requires_operator
async def councils_page(request: Request) -> Response:
    return render(request, "operator/councils.html", await overview(request))


@requires_operator
async def new_form(request: Request) -> Response:
    return render(request, "operator/new.html", {"values": {}, "errors": {}})


@requires_operator
async def create(request: Request) -> Response:
    form = await request.form()
    slug, name = field(form, "slug", 64), field(form, "name", 201)
    try:
        council = await write(request, service.create, _operator_id(request), slug, name)
    except CouncilError as problem:
        context = {"values": {"slug": slug, "name": name}, "errors": errors_of(problem)}
        return render(request, "operator/new.html", context, status_code=422)
    target = url(request, "operator_council", slug=council.slug) + "?done=created"
    return RedirectResponse(target, status_code=303)


async def _council_page(
    request: Request, slug: str, errors: dict | None = None, values: dict | None = None
) -> Response:
    found = await read(request, service.view, slug)
    context = {
        "view": found,
        "labels": labels(),
        "errors": errors or {},
        "values": values or {name: getattr(found.council, name) for name in CONFIGURABLE},
        "done": request.query_params.get("done"),
    }
    return render(request, "operator/council.html", context, status_code=422 if errors else 200)


@requires_operator
async def council_page(request: Request) -> Response:
    return await _council_page(request, request.path_params["slug"])


@requires_operator
async def configure(request: Request) -> Response:
    slug = request.path_params["slug"]
    changes = configure_changes(await request.form())
    try:
        await write(request, service.configure, _operator_id(request), slug, changes)
    except CouncilError as problem:
        _not_found(problem)
        return await _council_page(request, slug, errors_of(problem), changes)
    return RedirectResponse(url(request, "operator_council", slug=slug) + "?done=saved", 303)


async def _add(request: Request, name: str, work, done: str) -> Response:
    slug = request.path_params["slug"]
    value = field(await request.form(), name, 300)
    try:
        if name == "host" and normalise_host(value) in request.app.state.settings.operator_hosts:
            # The operator's host is never a council's (web/councils.py decides it first).
            raise CouncilError("operator_host")
        await write(request, work, _operator_id(request), slug, value)
    except CouncilError as problem:
        _not_found(problem)
        errors = {name: problem_text(problem.code)}
        return await _council_page(request, slug, errors)
    return RedirectResponse(url(request, "operator_council", slug=slug) + f"?done={done}", 303)


@requires_operator
async def add_host(request: Request) -> Response:
    return await _add(request, "host", service.add_host, "host")


@requires_operator
async def add_number(request: Request) -> Response:
    return await _add(request, "number", service.add_number, "number")


def _action(request: Request) -> CouncilStatus:
    status = ACTIONS.get(request.path_params["action"])
    if status is None:
        raise HTTPException(404)
    return status


@requires_operator
async def status_form(request: Request) -> Response:
    status = _action(request)
    found = await read(request, service.view, request.path_params["slug"])
    context = {"view": found, "action": request.path_params["action"], "status": status}
    return render(request, "operator/status.html", context)


@requires_operator
async def change_status(request: Request) -> Response:
    status = _action(request)
    slug = request.path_params["slug"]
    notice = field(await request.form(), "notice", 2000)
    try:
        await write(request, service.set_status, _operator_id(request), slug, status, notice)
    except CouncilError:
        raise NotFound from None  # the only refusal: no council of that name
    done = request.path_params["action"]
    return RedirectResponse(url(request, "operator_council", slug=slug) + f"?done={done}", 303)


@requires_operator
async def texts_page(request: Request) -> Response:
    slug = request.path_params["slug"]
    found = await read(request, service.view, slug)
    try:
        texts = await read(request, service.latest_texts, _operator_id(request), slug)
    except Forbidden:
        message = _(
            "This council has not allowed the operator to read its residents' texts. "
            "Only the council's administrators can allow it, on their staff pages."
        )
        context = {"view": found, "message": message}
        return render(request, "operator/denied.html", context, status_code=403)
    return render(request, "operator/texts.html", {"view": found, "texts": texts})


async def operator_root(request: Request) -> Response:
    language = request.scope.get("language", "de")
    return RedirectResponse(f"/operator/{language}/councils", status_code=303)


routes = [
    Route("/councils", councils_page, methods=["GET"], name="operator_councils"),
    Route("/councils/new", new_form, methods=["GET"], name="operator_council_new"),
    Route("/councils/new", create, methods=["POST"], name="operator_council_create"),
    Route("/councils/{slug}", council_page, methods=["GET"], name="operator_council"),
    Route("/councils/{slug}", configure, methods=["POST"], name="operator_council_configure"),
    Route("/councils/{slug}/hosts", add_host, methods=["POST"], name="operator_add_host"),
    Route("/councils/{slug}/numbers", add_number, methods=["POST"], name="operator_add_number"),
    Route("/councils/{slug}/status/{action}", status_form, methods=["GET"], name="operator_status"),
    Route(
        "/councils/{slug}/status/{action}",
        change_status,
        methods=["POST"],
        name="operator_status_post",
    ),
    Route("/councils/{slug}/texts", texts_page, methods=["GET"], name="operator_texts"),
]
