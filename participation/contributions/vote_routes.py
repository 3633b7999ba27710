"""The web door to submit_vote(): number -> code by SMS -> code -> vote recorded.

Plain forms that work without JavaScript. The first form takes the answer and a mobile
number and sends a code; the second takes the code. Where the consultation allows it,
the first form can also give the answer without a number, counted apart.
"""

from __future__ import annotations

from functools import partial

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from participation.accounts.throttle import address_key
from participation.contributions import errors, vote_pages
from participation.contributions.forms import PollForm, parse_poll
from participation.contributions.labels import refusal_beside_field
from participation.contributions.vote_codes import CODE_LIFETIME, CodeRefused
from participation.contributions.votes import UnverifiedVotesOff
from participation.i18n import catalogs
from participation.i18n.catalogs import gettext as _
from participation.i18n.formatting import local_number
from participation.moderation import consultation_pages
from participation.settings import LANGUAGES
from participation.web.councils import settings_of
from participation.web.forms import field
from participation.web.templating import language_of, render, templates
from participation.web.transactions import read, write


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
    poll = parse_poll(await request.form())
    settings = settings_of(request)
    asked = vote_pages.CodeRequest(
        option_id=poll.option_id,
        raw_number=poll.phone,
        client_key=_client_key(request),
        locale=LANGUAGES[lang],
    )
    try:
        if poll.unconfirmed:
            context = await write(request, vote_pages.answer_without_code, slug, asked)
            return render(request, "votes/recorded.html", context)
        context = await write(
            request,
            vote_pages.send_code,
            slug,
            asked,
            secret_key=settings.secret_key,
            region=settings.default_region,
            message=partial(code_sms, lang),
            # Without Twilio the outbox hands every SMS to the simulator, which
            # plays only the fictional numbers (landlines by their blocks).
            fictional_too=not settings.twilio_configured,
        )
    except errors.ContributionRefused as refused:
        return await _poll_refused(request, slug, lang, poll, refused)
    return render(request, "votes/code.html", context)


async def _poll_refused(
    request: Request, slug: str, lang: str, poll: PollForm, refused: errors.ContributionRefused
) -> Response:
    """The consultation page again, with the poll's answer kept and why it was refused."""
    context = await read(request, consultation_pages.public_consultation, slug, lang, None)
    name, message = refusal(refused)
    context.update(vote=poll.values, vote_errors={name: message}, form={}, errors={})
    return render(request, "consultations/page.html", context, status_code=422)


async def confirm(request: Request) -> Response:
    """The second form: the code from the SMS; records the vote."""
    lang = language_of(request)
    slug = request.path_params["slug"]
    form = await request.form()
    result = await write(
        request,
        vote_pages.confirm,
        slug,
        LANGUAGES[lang],
        secret_key=settings_of(request).secret_key,
        token=field(form, "token", 100),
        raw_code=field(form, "code", 40),
    )
    if isinstance(result, vote_pages.CodeNotTaken):
        if result.form is None:
            return _ask_again(request, slug)
        _name, message = refusal(result.refused)
        result.form["errors"] = {"code": message}
        return render(request, "votes/code.html", result.form, status_code=422)
    return render(request, "votes/recorded.html", result)


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
