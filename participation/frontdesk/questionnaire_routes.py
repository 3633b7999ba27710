"""Front-desk entry of a questionnaire: a paper form sent in, or a visitor's answers, typed
in on one screen for the resident, then a receipt to print.

One more door to questionnaires.responses.submit_response(): the voter is the front
desk's attested voter (contributions.votes.Voter.attested), the resident's phone hash if
they gave a number (a later response from it, through any door, replaces this one),
else a voter of its own. Refused answers come back kept, with a message beside each
question and all of them at the top.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from participation.accounts.models import StaffUser
from participation.accounts.permissions import MODERATORS, requires_role
from participation.clock import utcnow
from participation.consultations.posters import qr_svg
from participation.contributions.errors import ConsultationNotOpen
from participation.frontdesk.questionnaire_forms import parse_response_entry
from participation.i18n.catalogs import gettext as _
from participation.i18n.formatting import local_zone
from participation.moderation import front_desk_responses as desk
from participation.questionnaires.forms import Answers
from participation.questionnaires.responses import ResponseRefused
from participation.settings import LANGUAGE_NAMES, LANGUAGES
from participation.web import submissions
from participation.web.councils import settings_of
from participation.web.forms import field
from participation.web.templating import public_url, render, url
from participation.web.transactions import read, write


def _kept(answers: Answers) -> dict[str, list[str]]:
    return {f"q-{question_id}": values for question_id, values in answers.items()}


async def _form(
    request: Request, values: dict, answers: Answers, errors: dict, status: int = 200
) -> Response:
    context = await read(request, desk.entry_form, request.path_params["id"])
    context.update(
        values=values,
        answers=_kept(answers),
        errors=errors,
        locale_choices=[(locale, LANGUAGE_NAMES[code]) for code, locale in LANGUAGES.items()],
        today=utcnow().astimezone(local_zone()).date().isoformat(),
    )
    context["error_order"] = [
        "channel",
        "received",
        "locale",
        "questions",
        *(f"q-{question.id}" for question in context["questions"]),
        "voter_phone",
        "attested",
    ]
    return render(request, "frontdesk/questionnaire.html", context, status_code=status)


@requires_role(*MODERATORS)
async def entry_form(request: Request) -> Response:
    today = utcnow().astimezone(local_zone()).date().isoformat()
    values = {"channel": "paper", "locale": "de", "received": today}
    return await _form(request, values, {}, {})


def _messages(refused: ResponseRefused) -> dict[str, str]:
    return {
        f"q-{question_id}": _(problem.message, **problem.values)
        for question_id, problem in refused.problems.items()
    }


def _store(session, consultation_id: int, staff_id: int, entry: desk.ResponseEntry) -> str:
    """The receipt: "REFERENCE locale" of the response stored."""
    recorded = desk.enter_response(session, consultation_id, staff_id, entry)
    return f"{recorded.reference} {entry.locale}"


@requires_role(*MODERATORS)
async def enter(request: Request) -> Response:
    consultation_id = request.path_params["id"]
    staff: StaffUser = request.scope["staff"]
    raw = await request.form()
    settings = settings_of(request)
    form = parse_response_entry(raw, settings, utcnow())
    problems = dict(form.problems)
    if form.entry is not None:
        content = [str(consultation_id), *(form.values[name] for name in sorted(form.values))]
        content += [f"{key}={'|'.join(v)}" for key, v in sorted(form.answers.items())]
        claim = submissions.claim_for(
            settings.secret_key,
            field(raw, "csrf_token", 1000),
            form.values["submission_key"],
            tuple(content),
        )
        try:
            # The same form sent twice (a double click) gets the first one's receipt.
            receipt = await write(
                request,
                submissions.stored_once,
                claim,
                _store,
                consultation_id,
                staff.id,
                form.entry,
            )
        except ResponseRefused as refused:
            problems = _messages(refused)
        except ConsultationNotOpen:
            problems = {
                "received": _(
                    "On the date received, this consultation was not open. Please check the date."
                )
            }
        else:
            return _receipt_redirect(request, receipt)
    return await _form(request, form.values, form.answers, problems, status=422)


def _receipt_redirect(request: Request, receipt: str) -> Response:
    reference, _sep, locale = receipt.partition(" ")
    # The receipt in the resident's language, so it can be handed over as printed.
    lang = next((code for code, value in LANGUAGES.items() if value == locale), "de")
    target = url(request, "frontdesk_questionnaire_receipt", reference=reference, lang=lang)
    return RedirectResponse(target, status_code=303)


@requires_role(*MODERATORS)
async def receipt(request: Request) -> Response:
    context = await read(request, desk.response_receipt, request.path_params["reference"])
    consultation = context["consultation"]
    address = public_url(request, "consultation", slug=consultation.slug)
    context.update(consultation_url=address, qr=qr_svg(address))
    return render(request, "frontdesk/questionnaire_receipt.html", context)


#: Inside the front desk's Mount (routes.py), under /staff/front-desk.
questionnaire_routes = [
    Route("/{id:int}/questionnaire", entry_form, methods=["GET"], name="frontdesk_questionnaire"),
    Route("/{id:int}/questionnaire", enter, methods=["POST"], name="frontdesk_questionnaire_enter"),
    Route(
        "/questionnaire-receipt/{reference}",
        receipt,
        name="frontdesk_questionnaire_receipt",
    ),
]
