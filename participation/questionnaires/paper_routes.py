"""A consultation's questionnaire as a printable A4 form, in the reader's language: tick
boxes, a scale's five boxes, boxes for a number, lines for a text; its code, a QR code to
its web page, and where to send it (the council's address, postage paid by the council).

Residents print it from the questionnaire page (/c/{slug}/questions/paper); staff print
it from the consultation's pages (/staff/consultations/{id}/questions/paper) in any
phase, in each language, by the language of the address. Filled-in forms come back to
the front desk, which types them in (frontdesk/questionnaire_routes.py).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from participation.accounts.permissions import ANY_STAFF, requires_role
from participation.consultations.posters import qr_svg
from participation.questionnaires import public_pages
from participation.questionnaires.pages import paper_form
from participation.settings import LANGUAGES
from participation.web.templating import language_of, public_url, render
from participation.web.transactions import read


def _render(request: Request, context: dict, staff_page: bool) -> Response:
    address = public_url(request, "questionnaire", slug=context["consultation"].slug)
    context.update(
        questionnaire_url=address,
        qr=qr_svg(address),
        staff_page=staff_page,
        languages=list(LANGUAGES),
    )
    return render(request, "questionnaires/paper.html", context)


async def public_paper(request: Request) -> Response:
    lang = language_of(request)
    context = await read(
        request, public_pages.questionnaire, request.path_params["slug"], LANGUAGES[lang]
    )
    # The web form shows a page at a time; paper carries every question.
    context["questions"] = [q for page in context["pages"] for q in page]
    return _render(request, context, staff_page=False)


@requires_role(*ANY_STAFF)
async def staff_paper(request: Request) -> Response:
    lang = language_of(request)
    context = await read(request, paper_form, request.path_params["id"], LANGUAGES[lang])
    return _render(request, context, staff_page=True)


public_routes = [
    Route("/c/{slug}/questions/paper", public_paper, name="questionnaire_paper"),
]
#: Under /staff (app.py), beside the question builder.
staff_routes = [
    Route("/consultations/{id:int}/questions/paper", staff_paper, name="staff_questionnaire_paper"),
]
