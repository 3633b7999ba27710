"""The data-subject request page for admins: find, export (Art. 15), erase (Art. 17).

Phone numbers and e-mail addresses travel in POST bodies only, never in URLs, so they
do not end up in access logs or browser histories.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from participation import privacy
from participation.accounts.permissions import ADMINS, requires_role
from participation.contributions.reference import parse_reference
from participation.i18n.catalogs import gettext as _
from participation.moderation.service import audit
from participation.settings import Settings
from participation.web.forms import field, in_transaction
from participation.web.templating import render

T = TypeVar("T")


def _identifiers(form) -> dict[str, str]:
    return {
        "reference": field(form, "reference", 40).strip(),
        "phone": field(form, "phone", 40).strip(),
        "email": field(form, "email", 254).strip(),
    }


def _problem(request: Request, values: dict[str, str]) -> str | None:
    settings = request.app.state.settings
    if not any(values.values()):
        return _("Please enter a reference number, a phone number or an e-mail address.")
    if values["phone"] and privacy.resolve_phone(settings, values["phone"]) is None:
        return _("That is not a phone number we can read. Please type it with the area code.")
    if values["reference"] and parse_reference(values["reference"]) is None:
        return _("That is not a valid reference number (8 digits, e.g. 4711-2093).")
    return None


def _kinds(values: dict[str, str]) -> list[str]:
    return sorted(name for name, value in values.items() if value)


def _refused(request: Request, values: dict, error: str) -> Response:
    context = {"values": values, "found": None, "error": error}
    return render(request, "privacy/requests.html", context, status_code=422)


async def _look_up(
    request: Request, action: str, shape: Callable[[dict, Settings], T]
) -> Response | tuple[dict[str, str], T]:
    """The identifiers from the form and what is stored under them (shaped), or the form
    again saying what is wrong with them."""
    values = _identifiers(await request.form())
    error = _problem(request, values)
    if error:
        return _refused(request, values, error)
    settings = request.app.state.settings
    staff_id = request.scope["staff"].id

    def load(session: Session) -> T:
        found = privacy.find_subject_data(session, settings, **values)
        # Looking at a person's data is itself recorded: which kinds of key, not the keys.
        audit(session, action, staff_id=staff_id, by=_kinds(values))
        return shape(found, settings)

    return values, await in_transaction(request, load, write=True)


@requires_role(*ADMINS)
async def request_form(request: Request) -> Response:
    return render(request, "privacy/requests.html", {"values": {}, "found": None, "error": None})


@requires_role(*ADMINS)
async def find(request: Request) -> Response:
    outcome = await _look_up(request, "privacy.search", lambda found, settings: found)
    if isinstance(outcome, Response):
        return outcome
    values, found = outcome
    return render(
        request, "privacy/requests.html", {"values": values, "found": found, "error": None}
    )


@requires_role(*ADMINS)
async def export(request: Request) -> Response:
    outcome = await _look_up(request, "privacy.export", privacy.export_json)
    if isinstance(outcome, Response):
        return outcome
    _values, document = outcome
    return Response(
        document,
        media_type="application/json; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="auskunft-art15.json"',
            "Cache-Control": "no-store",
        },
    )


@requires_role(*ADMINS)
async def erase(request: Request) -> Response:
    form = await request.form()
    values = _identifiers(form)
    error = _problem(request, values)
    if not error and form.get("confirm") != "yes":
        error = _("Please tick the box to confirm that everything found should be erased.")
    if error:
        return _refused(request, values, error)
    settings = request.app.state.settings
    staff_id = request.scope["staff"].id
    counts = await in_transaction(
        request,
        lambda s: privacy.erase_subject(s, settings, staff_id=staff_id, **values),
        write=True,
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
