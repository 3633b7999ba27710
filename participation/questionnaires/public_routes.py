"""The web door to a questionnaire: its questions a page at a time, then a code by SMS.

Plain forms that work without JavaScript. A long questionnaire is paged
(pages.PAGE_SIZE questions a page): "Next" checks that page's answers, "Back" never
checks, and the answers of the other pages travel in hidden fields of the one form, so
nothing is kept on the server before the response is stored (and the CSRF token goes
with every page). The last page takes a mobile number; refused answers come back kept,
on the first page with a problem, with a message beside each question and all of them
at the top. The answers then travel in the code form, signed, until the code from the
SMS names the voter: the same person as that number's SMS, call or poll vote. With
htmx, "Back" and "Next" swap only the form (the page's heading takes the focus).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from functools import partial

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from participation.contributions.errors import ConsultationNotOpen, ContributionRefused
from participation.contributions.vote_codes import CODE_LIFETIME
from participation.contributions.vote_routes import _client_key, code_sms, refusal
from participation.i18n.catalogs import gettext as _
from participation.questionnaires import public_pages
from participation.questionnaires.answers import AnswerProblem
from participation.questionnaires.forms import Answers, answers_of
from participation.questionnaires.responses import ResponseRefused
from participation.settings import LANGUAGES
from participation.web.councils import settings_of
from participation.web.forms import field
from participation.web.templating import language_of, render
from participation.web.transactions import read, write

#: Past any questionnaire's last page: the page shown is its last.
LAST_PAGE = 1000


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings_of(request).secret_key, salt="questionnaire-answers")


def _kept(answers: Answers) -> dict[str, list[str]]:
    return {f"q-{question_id}": values for question_id, values in answers.items()}


def _shown(
    request: Request, context: dict, answers: Answers, errors: dict[str, str], phone: str
) -> Response:
    # Only this page's questions have a place for their message (and a summary link).
    here = {f"q-{q.id}" for q in context["questions"]}
    errors = {k: v for k, v in errors.items() if k in here or not k.startswith("q-")}
    context.update(values=_kept(answers), errors=errors, phone=phone)
    status = 422 if errors else 200
    return render(
        request,
        "questionnaires/page.html",
        context,
        status_code=status,
        fragment="questionnaires/_paged_form.html",
    )


async def _form(
    request: Request,
    answers: Answers,
    errors: dict[str, str],
    phone: str = "",
    problems: Collection[int] = (),
    page: int = 1,
) -> Response:
    """The form again with ``errors``, on ``page`` or the first page with one of
    ``problems``."""
    lang = language_of(request)
    slug = request.path_params["slug"]
    context = await read(request, public_pages.questionnaire, slug, LANGUAGES[lang], page, problems)
    return _shown(request, context, answers, errors, phone)


async def questionnaire_page(request: Request) -> Response:
    return await _form(request, {}, {})


def _page_number(form: FormData) -> int:
    raw = field(form, "page", 4)
    return int(raw) if raw.isdecimal() else 1


async def _turn(request: Request, form: FormData, answers: Answers, forward: bool) -> Response:
    """Back or Next: the page before or after, or this page with its problems."""
    lang = language_of(request)
    context, problems = await read(
        request,
        public_pages.turned_page,
        request.path_params["slug"],
        LANGUAGES[lang],
        answers,
        (_page_number(form), forward),
    )
    return _shown(request, context, answers, _worded(problems), field(form, "phone", 40))


def _worded(problems: Mapping[int, AnswerProblem]) -> dict[str, str]:
    """Each question's problem in the reader's language, by its field's name."""
    return {
        f"q-{question_id}": _(problem.message, **problem.values)
        for question_id, problem in problems.items()
    }


def _messages(refused: ResponseRefused) -> dict[str, str]:
    return _worded(refused.problems)


async def send_code(request: Request) -> Response:
    """The first form: every answer checked, then the number; sends the code."""
    lang = language_of(request)
    slug = request.path_params["slug"]
    form = await request.form()
    answers, phone = answers_of(form), field(form, "phone", 40)
    move = field(form, "go", 10)
    if move in ("back", "next"):
        return await _turn(request, form, answers, forward=move == "next")
    if field(form, "website", 1000):
        # Bots fill every field; people never see this one. No code is sent for them.
        return await _form(request, {}, {})
    settings = settings_of(request)
    asked = public_pages.CodeAsked(
        raw_number=phone,
        client_key=_client_key(request),
        secret_key=settings.secret_key,
        region=settings.default_region,
        message=partial(code_sms, lang),
        fictional_too=not settings.twilio_configured,
    )
    try:
        context = await write(request, public_pages.send_code, slug, answers, asked)
    except ResponseRefused as refused:
        return await _form(request, answers, _messages(refused), phone, refused.problems)
    except ConsultationNotOpen:
        errors = {"questions": _("This consultation is not open, so no answers can be given.")}
        return await _form(request, answers, errors, phone)
    except ContributionRefused as refused:
        # The number is asked for on the last page.
        _name, message = refusal(refused)
        return await _form(request, answers, {"phone": message}, phone, page=LAST_PAGE)
    carried = _serializer(request).dumps(json.dumps({str(k): v for k, v in answers.items()}))
    context.update(slug=slug, answers=carried, errors={})
    return render(request, "questionnaires/code.html", context)


async def confirm(request: Request) -> Response:
    """The second form: the code from the SMS; stores the response."""
    lang = language_of(request)
    slug = request.path_params["slug"]
    form = await request.form()
    carried = field(form, "answers", 200_000)
    try:
        raw = json.loads(
            _serializer(request).loads(carried, max_age=int(CODE_LIFETIME.total_seconds()) * 2)
        )
        answers = {int(k): [str(v) for v in values] for k, values in raw.items()}
    except (BadSignature, ValueError, TypeError, AttributeError):
        errors = {"questions": _("Please give your answers again.")}
        return await _form(request, {}, errors)
    token = field(form, "token", 100)
    try:
        result = await write(
            request,
            public_pages.confirm,
            slug,
            answers,
            (token, field(form, "code", 40)),
            LANGUAGES[lang],
            settings_of(request).secret_key,
        )
    except ResponseRefused as refused:
        return await _form(request, answers, _messages(refused), problems=refused.problems)
    if isinstance(result, public_pages.CodeNotTaken):
        _name, message = refusal(result.refused)
        context = {"slug": slug, "answers": carried, "token": token, "errors": {"code": message}}
        return render(request, "questionnaires/code.html", context, status_code=422)
    return render(request, "questionnaires/done.html", {"slug": slug, "recorded": result})


public_routes = [
    Route("/c/{slug}/questions", questionnaire_page, methods=["GET"], name="questionnaire"),
    Route("/c/{slug}/questions", send_code, methods=["POST"], name="questionnaire_send"),
    Route("/c/{slug}/questions/confirm", confirm, methods=["POST"], name="questionnaire_confirm"),
]
