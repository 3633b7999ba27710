"""The one-page consultation form, behind the set-up steps (setup_routes.py): POST
/staff/consultations/new creates a draft from step one (or from every field at once);
/staff/consultations/{id} leads into the steps; the whole form on one page stays at
/staff/consultations/{id}/all-fields for those who know it, and its POST saves it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from participation.accounts.permissions import EDITORS, requires_role
from participation.consultations import service, setup_routes, setup_steps
from participation.consultations.forms import (
    EDIT_LOCALES,
    code_taken_message,
    parse_consultation,
    poll_locked_message,
    values_from,
)
from participation.consultations.models import Consultation
from participation.moderation import consultation_edits as editing
from participation.web.templating import render, url
from participation.web.transactions import read, write

#: The form's own hint to the browser; the server checks the same bounds in the service.
RETENTION_BOUNDS = {
    "retention_min": service.RETENTION_MIN_DAYS,
    "retention_max": service.RETENTION_MAX_DAYS,
}


def _form_again(
    request: Request, values: dict, errors: dict[str, str], consultation: Consultation | None
) -> Response:
    return render(
        request,
        "staff/consultation_form.html",
        {
            "values": values,
            "errors": errors,
            "consultation": consultation,
            "locales": EDIT_LOCALES,
            **RETENTION_BOUNDS,
        },
        status_code=422,
    )


def _saved(request: Request, consultation: Consultation) -> Response:
    return RedirectResponse(
        url(request, "staff_consultation_all_fields", id=consultation.id) + "?saved=1",
        status_code=303,
    )


def _created(request: Request, consultation: Consultation) -> Response:
    """Step one done: on to the next step of the set-up."""
    following = setup_steps.next_step(setup_steps.STEPS[0].slug)
    target = url(request, "staff_setup_step", id=consultation.id, step=following)
    return RedirectResponse(target + "?saved=1", status_code=303)


@requires_role(*EDITORS)
async def create(request: Request) -> Response:
    form = parse_consultation(await request.form())
    errors = form.errors
    if form.edit is not None:
        staff = request.scope["staff"]
        try:
            consultation = await write(request, editing.create_consultation, form.edit, staff.id)
        except editing.CodeTaken:
            errors = {"code": code_taken_message()}
        else:
            return _created(request, consultation)
    # Step one again, with what was typed and why it was refused.
    first = setup_steps.STEPS[0]
    context = setup_routes.step_context(None, first, form.values, errors)
    return render(request, first.template, context, status_code=422)


@requires_role(*EDITORS)
async def edit(request: Request) -> Response:
    """Editing a consultation goes through the same steps as setting it up."""
    # Looked up first: another council's consultation is a 404 here, not a redirect.
    found = await read(request, editing.for_editing, request.path_params["id"])
    target = url(request, "staff_setup_step", id=found.consultation.id, step="what")
    return RedirectResponse(target, status_code=303)


@requires_role(*EDITORS)
async def edit_form(request: Request) -> Response:
    found = await read(request, editing.for_editing, request.path_params["id"])
    return render(
        request,
        "staff/consultation_form.html",
        {
            "consultation": found.consultation,
            "values": values_from(found),
            "errors": {},
            "locales": EDIT_LOCALES,
            **RETENTION_BOUNDS,
            "saved": request.query_params.get("saved") == "1",
            "has_votes": found.has_votes,
        },
    )


@requires_role(*EDITORS)
async def update(request: Request) -> Response:
    consultation_id = request.path_params["id"]
    form = parse_consultation(await request.form())
    errors = form.errors
    if form.edit is not None:
        staff = request.scope["staff"]
        try:
            consultation = await write(
                request, editing.update_consultation, consultation_id, form.edit, staff.id
            )
        except editing.CodeTaken:
            errors = {"code": code_taken_message()}
        except service.PollLocked as locked:
            # Nothing of this save is kept: the form comes back with what was typed.
            errors = {"poll_kind": poll_locked_message(locked)}
        else:
            return _saved(request, consultation)
    shown = await read(request, editing.find, consultation_id)
    return _form_again(request, form.values, errors, shown)


#: Under /staff (app.py). A consultation's results pages are the results area's, under
#: /staff/consultations/{id}/... (results/staff_routes.py).
staff_routes = [
    Route("/consultations/new", create, methods=["POST"], name="staff_consultation_create"),
    Route("/consultations/{id:int}", edit, methods=["GET"], name="staff_consultation_edit"),
    Route(
        "/consultations/{id:int}/all-fields",
        edit_form,
        methods=["GET"],
        name="staff_consultation_all_fields",
    ),
    Route("/consultations/{id:int}", update, methods=["POST"], name="staff_consultation_update"),
]
