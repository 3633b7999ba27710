"""The web door to submit_contribution(), and the reference-number lookup."""

from __future__ import annotations

import logging

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from participation.consultations import service as consultations
from participation.consultations.models import Phase
from participation.contributions import errors, lookups
from participation.contributions.forms import CommentForm, parse_comment
from participation.contributions.labels import refusal_beside_field
from participation.contributions.models import Channel
from participation.contributions.reference import format_reference, parse_reference
from participation.contributions.service import Submission, submit_contribution
from participation.contributions.vote_routes import routes as vote_routes
from participation.i18n.catalogs import gettext as _
from participation.i18n.formatting import local_number
from participation.moderation import consultation_pages, public_pages
from participation.outcomes import NotFound
from participation.settings import LANGUAGES
from participation.web import submissions
from participation.web.councils import settings_of
from participation.web.csrf import form_token_ok, keeps_text_on_expired_token
from participation.web.errors import error_response
from participation.web.templating import is_fragment_request, language_of, render, url
from participation.web.transactions import read, write

log = logging.getLogger(__name__)
#: The database is down, unreachable or the pool is exhausted: "please try again" errors.
UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)


def refusal_message(error: errors.ContributionRefused, limit: int) -> tuple[str, str]:
    """(field, message) for a refused web contribution, in the reader's language."""
    if isinstance(error, errors.ConsultationNotOpen):
        if error.phase is Phase.upcoming:
            return "body", _("This consultation has not started yet. Your text was not sent.")
        return "body", _(
            "This consultation is closed, so no more comments can be sent. "
            "Your text was not sent; you can copy it below."
        )
    if isinstance(error, errors.TooLong):
        return "body", _(
            "Your comment has %(length)s characters; the limit is %(limit)s. Please shorten it."
        ) % {"length": local_number(error.length), "limit": local_number(error.limit)}
    if isinstance(error, errors.EmptyContribution):
        return "body", _("Please write a comment.")
    return refusal_beside_field(error) or (
        "body",
        _("Your comment could not be sent. Please try again."),
    )


def _store_comment(
    session: Session, slug: str, comment: CommentForm, locale: str, max_chars: int
) -> str:
    """Stores the comment and returns its reference (submit_contribution checks it)."""
    submission = Submission(
        consultations.public_or_404(session, slug),
        comment.body,
        Channel.web,
        locale,
        comment.pseudonym,
        max_chars=max_chars,
    )
    return submit_contribution(session, submission).reference


@keeps_text_on_expired_token
async def submit(request: Request) -> Response:
    slug = request.path_params["slug"]
    form = await request.form()
    comment = parse_comment(form, request.headers.get("x-csrf-token", ""))
    try:
        return await _submitted(request, slug, comment)
    except UNAVAILABLE as error:
        # The transaction was rolled back (or never began): nothing half-written. The
        # person gets their text back in the form, never a page that loses it.
        log.warning("comment not saved, database unavailable: %s", error)
        return _retry_later(request, slug, comment.shown())


async def _submitted(request: Request, slug: str, comment: CommentForm) -> Response:
    """The answer to a comment sent: stored (to its status page), or the page again."""
    lang = language_of(request)
    if not form_token_ok(request):
        try:
            context = await read(request, consultation_pages.public_consultation, slug, lang, None)
        except NotFound:
            # Without a valid token the answer is the guard's, whatever the address.
            return error_response(request, 403)
        expired = _(
            "For your safety this form had expired. Your text is "
            "still here: please check it and send it again."
        )
        return _form_with_errors(request, comment, context, {"body": expired}, 403)
    if comment.honeypot:
        # Bots fill every field; people never see this one. Answer as if it worked.
        await read(request, consultations.public_or_404, slug)
        return RedirectResponse(url(request, "consultation", slug=slug), status_code=303)
    settings = settings_of(request)
    claim = submissions.claim_for(
        settings.secret_key,
        comment.csrf_token,
        comment.submission_key,
        (slug, comment.body, comment.pseudonym),
    )
    try:
        # The same form sent twice gets the first one's reference, not a second row.
        reference = await write(
            request,
            submissions.stored_once,
            claim,
            _store_comment,
            slug,
            comment,
            LANGUAGES[lang],
            settings.max_contribution_chars,
        )
    except errors.ContributionRefused as refused:
        context = await read(request, consultation_pages.public_consultation, slug, lang, None)
        name, message = refusal_message(refused, settings.max_contribution_chars)
        status = 409 if isinstance(refused, errors.ConsultationNotOpen) else 422
        return _form_with_errors(request, comment, context, {name: message}, status)
    target = url(request, "contribution_status", reference=reference) + "?new=1"
    if is_fragment_request(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _retry_later(request: Request, slug: str, values: dict) -> Response:
    """503 with the text back in the form, to send again in a moment."""
    return render(
        request,
        "contributions/retry.html",
        {"slug": slug, "form": values},
        status_code=503,
        fragment="contributions/_retry_form.html",
        headers={"Retry-After": "30"},
    )


def _form_with_errors(
    request: Request, comment: CommentForm, context: dict, problems: dict, status: int
) -> Response:
    """The consultation page again, the text still in the form, with what went wrong."""
    context.update(form=comment.shown(), errors=problems)
    return render(
        request,
        "consultations/page.html",
        context,
        status_code=status,
        fragment="consultations/_form.html",
    )


def lookup_address(request: Request) -> str:
    """The client address whose look-ups are counted (only as a keyed hash).

    The one place to change when the address must come from a trusted proxy's header.
    """
    return request.client.host if request.client else ""


def _limited(request: Request, query: str) -> Response:
    """429 with the look-up form, the number still in it, and when to try again."""
    return render(
        request,
        "contributions/lookup.html",
        {"query": query, "limited": True},
        status_code=429,
        headers={"Retry-After": str(lookups.LookupsLimited.retry_after)},
    )


async def status_page(request: Request) -> Response:
    lang = language_of(request)
    raw = request.path_params["reference"]
    reference = parse_reference(raw)
    not_found = {"query": raw, "not_found": True}
    if reference is None:
        return render(request, "contributions/lookup.html", not_found, status_code=404)
    key = lookups.address_lookup_key(settings_of(request).secret_key, lookup_address(request))
    # Read first; only a miss is written down (the writer's turn on SQLite is for misses).
    try:
        context = await read(request, public_pages.contribution_status, key, reference, lang)
    except lookups.LookupsLimited:
        return _limited(request, reference)
    except NotFound:
        await write(request, lookups.record_miss, key)
        return render(request, "contributions/lookup.html", not_found, status_code=404)
    if "response" in context:
        return render(request, "contributions/response_status.html", context)
    context["is_new"] = request.query_params.get("new") == "1"
    return render(request, "contributions/status.html", context)


async def lookup(request: Request) -> Response:
    query = request.query_params.get("ref", "").strip()[:40]
    if query:
        reference = parse_reference(query)
        if reference:
            return RedirectResponse(
                url(request, "contribution_status", reference=reference), status_code=303
            )
        return render(
            request, "contributions/lookup.html", {"query": query, "invalid": True}, status_code=422
        )
    return render(request, "contributions/lookup.html", {"query": ""})


public_routes = [
    Route("/c/{slug}/contribute", submit, methods=["POST"], name="contribute"),
    Route("/r", lookup, name="lookup"),
    Route("/r/{reference}", status_page, name="contribution_status"),
    *vote_routes,
]

__all__ = ["format_reference", "public_routes"]
