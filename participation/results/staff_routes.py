"""Staff pages for the result: themes, the council's answers, summaries, publishing and
withdrawing it."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route

from participation.accounts.permissions import MODERATORS, requires_role
from participation.caching.staff_pages import kept_briefly
from participation.consultations.models import Consultation
from participation.db import session_scope
from participation.i18n.catalogs import gettext as _
from participation.outcomes import get_or_404
from participation.paths import same_origin_path
from participation.results import pages, questionnaire_exports, service
from participation.settings import LANGUAGES
from participation.web.councils import settings_of
from participation.web.errors import error_response
from participation.web.forms import field, int_or_none
from participation.web.templating import is_fragment_request, language_of, render, url
from participation.web.transactions import read, write

DOWNLOAD_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def problem_text(code: str) -> str:
    return {
        "theme_name_missing": _("Please enter a name for the theme."),
        "theme_name_too_long": _("Please use a shorter name (at most 120 characters)."),
        "theme_exists": _("This consultation has a theme with this name already."),
        "unassigned": _("This contribution belongs to no consultation."),
    }.get(code, _("This was not possible."))


def _back_to_results(request: Request, consultation_id: int, **params: str) -> Response:
    target = url(request, "results_staff", id=consultation_id)
    if params:
        target += "?" + urlencode(params)
    return RedirectResponse(target, status_code=303)


@kept_briefly
@requires_role(*MODERATORS)
async def results_staff(request: Request) -> Response:
    locale = LANGUAGES[language_of(request)]
    context = await read(request, pages.staff_overview, request.path_params["id"], locale)
    problem = request.query_params.get("problem")
    context["problem"] = problem_text(problem) if problem is not None else ""
    context["saved"] = request.query_params.get("saved", "")
    return render(request, "results/staff.html", context)


def _consultation(session: Session, consultation_id: int) -> Consultation:
    return get_or_404(session, Consultation, consultation_id)


@requires_role(*MODERATORS)
async def responses_download(request: Request) -> Response:
    """The questionnaire's responses or its totals, published or not, streamed as read
    (staff follow a consultation while it runs; nothing is kept)."""
    kind = request.path_params["kind"]
    if kind not in DOWNLOAD_MEDIA:
        return error_response(request, 404)
    consultation = await read(request, _consultation, request.path_params["id"])
    council = request.scope["council"]
    engine = request.app.state.engine
    produce = questionnaire_exports.produce(kind)

    def chunks() -> Iterator[bytes]:
        # The session of the stream, kept to the council as every request's is.
        with session_scope(engine, council_id=council.id, alone=not council.shared) as session:
            for chunk in produce(session, _consultation(session, consultation.id)):
                yield chunk.encode("utf-8") if isinstance(chunk, str) else chunk

    name = f"{consultation.slug}-responses.{kind}"
    return StreamingResponse(
        chunks(),
        media_type=DOWNLOAD_MEDIA[kind],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


def _theme_saved_or_not(request: Request, consultation_id: int, problem: str | None) -> Response:
    if problem:
        return _back_to_results(request, consultation_id, problem=problem)
    return _back_to_results(request, consultation_id, saved="theme")


@requires_role(*MODERATORS)
async def add_theme(request: Request) -> Response:
    consultation_id = request.path_params["id"]
    staff = request.scope["staff"]
    name = field(await request.form(), "name", 1000)
    try:
        await write(request, service.add_theme, consultation_id, name, staff.id)
    except service.ResultsError as problem:
        return _theme_saved_or_not(request, consultation_id, problem.code)
    return _theme_saved_or_not(request, consultation_id, None)


@requires_role(*MODERATORS)
async def update_theme(request: Request) -> Response:
    theme_id = request.path_params["id"]
    staff = request.scope["staff"]
    form = await request.form()
    name, answer = field(form, "name", 1000), field(form, "answer", 50_000)
    try:
        theme = await write(
            request, service.update_theme, theme_id, name=name, answer=answer, staff_id=staff.id
        )
    except service.ResultsError as problem:
        assert problem.consultation_id is not None  # update_theme() always says which
        return _theme_saved_or_not(request, problem.consultation_id, problem.code)
    return _theme_saved_or_not(request, theme.consultation_id, None)


@requires_role(*MODERATORS)
async def delete_theme(request: Request) -> Response:
    staff = request.scope["staff"]
    consultation_id = await write(
        request, service.delete_theme, request.path_params["id"], staff.id
    )
    return _back_to_results(request, consultation_id, saved="theme_deleted")


@requires_role(*MODERATORS)
async def save_summaries(request: Request) -> Response:
    consultation_id = request.path_params["id"]
    staff = request.scope["staff"]
    form = await request.form()
    summaries = {
        key.removeprefix("summary:"): field(form, key, 20_000)
        for key in form
        if key.startswith("summary:")
    }
    await write(request, service.save_summaries, consultation_id, summaries, staff.id)
    return _back_to_results(request, consultation_id, saved="summary")


@requires_role(*MODERATORS)
async def publish_results(request: Request) -> Response:
    staff = request.scope["staff"]
    summary = field(await request.form(), "results_summary", 20_000)
    consultation = await write(
        request,
        service.publish_with_summary,
        request.path_params["id"],
        staff.id,
        settings_of(request),
        summary,
    )
    return RedirectResponse(url(request, "results", slug=consultation.slug), status_code=303)


@requires_role(*MODERATORS)
async def withdraw(request: Request) -> Response:
    consultation_id = request.path_params["id"]
    staff = request.scope["staff"]
    await write(request, service.withdraw_results, consultation_id, staff.id)
    return _back_to_results(request, consultation_id, saved="withdrawn")


@requires_role(*MODERATORS)
async def answers(request: Request) -> Response:
    params = request.query_params
    context = await read(
        request,
        pages.answers_listing,
        request.path_params["id"],
        theme_id=int_or_none(params.get("theme")),
        unanswered=params.get("unanswered") == "1",
        after=int_or_none(params.get("after")),
    )
    context["back"] = request.url.path + ("?" + request.url.query if request.url.query else "")
    context["saved"] = params.get("saved", "")
    return render(request, "results/answers.html", context)


@requires_role(*MODERATORS)
async def answer(request: Request) -> Response:
    contribution_id = request.path_params["id"]
    staff = request.scope["staff"]
    form = await request.form()
    text = field(form, "answer", 50_000)
    theme_ids = [int(v) for v in form.getlist("themes") if isinstance(v, str) and v.isdigit()]
    back = field(form, "back", 1000)
    answered = await write(
        request,
        service.answer_published,
        contribution_id,
        answer=text,
        theme_ids=theme_ids,
        staff_id=staff.id,
    )
    item = answered.contribution
    if is_fragment_request(request):
        context = {
            "item": item,
            "themes": answered.themes,
            "item_themes": answered.item_themes,
            "just_saved": True,
            "back": back,
            "consultation_id": item.consultation_id,
        }
        return render(request, "results/_answer_item.html", context)
    ours = url(request, "results_answers", id=item.consultation_id)
    target = same_origin_path(back, ours, within=ours)
    joiner = "&" if "?" in target else "?"
    return RedirectResponse(
        f"{target}{joiner}saved={item.reference}#answer-{contribution_id}",
        status_code=303,
    )


#: Under /staff (app.py). A consultation's results pages sit under its own address
#: (/staff/consultations/{id}/...): publication and its withdrawal side by side.
staff_routes = [
    Mount(
        "/consultations/{id:int}",
        routes=[
            Route("/results", results_staff, name="results_staff"),
            Route("/results/responses.{kind}", responses_download, name="results_staff_responses"),
            Route("/themes", add_theme, methods=["POST"], name="results_theme_add"),
            Route("/summaries", save_summaries, methods=["POST"], name="results_summaries"),
            Route(
                "/publish-results", publish_results, methods=["POST"], name="staff_publish_results"
            ),
            Route("/withdraw-results", withdraw, methods=["POST"], name="results_withdraw"),
            Route("/answers", answers, name="results_answers"),
        ],
    ),
    Mount(
        "/themes",
        routes=[
            Route("/{id:int}", update_theme, methods=["POST"], name="results_theme_update"),
            Route("/{id:int}/delete", delete_theme, methods=["POST"], name="results_theme_delete"),
        ],
    ),
    Route("/contributions/{id:int}/answer", answer, methods=["POST"], name="results_answer"),
]
