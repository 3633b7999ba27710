"""Citizen pages: the list of consultations and a consultation with its form."""

from __future__ import annotations

from sqlalchemy import Row
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from participation.consultations import service
from participation.consultations.models import Consultation, Phase, label_of, phase_of
from participation.consultations.posters import public_routes as poster_routes
from participation.contributions.service import count_published
from participation.moderation.queue import public_page
from participation.settings import LANGUAGES
from participation.web.errors import error_response
from participation.web.forms import in_transaction, query_int
from participation.web.templating import language_of, render

PAGE_SIZE = 20


def published_page(
    session: Session, consultation_id: int, before: int | None
) -> tuple[list, int | None]:
    """Newest first, keyset pagination; removed-after-publication ones in their place."""
    return public_page(session, consultation_id, before, PAGE_SIZE)


def consultation_context(
    session: Session, consultation: Consultation | Row, lang: str, before: int | None = None
) -> dict:
    """The page's data; ``consultation`` a model or the plain row of row_by_slug()."""
    locale = LANGUAGES[lang]
    text = service.text_row_for(session, consultation, locale)
    contributions, next_before = published_page(session, consultation.id, before)
    options = service.option_rows(session, consultation.id)
    return {
        "consultation": consultation,
        "text": text,
        "phase": phase_of(consultation),
        "options": options,
        "option_labels": {o.id: label_of(o, locale) for o in options},
        "contributions": contributions,
        "next_before": next_before,
        "published_count": count_published(session, consultation.id),
        "locale": locale,
        # The vote form's values and problems (contributions/vote_routes.py).
        "vote": {},
        "vote_errors": {},
    }


async def home(request: Request) -> Response:
    lang = language_of(request)

    def load(session: Session) -> dict:
        consultations = service.public_consultations(session)
        texts = service.texts_for(session, [c.id for c in consultations])
        groups: dict[str, list] = {"open": [], "upcoming": [], "closed": [], "results": []}
        for c in consultations:
            phase = c.phase()
            text = service.pick_text(texts.get(c.id, []), LANGUAGES[lang], c.default_locale)
            groups.setdefault(phase.value, []).append((c, text))
        return {"groups": groups}

    return render(request, "home/index.html", await in_transaction(request, load))


async def consultation_page(request: Request) -> Response:
    lang = language_of(request)
    slug = request.path_params["slug"]
    before = query_int(request, "before")

    def load(session: Session) -> dict | None:
        consultation = service.row_by_slug(session, slug)
        if consultation is None or phase_of(consultation) is Phase.draft:
            return None
        return consultation_context(session, consultation, lang, before)

    context = await in_transaction(request, load)
    if context is None:
        return error_response(request, 404)
    context.update(form={}, errors={})
    return render(
        request,
        "consultations/page.html",
        context,
        fragment="consultations/_contributions.html" if before else None,
    )


public_routes = [
    Route("/", home, name="home"),
    Route("/c/{slug}", consultation_page, name="consultation"),
    *poster_routes,
]
