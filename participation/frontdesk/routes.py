"""Front-desk entry: staff type in a letter or what a visitor said, for the resident.

The form is one more door to contributions.service.submit_contribution (channel paper or
in_person, the date it was received, entered_by_id = the staff member), then a receipt
with the reference number to print and hand over. An answer to the poll goes to
contributions.votes.submit_vote, only when the staff member attests that the resident
gave it: the voter is the resident's phone hash if they gave a number (so a later SMS
or web vote from it replaces this one), else a voter of its own. The form is read and
checked in forms.py; what is read and stored, with the audit entries, is
moderation/front_desk.py.
"""

from __future__ import annotations

import segno
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route

from participation.accounts.models import StaffUser
from participation.accounts.permissions import MODERATORS, requires_role
from participation.clock import utcnow
from participation.contributions import errors
from participation.contributions.labels import refusal_beside_field
from participation.frontdesk.forms import parse_entry
from participation.frontdesk.questionnaire_routes import questionnaire_routes
from participation.i18n.catalogs import gettext as _
from participation.moderation import front_desk
from participation.moderation.front_desk import Entry
from participation.settings import LANGUAGES
from participation.web import submissions
from participation.web.councils import settings_of
from participation.web.errors import page
from participation.web.forms import field
from participation.web.templating import public_url, render, url
from participation.web.transactions import read, write

#: The receipt a vote without a text leaves for its form key: it has no reference.
VOTE_ONLY_RECEIPT = "-"


@requires_role(*MODERATORS)
async def index(request: Request) -> Response:
    return await page(request, "frontdesk/index.html", front_desk.enterable_rows)


@requires_role(*MODERATORS)
async def entry_form(request: Request) -> Response:
    values = {"channel": "paper", "locale": "de"}
    context = await read(request, front_desk.entry_form, request.path_params["id"], values)
    context["values"]["received"] = context["today"]
    context["voted"] = request.query_params.get("voted") == "1"
    return render(request, "frontdesk/form.html", context)


def _refusal(error: errors.ContributionRefused) -> tuple[str, str]:
    if isinstance(error, errors.ConsultationNotOpen):
        return "received", _(
            "On the date received, this consultation was not open. Please check the date."
        )
    if isinstance(error, errors.TooLong):
        return "body", _(
            "The text has %(length)s characters; the limit is %(limit)s.",
            length=error.length,
            limit=error.limit,
        )
    if isinstance(error, errors.EmptyContribution):
        return "body", _("Please type the text or choose an answer to the question.")
    return refusal_beside_field(error) or ("body", _("The contribution could not be stored."))


def _store_entry(
    session: Session, consultation_id: int, staff_id: int, entry: Entry, max_chars: int
) -> str:
    """The receipt: "REFERENCE locale" for a text, VOTE_ONLY_RECEIPT for an answer alone
    (so that one sent twice is not a second attested voter)."""
    consultation = front_desk.enterable(session, consultation_id)
    submitted = front_desk.enter(session, consultation, staff_id, entry, max_chars)
    if submitted is None:
        return VOTE_ONLY_RECEIPT
    return f"{submitted.reference} {entry.locale}"


@requires_role(*MODERATORS)
async def enter(request: Request) -> Response:
    consultation_id = request.path_params["id"]
    staff: StaffUser = request.scope["staff"]
    raw = await request.form()
    settings = settings_of(request)
    form = parse_entry(raw, settings, utcnow())
    claim = submissions.claim_for(
        settings.secret_key,
        field(raw, "csrf_token", 1000),
        form.values["submission_key"],
        (str(consultation_id), *(form.values[name] for name in sorted(form.values))),
    )
    problems = form.problems
    if form.entry is not None:
        try:
            # The same form sent twice (a double click) gets the first one's receipt.
            receipt = await write(
                request,
                submissions.stored_once,
                claim,
                _store_entry,
                consultation_id,
                staff.id,
                form.entry,
                settings.max_contribution_chars,
            )
        except errors.ContributionRefused as refused:
            name, message = _refusal(refused)
            problems = {name: message}
        else:
            return _entry_response(request, consultation_id, receipt)
    # The form as typed, with what is wrong, after a check or a refusal.
    context = await read(request, front_desk.entry_form, consultation_id, form.values)
    context["errors"] = problems
    return render(request, "frontdesk/form.html", context, status_code=422)


def _entry_response(request: Request, consultation_id: int, receipt: str) -> Response:
    if receipt == VOTE_ONLY_RECEIPT:
        # A vote alone has no reference number: the form again, for the next resident.
        return RedirectResponse(
            url(request, "frontdesk_form", id=consultation_id) + "?voted=1", status_code=303
        )
    reference, _sep, locale = receipt.partition(" ")
    # The receipt in the resident's language, so it can be handed over as printed.
    lang = next((code for code, value in LANGUAGES.items() if value == locale), "de")
    return RedirectResponse(
        url(request, "frontdesk_receipt", reference=reference, lang=lang), status_code=303
    )


@requires_role(*MODERATORS)
async def receipt(request: Request) -> Response:
    context = await read(request, front_desk.receipt, request.path_params["reference"])
    reference = context["contribution"].reference
    status_url = public_url(request, "contribution_status", reference=reference)
    # A QR code to the status page, drawn as inline SVG (no image request, CSP-safe).
    context["status_url"] = status_url
    context["qr_svg"] = segno.make(status_url, error="m").svg_inline(
        scale=3, dark="#000", omitsize=True, title=None
    )
    return render(request, "frontdesk/receipt.html", context)


#: Under /staff (app.py); the index has no trailing slash, so it stands beside the Mount.
staff_routes = [
    Route("/front-desk", index, name="frontdesk"),
    Mount(
        "/front-desk",
        routes=[
            Route("/{id:int}", entry_form, methods=["GET"], name="frontdesk_form"),
            Route("/{id:int}", enter, methods=["POST"], name="frontdesk_enter"),
            Route("/receipt/{reference}", receipt, name="frontdesk_receipt"),
            *questionnaire_routes,
        ],
    ),
]
