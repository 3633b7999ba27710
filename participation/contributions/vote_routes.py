"""The web door to submit_vote(): number -> code by SMS -> code -> vote recorded.

Plain forms that work without JavaScript. The first form takes the answer and a mobile
number and sends a code; the second takes the code. Where the consultation allows it,
the first form can also give the answer without a number, counted apart.
"""

from __future__ import annotations

from typing import cast

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from participation.accounts.throttle import address_key
from participation.consultations import service as consultations
from participation.consultations.models import Consultation, PollOption, label_of
from participation.contributions import errors
from participation.contributions.labels import refusal_beside_field
from participation.contributions.vote_codes import (
    CODE_LIFETIME,
    CodeRefused,
    answer_unconfirmed,
    code_row,
    confirm_code,
    request_code,
)
from participation.contributions.votes import UnverifiedVotesOff
from participation.i18n import catalogs
from participation.i18n.catalogs import gettext as _
from participation.i18n.formatting import local_number
from participation.moderation.consultation_pages import consultation_context
from participation.settings import LANGUAGES
from participation.web.councils import settings_of
from participation.web.errors import error_response
from participation.web.forms import field, in_transaction, int_or_none
from participation.web.templating import language_of, render, templates


def refusal(error: errors.ContributionRefused) -> tuple[str, str]:
    """(field, message) for a refused vote or code, in the reader's language."""
    if isinstance(error, CodeRefused):
        minutes = local_number(int(CODE_LIFETIME.total_seconds() // 60))
        return {
            "invalid_number": (
                "phone",
                _("Please enter a mobile number that can receive SMS, e.g. 0151 23456789."),
            ),
            "number_limit": (
                "phone",
                _("This number has been sent several codes. Please wait an hour and try again."),
            ),
            "client_limit": (
                "phone",
                _("Too many codes were asked for from this connection. Please try again later."),
            ),
            "wrong": ("code", _("This code is not right. Please check the SMS and try again.")),
            "attempts": (
                "code",
                _("The code was entered wrongly three times. Please ask for a new code."),
            ),
            "expired": (
                "code",
                _(
                    "This code has expired (it is valid for %(minutes)s minutes). "
                    "Please ask for a new code."
                )
                % {"minutes": minutes},
            ),
            "used": ("code", _("This code has already been used. Your vote is recorded.")),
        }.get(error.code, ("code", _("Please ask for a new code.")))
    if isinstance(error, UnverifiedVotesOff):
        return "phone", _("Please enter your mobile number to confirm your vote.")
    if isinstance(error, errors.ConsultationNotOpen):
        return "poll_option", _("This consultation is not open, so no votes can be given.")
    return refusal_beside_field(error) or (
        "poll_option",
        _("Your vote could not be recorded. Please try again."),
    )


def code_sms(lang: str, code: str) -> str:
    """The SMS with the code (templates/sms/vote_code.txt) in the page's language, one
    paragraph, as the SMS door writes its texts."""
    token = catalogs.current_language.set(lang)
    try:
        text = templates.env.get_template("sms/vote_code.txt").render(
            code=code, minutes=CODE_LIFETIME.seconds // 60
        )
    finally:
        catalogs.current_language.reset(token)
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def _client_key(request: Request) -> str:
    settings = settings_of(request)
    return address_key(settings.secret_key, request.client.host if request.client else None)


async def ask_for_code(request: Request) -> Response:
    """The first form: the answer and a number; sends the code, shows the code form."""
    lang = language_of(request)
    slug = request.path_params["slug"]
    form = await request.form()
    values = {
        "poll_option": field(form, "poll_option", 20),
        "phone": field(form, "phone", 100),
        "action": field(form, "action", 20),
    }
    settings = settings_of(request)
    client_key = _client_key(request)
    locale = LANGUAGES[lang]

    def store(session: Session) -> tuple[str, object]:
        consultation = consultations.public_by_slug(session, slug)
        if consultation is None:
            return "missing", None
        option_id = int_or_none(values["poll_option"])
        try:
            if values["action"] == "unconfirmed":
                vote = answer_unconfirmed(
                    session,
                    consultation=consultation,
                    option_id=option_id,
                    client_key=client_key,
                )
                return "unconfirmed", _recorded(session, consultation, lang, vote.option_id, True)
            sent = request_code(
                session,
                secret_key=settings.secret_key,
                region=settings.default_region,
                consultation=consultation,
                option_id=option_id,
                raw_number=values["phone"],
                client_key=client_key,
                message=lambda code: code_sms(lang, code),
                # Without Twilio the outbox hands every SMS to the simulator, which
                # plays only the fictional numbers (landlines by their blocks).
                fictional_too=not settings.twilio_configured,
            )
        except errors.ContributionRefused as refused:
            session.rollback()
            return _poll_refused(session, slug, lang, values, refused)
        return "sent", _code_form(
            session, consultation, locale, sent.token, sent.number_masked, option_id, {}
        )

    outcome, payload = await in_transaction(request, store, write=True)
    if outcome == "missing":
        return error_response(request, 404)
    if outcome == "refused":
        cast(dict, payload).update(form={}, errors={})
        return render(request, "consultations/page.html", cast(dict, payload), status_code=422)
    if outcome == "unconfirmed":
        return render(request, "votes/recorded.html", cast(dict, payload))
    return render(request, "votes/code.html", cast(dict, payload))


def _poll_refused(
    session: Session, slug: str, lang: str, values: dict, refused: errors.ContributionRefused
) -> tuple[str, object]:
    """The consultation page again, with the poll's answer kept and why it was refused."""
    consultation = consultations.public_by_slug(session, slug)
    if consultation is None:
        return "missing", None
    context = consultation_context(session, consultation, lang)
    name, message = refusal(refused)
    context.update(vote=values, vote_errors={name: message})
    return "refused", context


def _code_form(
    session: Session,
    consultation: Consultation,
    locale: str,
    token: str,
    number: str,
    option_id: int | None,
    form_errors: dict[str, str],
) -> dict:
    """What the code form (votes/code.html) shows, after sending a code or a wrong try."""
    return {
        "slug": consultation.slug,
        "consultation": consultation,
        "text": consultations.text_for(session, consultation, locale),
        "token": token,
        "number": number,
        "option_label": _label(session, option_id, locale),
        "errors": form_errors,
    }


def _label(session: Session, option_id: int | None, locale: str) -> str:
    option = session.get(PollOption, option_id) if option_id is not None else None
    return label_of(option, locale) if option is not None else ""


def _recorded(
    session: Session, consultation: Consultation, lang: str, option_id: int, unconfirmed: bool
) -> dict:
    locale = LANGUAGES[lang]
    return {
        "consultation": consultation,
        "text": consultations.text_for(session, consultation, locale),
        "option_label": _label(session, option_id, locale),
        "unconfirmed": unconfirmed,
        "replaced": False,
    }


async def confirm(request: Request) -> Response:
    """The second form: the code from the SMS; records the vote."""
    lang = language_of(request)
    slug = request.path_params["slug"]
    form = await request.form()
    token = field(form, "token", 100)
    raw_code = field(form, "code", 40)
    settings = settings_of(request)
    locale = LANGUAGES[lang]

    def store(session: Session) -> tuple[str, object]:
        consultation = consultations.public_by_slug(session, slug)
        if consultation is None:
            return "missing", None
        try:
            recorded = confirm_code(
                session,
                secret_key=settings.secret_key,
                consultation=consultation,
                token=token,
                raw_code=raw_code,
            )
        except errors.ContributionRefused as refused:
            # Not rolled back: a wrong try must stay counted.
            row = code_row(session, settings.secret_key, consultation, token)
            if row is None:
                return "restart", None
            _name, message = refusal(refused)
            can_retry = isinstance(refused, CodeRefused) and refused.code == "wrong"
            context = _code_form(
                session,
                consultation,
                locale,
                token if can_retry else "",
                "",
                row.option_id,
                {"code": message},
            )
            context["attempts_left"] = getattr(refused, "attempts_left", 0)
            return "refused", context
        context = _recorded(session, consultation, lang, recorded.option.id, False)
        context["replaced"] = recorded.replaced
        return "recorded", context

    outcome, payload = await in_transaction(request, store, write=True)
    if outcome == "missing":
        return error_response(request, 404)
    if outcome == "restart":
        return _ask_again(request, slug)
    if outcome == "refused":
        return render(request, "votes/code.html", cast(dict, payload), status_code=422)
    return render(request, "votes/recorded.html", cast(dict, payload))


def _ask_again(request: Request, slug: str) -> Response:
    """The code form without a code to confirm: the code is gone, a new one must be asked."""
    return render(
        request,
        "votes/code.html",
        {
            "slug": slug,
            "consultation": None,
            "token": "",
            "errors": {"code": _("Please ask for a new code.")},
        },
        status_code=422,
    )


routes = [
    Route("/c/{slug}/vote", ask_for_code, methods=["POST"], name="vote"),
    Route("/c/{slug}/vote/confirm", confirm, methods=["POST"], name="vote_confirm"),
]
