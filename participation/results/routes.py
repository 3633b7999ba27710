"""The public results page and its downloads (published contributions only)."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from participation.consultations import service as consultations
from participation.consultations.models import Consultation, Phase
from participation.db import session_scope
from participation.results import service
from participation.settings import LANGUAGES
from participation.web.errors import error_response
from participation.web.forms import in_transaction
from participation.web.templating import language_of, render


def _published(session: Session, slug: str) -> Consultation | None:
    consultation = consultations.get_by_slug(session, slug)
    if consultation is None or consultation.phase() is not Phase.results:
        return None
    return consultation


async def results_page(request: Request) -> Response:
    lang = language_of(request)
    slug = request.path_params["slug"]

    def load(session: Session) -> dict | None:
        consultation = _published(session, slug)
        if consultation is None:
            return None
        return {
            "consultation": consultation,
            "text": consultations.text_for(session, consultation, LANGUAGES[lang]),
            "summary": service.summarise(session, consultation),
            "locale": LANGUAGES[lang],
        }

    context = await in_transaction(request, load)
    if context is None:
        return error_response(request, 404)
    return render(request, "results/page.html", context)


def _stream(request: Request, slug: str, kind: str):  # noqa: ANN202
    engine = request.app.state.engine

    def generate():  # noqa: ANN202
        with session_scope(engine) as session:
            consultation = _published(session, slug)
            assert consultation is not None
            if kind == "csv":
                yield from service.export_csv(session, consultation)
            else:
                text = consultations.text_for(session, consultation, consultation.default_locale)
                summary = service.summarise(session, consultation)
                yield from service.export_json(
                    session, consultation, summary, text.text.title if text else ""
                )

    return generate()


async def download(request: Request) -> Response:
    slug = request.path_params["slug"]
    kind = request.path_params["kind"]
    if kind not in {"csv", "json"}:
        return error_response(request, 404)
    found = await in_transaction(request, lambda s: _published(s, slug) is not None)
    if not found:
        return error_response(request, 404)
    media = "text/csv; charset=utf-8" if kind == "csv" else "application/json"
    return StreamingResponse(
        _stream(request, slug, kind),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{slug}-results.{kind}"'},
    )


routes = [
    Route("/c/{slug}/results", results_page, name="results"),
    Route("/c/{slug}/results.{kind}", download, name="results_download"),
]
