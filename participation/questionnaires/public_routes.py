"""The web door to a questionnaire: one page with every question, then a code by SMS.

Plain forms that work without JavaScript. The first form takes the answers and a mobile
number; refused answers come back kept, with a message beside each question and all of
them at the top. The answers then travel in the code form, signed, until the code from
the SMS names the voter: the same person as that number's SMS, call or poll vote.
"""

from __future__ import annotations

import json
from functools import partial

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from participation.contributions.errors import ConsultationNotOpen, ContributionRefused
from participation.contributions.vote_codes import CODE_LIFETIME
from participation.contributions.vote_routes import _client_key, code_sms, refusal
from participation.i18n.catalogs import gettext as _
from participation.questionnaires import public_pages
from participation.questionnaires.forms import Answers, answers_of
from participation.questionnaires.responses import ResponseRefused
from participation.settings import LANGUAGES
from participation.web.councils import settings_of
from participation.web.forms import field
from participation.web.templating import language_of, render
from participation.web.transactions import read, write


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings_of(request).secret_key, salt="questionnaire-answers")


def _kept(answers: Answers) -> dict[str, list[str]]:
    return {f"q-{question_id}": values for question_id, values in answers.items()}


async def _form(
    request: Request, answers: Answers, errors: dict[str, str], phone: str = "", status: int = 200
) -> Response:
    lang = language_of(request)
    context = await read(
        request, public_pages.questionnaire, request.path_params["slug"], LANGUAGES[lang]
    )
    context.update(values=_kept(answers), errors=errors, phone=phone)
    return render(request, "questionnaires/page.html", context, status_code=status)


async def questionnaire_page(request: Request) -> Response:
    return await _form(request, {}, {})


def _messages(refused: ResponseRefused) -> dict[str, str]:
    return {
        f"q-{question_id}": _(problem.message, **problem.values)
        for question_id, problem in refused.problems.items()
    }


async def send_code(request: Request) -> Response:
    """The first form: every answer checked, then the number; sends the code."""
    lang = language_of(request)
    slug = request.path_params["slug"]
    form = await request.form()
    answers, phone = answers_of(form), field(form, "phone", 40)
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
        return await _form(request, answers, _messages(refused), phone, status=422)
    except ConsultationNotOpen:
        errors = {"questions": _("This consultation is not open, so no answers can be given.")}
        return await _form(request, answers, errors, phone, status=422)
    except ContributionRefused as refused:
        _name, message = refusal(refused)
        return await _form(request, answers, {"phone": message}, phone, status=422)
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
        return await _form(request, {}, errors, status=422)
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
        return await _form(request, answers, _messages(refused), status=422)
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
