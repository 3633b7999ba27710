"""Each door of a consultation before it opens, for its staff: the public page as a
resident will see it, the SMS replies, what a caller hears, and the poster."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from participation.accounts.permissions import EDITORS, requires_role
from participation.consultations import pages, previews, setup_steps
from participation.consultations.posters import qr_svg
from participation.moderation import consultation_pages
from participation.settings import LANGUAGES
from participation.web.councils import settings_of
from participation.web.templating import render, url
from participation.web.transactions import read

DOORS = ("web", "sms", "phone", "poster")


def _language(request: Request) -> str:
    language = request.query_params.get("language", "de")
    return language if language in LANGUAGES else "de"


def _common(request: Request, door: str, language: str) -> dict:
    return {
        "preview_door": door,
        "preview_language": language,
        "preview_id": request.path_params["id"],
        "doors": DOORS,
        "language_names": setup_steps.LANGUAGE_NAMES,
    }


async def _web(request: Request, language: str) -> Response:
    context = await read(
        request, consultation_pages.staff_preview, request.path_params["id"], language
    )
    context.update(form={}, errors={}, preview=True, **_common(request, "web", language))
    return render(request, "consultations/page.html", context)


async def _poster(request: Request, language: str) -> Response:
    context = await read(request, pages.poster_preview, request.path_params["id"], language)
    slug = context["consultation"].slug
    public_url = settings_of(request).public_base_url + url(request, "consultation", slug=slug)
    context.update(public_url=public_url, qr=qr_svg(public_url), preview=True)
    context.update(_common(request, "poster", language))
    return render(request, "consultations/poster.html", context)


async def _sms(request: Request, language: str) -> Response:
    exchanges = await read(request, previews.sms_preview, request.path_params["id"], language)
    context = {"exchanges": exchanges, **_common(request, "sms", language)}
    return render(request, "staff/setup/preview_sms.html", context)


async def _phone(request: Request, language: str) -> Response:
    scenes = await read(
        request, previews.phone_preview, settings_of(request), request.path_params["id"], language
    )
    context = {"scenes": scenes, **_common(request, "phone", language)}
    return render(request, "staff/setup/preview_phone.html", context)


PREVIEWS = {"web": _web, "sms": _sms, "phone": _phone, "poster": _poster}


@requires_role(*EDITORS)
async def preview(request: Request) -> Response:
    door = request.path_params["door"]
    if door not in PREVIEWS:
        raise HTTPException(404)
    return await PREVIEWS[door](request, _language(request))


preview_routes = [
    Route("/consultations/{id:int}/preview/{door}", preview, name="staff_setup_preview"),
]
