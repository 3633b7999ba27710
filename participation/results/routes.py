"""The public results page, its downloads and the printable report."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from email.utils import formatdate, parsedate_to_datetime

from anyio import to_thread
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from participation.consultations import service as consultations
from participation.consultations.models import Consultation
from participation.i18n.catalogs import gettext as _
from participation.results import (
    export_files,
    exports,
    pages,
    questionnaire_exports,
    service,
)
from participation.results.export_files import BuildRunning, Built, ExportStore
from participation.results.streaming import stream_template
from participation.web.councils import settings_of
from participation.web.errors import error_response
from participation.web.forms import query_int
from participation.web.templating import language_of, render
from participation.web.transactions import read

#: Pieces a built download is sent in.
EXPORT_CHUNK = 256 * 1024
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


async def results_page(request: Request) -> Response:
    lang = language_of(request)
    slug = request.path_params["slug"]
    after = query_int(request, "after")
    context = await read(request, pages.public_results, slug, lang, after)
    return render(
        request,
        "results/page.html",
        context,
        fragment="results/_contributions.html" if after else None,
    )


def _produce(kind: str) -> Callable[[Session, Consultation], Iterator]:
    """What a download is made of; written once per version by export_files.ExportStore."""

    if kind.startswith("responses-"):
        return questionnaire_exports.produce(kind.removeprefix("responses-"))

    def generate(session: Session, consultation: Consultation) -> Iterator:
        if kind == "csv":
            yield from exports.export_csv(session, consultation)
            return
        text = consultations.text_for(session, consultation, consultation.default_locale)
        title = text.text.title if text else consultation.slug
        summary = service.summarise(session, consultation)
        if kind == "xlsx":
            yield from exports.export_xlsx(session, consultation, summary, title)
            return
        summaries = {
            t.locale: t.results_summary
            for t in consultations.texts_for(session, [consultation.id]).get(
                consultation.id,
                [],
            )
            if t.results_summary
        }
        yield from exports.export_json(session, consultation, summary, title, summaries)

    return generate


def _export_store(request: Request) -> ExportStore:
    # Made on first use, in the event loop's thread: no two requests can both make one.
    state = request.app.state
    store = getattr(state, "export_store", None)
    if store is None:
        store = state.export_store = ExportStore.for_settings(state.settings)
    return store


def _not_modified(request: Request, etag: str, modified: float) -> bool:
    """RFC 9110 13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    match = request.headers.get("if-none-match")
    if match is not None:
        tags = [t.strip().removeprefix("W/") for t in match.split(",")]
        return "*" in tags or etag in tags
    since = request.headers.get("if-modified-since")
    if since:
        try:
            moment = parsedate_to_datetime(since)
        except (TypeError, ValueError, IndexError):
            return False
        if moment.tzinfo is None:
            return False
        return int(modified) <= moment.timestamp()
    return False


def _building(request: Request, seconds: int) -> Response:
    response = error_response(
        request, 503, _("The download is being prepared. Please try again in a few seconds.")
    )
    response.headers["Retry-After"] = str(seconds)
    return response


def _serve(request: Request, built: Built, slug: str, kind: str) -> Response:
    gzipped = built.gzipped is not None and "gzip" in request.headers.get("accept-encoding", "")
    path = built.gzipped if gzipped and built.gzipped else built.path
    # Opened now: a newer build may remove the file by name while this one is sent.
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return _building(request, seconds=1)
    stat = os.fstat(handle.fileno())
    etag = f'"{kind}-{built.version}{"-gz" if gzipped else ""}"'
    headers = {
        "ETag": etag,
        "Last-Modified": formatdate(stat.st_mtime, usegmt=True),
        # Kept by browsers and proxies, but asked about each time (a 304 is cheap), so a
        # withdrawn or changed result reaches everyone at once.
        "Cache-Control": "public, no-cache",
    }
    if built.gzipped is not None:
        headers["Vary"] = "Accept-Encoding"
    if _not_modified(request, etag, stat.st_mtime):
        handle.close()
        return Response(status_code=304, headers=headers)
    headers["Content-Disposition"] = f'attachment; filename="{slug}-results.{kind}"'
    headers["Content-Length"] = str(stat.st_size)
    if gzipped:
        headers["Content-Encoding"] = "gzip"

    def chunks() -> Iterator[bytes]:
        with handle:
            while piece := handle.read(EXPORT_CHUNK):
                yield piece

    return StreamingResponse(chunks(), media_type=MEDIA[kind], headers=headers)


async def download(request: Request) -> Response:
    return await _download(request, request.path_params["kind"], "")


async def responses_download(request: Request) -> Response:
    """The questionnaire's responses (CSV, XLSX) or its structure and totals (JSON)."""
    return await _download(request, request.path_params["kind"], "responses-")


async def _download(request: Request, kind: str, prefix: str) -> Response:
    slug = request.path_params["slug"]
    if kind not in MEDIA:
        return error_response(request, 404)
    store = _export_store(request)
    seconds = settings_of(request).page_cache_seconds
    consultation_id, version = await read(request, pages.download_version, slug, seconds)
    if version is None:
        # Never published, or withdrawn: nothing is served, and what was built goes.
        await to_thread.run_sync(store.forget, consultation_id)
        return error_response(request, 404)
    stored = prefix + kind
    built = await to_thread.run_sync(store.find, consultation_id, stored, version)
    if built is None:
        try:
            built = await to_thread.run_sync(
                store.build, request.app.state.engine, consultation_id, stored, _produce(stored)
            )
        except BuildRunning:
            return _building(request, export_files.RETRY_AFTER_SECONDS)
        if built is None:
            return error_response(request, 404)
    return _serve(request, built, slug + ("-responses" if prefix else ""), kind)


async def report(request: Request) -> Response:
    """The printable report: every published contribution with its answer, streamed as
    the template renders, so a long consultation never sits in memory as one page."""
    lang = language_of(request)
    slug = request.path_params["slug"]
    engine = request.app.state.engine
    # Answered before the stream starts: once it has, the status is sent.
    await read(request, pages.published_consultation, slug)

    def context_and_rows(session: Session) -> dict:
        consultation = pages.published_consultation(session, slug)
        context = pages.results_context(session, consultation, lang, None)

        def every_page() -> Iterator:
            after = None
            while True:
                listing = service.published_page(
                    session,
                    consultation.id,
                    after,
                    limit=500,
                )
                for item in listing.items:
                    yield item, listing.themes.get(item.id, [])
                if listing.next_cursor is None:
                    return
                after = listing.next_cursor

        context["rows"] = every_page()
        return context

    return stream_template(request, engine, "results/report.html", context_and_rows)


public_routes = [
    Route("/c/{slug}/results", results_page, name="results"),
    Route("/c/{slug}/results/report", report, name="results_report"),
    Route("/c/{slug}/results.{kind}", download, name="results_download"),
    Route(
        "/c/{slug}/results/responses.{kind}",
        responses_download,
        name="results_responses_download",
    ),
]
