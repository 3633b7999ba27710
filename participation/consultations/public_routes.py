"""Citizen pages: the list of consultations and a consultation with its form."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from participation.consultations import pages
from participation.consultations.posters import public_routes as poster_routes
from participation.moderation import consultation_pages
from participation.web.errors import page
from participation.web.forms import query_int
from participation.web.templating import language_of, render
from participation.web.transactions import read


async def home(request: Request) -> Response:
    return await page(request, "home/index.html", pages.public_list, language_of(request))


async def consultation_page(request: Request) -> Response:
    before = query_int(request, "before")
    context = await read(
        request,
        consultation_pages.public_consultation,
        request.path_params["slug"],
        language_of(request),
        before,
    )
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
