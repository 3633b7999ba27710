"""Staff pages for the result: themes, the council's answers, summaries, publishing and
withdrawing it."""

from __future__ import annotations

from urllib.parse import urlencode

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route

from participation.accounts.permissions import MODERATORS, requires_role
from participation.consultations import service as consultations
from participation.consultations.models import Consultation
from participation.contributions.models import Contribution, Status
from participation.i18n.catalogs import gettext as _
from participation.paths import same_origin_path
from participation.results import service
from participation.results.models import Theme
from participation.web.errors import error_response, page_or_404
from participation.web.forms import field, in_transaction, int_or_none
from participation.web.templating import is_fragment_request, render, url


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


@requires_role(*MODERATORS)
async def results_staff(request: Request) -> Response:
    consultation_id = request.path_params["id"]

    def load(session: Session) -> dict | None:
        consultation = session.get(Consultation, consultation_id)
        if consultation is None:
            return None
        texts = consultations.texts_for(session, [consultation.id]).get(consultation.id, [])
        german = next((t for t in texts if t.locale == "de"), None)
        return {
            "consultation": consultation,
            "title": german.title if german else consultation.slug,
            "summary": service.summarise(session, consultation),
            "texts": sorted(texts, key=lambda t: (t.locale != "de", t.locale)),
            "problem": problem_text(request.query_params["problem"])
            if "problem" in request.query_params
            else "",
            "saved": request.query_params.get("saved", ""),
        }

    return await page_or_404(request, load, "results/staff.html")


def _theme_saved_or_not(request: Request, consultation_id: int, problem: str | None) -> Response:
    if problem:
        return _back_to_results(request, consultation_id, problem=problem)
    return _back_to_results(request, consultation_id, saved="theme")


@requires_role(*MODERATORS)
async def add_theme(request: Request) -> Response:
    consultation_id = request.path_params["id"]
    staff = request.scope["staff"]
    name = field(await request.form(), "name", 1000)

    def store(session: Session) -> str | None:
        consultation = session.get(Consultation, consultation_id)
        if consultation is None:
            return "missing"
        try:
            service.add_theme(session, consultation, name, staff.id)
        except service.ResultsError as problem:
            return problem.code
        return None

    problem = await in_transaction(request, store, write=True)
    if problem == "missing":
        return error_response(request, 404)
    return _theme_saved_or_not(request, consultation_id, problem)


@requires_role(*MODERATORS)
async def update_theme(request: Request) -> Response:
    theme_id = request.path_params["id"]
    staff = request.scope["staff"]
    form = await request.form()
    name, answer = field(form, "name", 1000), field(form, "answer", 50_000)

    def store(session: Session) -> tuple[int | None, str | None]:
        theme = session.get(Theme, theme_id)
        if theme is None:
            return None, "missing"
        try:
            with session.begin_nested():
                service.update_theme(session, theme, name=name, answer=answer, staff_id=staff.id)
        except service.ResultsError as problem:
            return theme.consultation_id, problem.code
        return theme.consultation_id, None

    consultation_id, problem = await in_transaction(request, store, write=True)
    if consultation_id is None:
        return error_response(request, 404)
    return _theme_saved_or_not(request, consultation_id, problem)


@requires_role(*MODERATORS)
async def delete_theme(request: Request) -> Response:
    theme_id = request.path_params["id"]
    staff = request.scope["staff"]

    def remove(session: Session) -> int | None:
        theme = session.get(Theme, theme_id)
        if theme is None:
            return None
        consultation_id = theme.consultation_id
        service.delete_theme(session, theme, staff.id)
        return consultation_id

    consultation_id = await in_transaction(request, remove, write=True)
    if consultation_id is None:
        return error_response(request, 404)
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

    def store(session: Session) -> bool:
        consultation = session.get(Consultation, consultation_id)
        if consultation is None:
            return False
        service.save_summaries(session, consultation, summaries, staff.id)
        return True

    if not await in_transaction(request, store, write=True):
        return error_response(request, 404)
    return _back_to_results(request, consultation_id, saved="summary")


@requires_role(*MODERATORS)
async def publish_results(request: Request) -> Response:
    consultation_id = request.path_params["id"]
    staff = request.scope["staff"]
    settings = request.app.state.settings
    form = await request.form()
    summary = field(form, "results_summary", 20_000)

    def publish(session: Session) -> Consultation | None:
        consultation = session.get(Consultation, consultation_id)
        if consultation is None:
            return None
        if summary.strip():
            consultations.save_text(session, consultation, "de", results_summary=summary.strip())
        service.publish_results(session, consultation, staff.id, settings)
        return consultation

    consultation = await in_transaction(request, publish, write=True)
    if consultation is None:
        return error_response(request, 404)
    return RedirectResponse(url(request, "results", slug=consultation.slug), status_code=303)


@requires_role(*MODERATORS)
async def withdraw(request: Request) -> Response:
    consultation_id = request.path_params["id"]
    staff = request.scope["staff"]

    def store(session: Session) -> bool:
        consultation = session.get(Consultation, consultation_id)
        if consultation is None:
            return False
        service.withdraw_results(session, consultation, staff.id)
        return True

    if not await in_transaction(request, store, write=True):
        return error_response(request, 404)
    return _back_to_results(request, consultation_id, saved="withdrawn")


def _answers_context(session: Session, consultation: Consultation, params) -> dict:
    theme_id = int_or_none(params.get("theme"))
    unanswered = params.get("unanswered") == "1"
    after = int_or_none(params.get("after"))
    themes = service.themes_of(session, consultation.id)
    if theme_id not in {t.id for t in themes}:
        theme_id = None
    listing = service.published_page(
        session,
        consultation.id,
        after,
        theme_id=theme_id,
        unanswered=unanswered,
    )
    query = {"theme": str(theme_id) if theme_id else "", "unanswered": "1" if unanswered else ""}
    query = {k: v for k, v in query.items() if v}
    return {
        "consultation": consultation,
        "themes": themes,
        "theme_id": theme_id,
        "unanswered": unanswered,
        "listing": listing,
        "query": query,
        "next_query": urlencode({**query, "after": listing.next_cursor})
        if listing.next_cursor
        else None,
    }


@requires_role(*MODERATORS)
async def answers(request: Request) -> Response:
    consultation_id = request.path_params["id"]

    def load(session: Session) -> dict | None:
        consultation = session.get(Consultation, consultation_id)
        if consultation is None:
            return None
        context = _answers_context(session, consultation, request.query_params)
        text = consultations.text_for(session, consultation, "de")
        context["title"] = text.text.title if text else consultation.slug
        context["back"] = request.url.path + ("?" + request.url.query if request.url.query else "")
        context["saved"] = request.query_params.get("saved", "")
        return context

    return await page_or_404(request, load, "results/answers.html")


@requires_role(*MODERATORS)
async def answer(request: Request) -> Response:
    contribution_id = request.path_params["id"]
    staff = request.scope["staff"]
    form = await request.form()
    text = field(form, "answer", 50_000)
    theme_ids = [int(v) for v in form.getlist("themes") if isinstance(v, str) and v.isdigit()]
    back = field(form, "back", 1000)

    def store(session: Session) -> dict | None:
        contribution = session.get(Contribution, contribution_id)
        if contribution is None or contribution.status is not Status.published:
            return None
        service.answer_contribution(
            session, contribution, answer=text, theme_ids=theme_ids, staff_id=staff.id
        )
        session.flush()
        return {
            "item": contribution,
            # Assigned: answer_contribution() refuses a contribution without a consultation.
            "themes": service.themes_of(session, contribution.consultation_id),  # type: ignore[arg-type]
            "item_themes": service.themes_for(session, [contribution_id]).get(contribution_id, []),
            "just_saved": True,
            "back": back,
            "consultation_id": contribution.consultation_id,
        }

    context = await in_transaction(request, store, write=True)
    if context is None:
        return error_response(request, 404)
    if is_fragment_request(request):
        return render(request, "results/_answer_item.html", context)
    ours = url(request, "results_answers", id=context["consultation_id"])
    target = same_origin_path(back, ours, within=ours)
    joiner = "&" if "?" in target else "?"
    return RedirectResponse(
        f"{target}{joiner}saved={context['item'].reference}#answer-{contribution_id}",
        status_code=303,
    )


#: Under /staff (app.py). A consultation's results pages sit under its own address
#: (/staff/consultations/{id}/...): publication and its withdrawal side by side.
staff_routes = [
    Mount(
        "/consultations/{id:int}",
        routes=[
            Route("/results", results_staff, name="results_staff"),
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
