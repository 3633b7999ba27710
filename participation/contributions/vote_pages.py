"""The web vote's steps by a consultation's address, each in one transaction and each
returning the data of the page that follows: the code form once a code is sent, the
vote recorded once the code is right (or at once, for an answer without a number).

A missing consultation raises NotFound. A refused answer or number raises
ContributionRefused, so nothing of it is kept; a refused code does not: it returns
CodeNotTaken, so that the write commits and a wrong try stays counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from participation.consultations import service as consultations
from participation.consultations.models import Consultation, PollOption, label_of
from participation.contributions.errors import ContributionRefused
from participation.contributions.vote_codes import (
    CodeRefused,
    answer_unconfirmed,
    code_row,
    confirm_code,
    request_code,
)


@dataclass(frozen=True)
class CodeRequest:
    """The first form: the answer and the number, and who asks (for the rate limits)."""

    option_id: int | None
    raw_number: str
    client_key: str
    locale: str


@dataclass(frozen=True)
class CodeNotTaken:
    """A code refused; the write commits all the same (a wrong try must stay counted)."""

    refused: ContributionRefused
    #: The code form again, its message still to add; None when the code is gone and a
    #: new one must be asked for.
    form: dict | None


def _label(session: Session, option_id: int | None, locale: str) -> str:
    option = session.get(PollOption, option_id) if option_id is not None else None
    return label_of(option, locale) if option is not None else ""


def code_form(
    session: Session,
    consultation: Consultation,
    locale: str,
    token: str,
    number: str,
    option_id: int | None,
) -> dict:
    """What the code form (votes/code.html) shows, after sending a code or a wrong try."""
    return {
        "slug": consultation.slug,
        "consultation": consultation,
        "text": consultations.text_for(session, consultation, locale),
        "token": token,
        "number": number,
        "option_label": _label(session, option_id, locale),
        "errors": {},
    }


def recorded(
    session: Session, consultation: Consultation, locale: str, option_id: int, unconfirmed: bool
) -> dict:
    """What votes/recorded.html shows once the answer is in."""
    return {
        "consultation": consultation,
        "text": consultations.text_for(session, consultation, locale),
        "option_label": _label(session, option_id, locale),
        "unconfirmed": unconfirmed,
        "replaced": False,
    }


def send_code(
    session: Session,
    slug: str,
    asked: CodeRequest,
    *,
    secret_key: str,
    region: str,
    message: Callable[[str], str],
    fictional_too: bool,
) -> dict:
    """Queues the SMS with a code (request_code) and returns the code form."""
    consultation = consultations.public_or_404(session, slug)
    sent = request_code(
        session,
        secret_key=secret_key,
        region=region,
        consultation=consultation,
        option_id=asked.option_id,
        raw_number=asked.raw_number,
        client_key=asked.client_key,
        message=message,
        fictional_too=fictional_too,
    )
    return code_form(
        session, consultation, asked.locale, sent.token, sent.number_masked, asked.option_id
    )


def answer_without_code(session: Session, slug: str, asked: CodeRequest) -> dict:
    """Stores the answer apart, without a number (answer_unconfirmed)."""
    consultation = consultations.public_or_404(session, slug)
    vote = answer_unconfirmed(
        session, consultation=consultation, option_id=asked.option_id, client_key=asked.client_key
    )
    return recorded(session, consultation, asked.locale, vote.option_id, True)


def confirm(
    session: Session, slug: str, locale: str, *, secret_key: str, token: str, raw_code: str
) -> dict | CodeNotTaken:
    """The vote recorded with the code from the SMS, or CodeNotTaken."""
    consultation = consultations.public_or_404(session, slug)
    try:
        vote = confirm_code(
            session,
            secret_key=secret_key,
            consultation=consultation,
            token=token,
            raw_code=raw_code,
        )
    except ContributionRefused as refused:
        row = code_row(session, secret_key, consultation, token)
        if row is None:
            return CodeNotTaken(refused, None)
        can_retry = isinstance(refused, CodeRefused) and refused.code == "wrong"
        form = code_form(
            session, consultation, locale, token if can_retry else "", "", row.option_id
        )
        form["attempts_left"] = getattr(refused, "attempts_left", 0)
        return CodeNotTaken(refused, form)
    context = recorded(session, consultation, locale, vote.option.id, False)
    context["replaced"] = vote.replaced
    return context
