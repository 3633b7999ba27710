"""/api/v1: thin JSON endpoints over api/service.py, and the OpenAPI document."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from participation.api import service
from participation.api.openapi import document
from participation.settings import LANGUAGES
from participation.web.councils import settings_of
from participation.web.transactions import read

#: Public, published data: anyone may read it from anywhere, without cookies.
HEADERS = {"Cache-Control": "public, max-age=60", "Access-Control-Allow-Origin": "*"}
MAX_CURSOR = 2**53 - 1


class BadParameter(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def _json(data: object, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers=HEADERS)


def _problem(status: int, error: str, detail: str) -> JSONResponse:
    return _json({"error": error, "detail": detail}, status)


def _locale(request: Request) -> str | None:
    lang = request.query_params.get("lang")
    if lang is None:
        return None
    if lang not in LANGUAGES:
        raise BadParameter("lang", "lang must be one of " + ", ".join(LANGUAGES))
    return LANGUAGES[lang]


def _integer(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 16:
        raise BadParameter(name, f"{name} must be a whole number from {low} to {high}")
    value = int(raw)
    if not low <= value <= high:
        raise BadParameter(name, f"{name} must be a whole number from {low} to {high}")
    return value


def _bad(error: BadParameter) -> JSONResponse:
    return _problem(400, "Bad parameter", error.message)


async def list_consultations(request: Request) -> Response:
    try:
        locale = _locale(request)
    except BadParameter as error:
        return _bad(error)
    items = await read(request, service.list_consultations, locale)
    return _json({"consultations": items})


async def get_consultation(request: Request) -> Response:
    slug = request.path_params["slug"]
    try:
        locale = _locale(request)
    except BadParameter as error:
        return _bad(error)
    detail = await read(request, service.consultation_detail, slug, locale)
    if detail is None:
        return _problem(404, "Not found", "There is no published consultation with this slug.")
    return _json(detail)


async def list_contributions(request: Request) -> Response:
    slug = request.path_params["slug"]
    try:
        after = _integer(request, "after", 0, 0, MAX_CURSOR)
        limit = _integer(request, "limit", service.DEFAULT_LIMIT, 1, service.MAX_LIMIT)
    except BadParameter as error:
        return _bad(error)
    page = await read(request, service.contributions_page, slug, after, limit)
    if page is None:
        return _problem(404, "Not found", "There is no published consultation with this slug.")
    items, next_after = page
    next_url = None
    if next_after is not None:
        next_url = f"{request.url.path}?after={next_after}&limit={limit}"
    return _json({"contributions": items, "next_after": next_after, "next": next_url})


async def openapi(request: Request) -> Response:
    return _json(document(settings_of(request)))


routes = [
    Route("/consultations", list_consultations, methods=["GET"], name="api_consultations"),
    Route("/consultations/{slug}", get_consultation, methods=["GET"], name="api_consultation"),
    Route(
        "/consultations/{slug}/contributions",
        list_contributions,
        methods=["GET"],
        name="api_contributions",
    ),
    Route("/openapi.json", openapi, methods=["GET"], name="api_openapi"),
]
