"""The clerk's set-up of a consultation, one short page a step:

    /staff/consultations/new                 step one for a new consultation
    /staff/consultations/{id}/setup/{step}   what, answers, phone, languages, en, tr, ...
    /staff/consultations/{id}/preview/{door} web, sms, phone, poster
    /staff/consultations/{id}/readiness      what is missing, and "open"

Every step saves on its own and leads on to the next; a refused step comes back with
what was typed and the reasons, at the top and beside each field.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from participation.accounts.permissions import EDITORS, requires_role
from participation.consultations import readiness, service, setup_steps
from participation.consultations.forms import code_taken_message, poll_locked_message, values_from
from participation.consultations.setup_forms import StepForm
from participation.consultations.setup_steps import Step
from participation.moderation import consultation_edits as editing
from participation.moderation import consultation_setup as setup
from participation.settings import LANGUAGES
from participation.web.templating import render, url
from participation.web.transactions import read, write

RETENTION_BOUNDS = {
    "retention_min": service.RETENTION_MIN_DAYS,
    "retention_max": service.RETENTION_MAX_DAYS,
}


def _step_or_404(request: Request) -> Step:
    step = setup_steps.find_step(request.path_params["step"])
    if step is None:
        raise HTTPException(404)
    return step


def step_url(request: Request, consultation_id: int, step: str) -> str:
    return url(request, "staff_setup_step", id=consultation_id, step=step)


def _short_text_locale(step: Step) -> str | None:
    """Which language's short text a step shows, with its counts: German on "phone"."""
    if step.slug == "phone":
        return "de"
    return LANGUAGES[step.slug] if step.slug in setup_steps.FURTHER_LANGUAGES else None


def _counts(found: editing.Editing, values: dict, locale: str) -> setup_steps.TextCounts:
    """The phone and SMS counts of one language's short text, as typed."""
    code_name = next(code for code, each in LANGUAGES.items() if each == locale)
    title = values.get(f"title:{locale}") or values.get("title:de") or ""
    text = values.get(f"phone_summary:{locale}") or ""
    return setup_steps.count_text(text, code_name, code=found.consultation.code, title=title)


def step_context(found: editing.Editing | None, step: Step, values: dict, errors: dict) -> dict:
    steps = list(setup_steps.STEPS)
    context: dict[str, Any] = {
        "consultation": found.consultation if found else None,
        "editing": found,
        "step": step,
        "steps": steps,
        "values": values,
        "errors": errors,
        "language_names": setup_steps.LANGUAGE_NAMES,
        "further_languages": setup_steps.FURTHER_LANGUAGES,
        "counts": {},
        **RETENTION_BOUNDS,
    }
    if step.slug in setup_steps.FURTHER_LANGUAGES:
        context["code"] = step.slug
        context["locale"] = LANGUAGES[step.slug]
    locale = _short_text_locale(step)
    if found is not None and locale is not None:
        context["counts"] = {locale: _counts(found, values, locale)}
    if found is not None and step.slug == "languages":
        context["states"] = readiness.language_states(found)
        context["part_names"] = readiness.part_names()
    return context


def _first_step() -> Step:
    return setup_steps.STEPS[0]


@requires_role(*EDITORS)
async def new_consultation(request: Request) -> Response:
    values = {"retention_days": str(service.RETENTION_DEFAULT_DAYS)}
    context = step_context(None, _first_step(), values, {})
    return render(request, _first_step().template, context)


@requires_role(*EDITORS)
async def show_step(request: Request) -> Response:
    step = _step_or_404(request)
    found = await read(request, editing.for_editing, request.path_params["id"])
    context = step_context(found, step, values_from(found), {})
    context["saved"] = request.query_params.get("saved") == "1"
    return render(request, step.template, context)


async def _save(request: Request, step: Step, form: StepForm) -> dict[str, str]:
    """The step saved (no errors back), or the errors that kept it from being saved."""
    staff = request.scope["staff"]
    try:
        await write(request, step.save, request.path_params["id"], form.parsed, staff.id)
    except editing.CodeTaken:
        return {"code": code_taken_message()}
    except service.PollLocked as locked:
        return {"poll_kind": poll_locked_message(locked)}
    return {}


@requires_role(*EDITORS)
async def save_step(request: Request) -> Response:
    step = _step_or_404(request)
    consultation_id = request.path_params["id"]
    form = step.parse(await request.form())
    errors = form.errors or await _save(request, step, form)
    if not errors:
        following = setup_steps.next_step(step.slug)
        target = (
            step_url(request, consultation_id, following)
            if following
            else (url(request, "staff_setup_readiness", id=consultation_id))
        )
        return RedirectResponse(target + "?saved=1", status_code=303)
    found = await read(request, editing.for_editing, consultation_id)
    values = {**values_from(found), **form.values}
    context = step_context(found, step, values, errors)
    return render(request, step.template, context, status_code=422)


@requires_role(*EDITORS)
async def text_counts(request: Request) -> Response:
    """The counts beside a short text, live while it is typed (htmx, GET: nothing saved)."""
    found = await read(request, editing.for_editing, request.path_params["id"])
    values = {k: v for k, v in request.query_params.items() if k.startswith(("phone_", "title:"))}
    locale = request.query_params.get("locale", "de")
    if locale not in LANGUAGES.values():
        raise HTTPException(400)
    return render(
        request,
        "staff/setup/_counts.html",
        {"count": _counts(found, values, locale), "locale": locale},
        headers={"Vary": "HX-Request"},
    )


@requires_role(*EDITORS)
async def readiness_page(request: Request) -> Response:
    return await _readiness(request, confirm=False)


async def _readiness(request: Request, *, confirm: bool) -> Response:
    found = await read(request, editing.for_editing, request.path_params["id"])
    gaps = readiness.gaps_of(found) + await read(
        request, readiness.questionnaire_gaps, found.consultation.id
    )
    context = {
        "consultation": found.consultation,
        "editing": found,
        "steps": setup_steps.STEPS,
        "step": None,
        "gaps": gaps,
        "door_names": readiness.door_names(),
        "language_names": setup_steps.LANGUAGE_NAMES,
        "states": readiness.language_states(found),
        "confirm": confirm,
        "opened": request.query_params.get("opened") == "1",
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "staff/setup/readiness.html", context)


@requires_role(*EDITORS)
async def open_consultation(request: Request) -> Response:
    """Opens it; with gaps, only once the clerk has seen them and confirmed."""
    consultation_id = request.path_params["id"]
    form = await request.form()
    found = await read(request, editing.for_editing, consultation_id)
    gaps = readiness.gaps_of(found) or await read(
        request, readiness.questionnaire_gaps, consultation_id
    )
    if gaps and form.get("confirm") != "1":
        return await _readiness(request, confirm=True)
    await write(request, setup.open_to_public, consultation_id, request.scope["staff"].id)
    target = url(request, "staff_setup_readiness", id=consultation_id) + "?opened=1"
    return RedirectResponse(target, status_code=303)


@requires_role(*EDITORS)
async def back_to_draft(request: Request) -> Response:
    consultation_id = request.path_params["id"]
    await write(request, setup.back_to_draft, consultation_id, request.scope["staff"].id)
    target = url(request, "staff_setup_readiness", id=consultation_id)
    return RedirectResponse(target, status_code=303)


#: Under /staff (app.py), beside the one-page form's routes (staff_routes.py).
setup_routes = [
    Route("/consultations/new", new_consultation, methods=["GET"], name="staff_consultation_new"),
    Route(
        "/consultations/{id:int}/setup/{step}", show_step, methods=["GET"], name="staff_setup_step"
    ),
    Route(
        "/consultations/{id:int}/setup/{step}",
        save_step,
        methods=["POST"],
        name="staff_setup_save",
    ),
    Route("/consultations/{id:int}/counts", text_counts, name="staff_setup_counts"),
    Route("/consultations/{id:int}/readiness", readiness_page, name="staff_setup_readiness"),
    Route(
        "/consultations/{id:int}/open",
        open_consultation,
        methods=["POST"],
        name="staff_setup_open",
    ),
    Route(
        "/consultations/{id:int}/draft", back_to_draft, methods=["POST"], name="staff_setup_draft"
    ),
]
