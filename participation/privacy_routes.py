"""The data-subject request page for admins: find, export (Art. 15), erase (Art. 17).

Phone numbers and e-mail addresses travel in POST bodies only, never in URLs, so they
do not end up in access logs or browser histories.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from participation import privacy
from participation.accounts.permissions import ADMINS, requires_role
from participation.i18n.catalogs import gettext as _
from participation.privacy_forms import SubjectKeys, parse_subject_keys, subject_keys_problem
from participation.web.councils import settings_of
from participation.web.templating import render
from participation.web.transactions import write


def _refused(request: Request, values: dict, error: str) -> Response:
    context = {"values": values, "found": None, "error": error}
    return render(request, "privacy/requests.html", context, status_code=422)


async def _look_up(request: Request, action: str) -> Response | tuple[SubjectKeys, dict]:
    """The keys from the form and what is stored under them, or the form again saying
    what is wrong with the keys."""
    settings = settings_of(request)
    keys = parse_subject_keys(await request.form())
    error = subject_keys_problem(settings, keys)
    if error:
        return _refused(request, keys.shown(), error)
    staff_id = request.scope["staff"].id
    found = await write(
        request, privacy.look_up_subject, settings, action=action, staff_id=staff_id, **keys.shown()
    )
    return keys, found


@requires_role(*ADMINS)
async def request_form(request: Request) -> Response:
    return render(request, "privacy/requests.html", {"values": {}, "found": None, "error": None})


@requires_role(*ADMINS)
async def find(request: Request) -> Response:
    outcome = await _look_up(request, "privacy.search")
    if isinstance(outcome, Response):
        return outcome
    keys, found = outcome
    return render(
        request, "privacy/requests.html", {"values": keys.shown(), "found": found, "error": None}
    )


@requires_role(*ADMINS)
async def export(request: Request) -> Response:
    outcome = await _look_up(request, "privacy.export")
    if isinstance(outcome, Response):
        return outcome
    _keys, found = outcome
    return Response(
        privacy.export_json(found, settings_of(request)),
        media_type="application/json; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="auskunft-art15.json"',
            "Cache-Control": "no-store",
        },
    )


@requires_role(*ADMINS)
async def erase(request: Request) -> Response:
    settings = settings_of(request)
    form = await request.form()
    keys = parse_subject_keys(form)
    error = subject_keys_problem(settings, keys)
    if not error and form.get("confirm") != "yes":
        error = _("Please tick the box to confirm that everything found should be erased.")
    if error:
        return _refused(request, keys.shown(), error)
    staff_id = request.scope["staff"].id
    counts = await write(
        request, privacy.erase_subject, settings, staff_id=staff_id, **keys.shown()
    )
    return render(request, "privacy/erased.html", {"counts": counts})


#: Under /staff (app.py); the form has no trailing slash, so it stands beside the Mount.
staff_routes = [
    Route("/privacy", request_form, methods=["GET"], name="privacy_requests"),
    Route("/privacy", find, methods=["POST"], name="privacy_find"),
    Mount(
        "/privacy",
        routes=[
            Route("/export", export, methods=["POST"], name="privacy_export"),
            Route("/erase", erase, methods=["POST"], name="privacy_erase"),
        ],
    ),
]
