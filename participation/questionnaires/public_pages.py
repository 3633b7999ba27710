"""The web questionnaire's steps by a consultation's address, each in one transaction:
the answers and a mobile number (checked; a code sent by SMS), then the code (the
response stored as the voter that number is, the same person as by SMS or phone).

The answers travel between the two steps in the browser, signed by the door; they are
checked again when stored. A refused code returns CodeNotTaken, so that the write
commits and a wrong try stays counted, as for a poll vote.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlmodel import Session

from participation.consultations import service as consultations
from participation.consultations.models import Consultation, Phase
from participation.contributions.models import Channel
from participation.contributions.vote_codes import (
    CodeRefused,
    confirmed_code,
    request_code,
    spend_code,
)
from participation.contributions.votes import Voter, check_open
from participation.outcomes import NotFound
from participation.questionnaires.answers import checked_answers
from participation.questionnaires.builder import questions_of
from participation.questionnaires.pages import shown_questions
from participation.questionnaires.responses import (
    ResponseRecorded,
    ResponseRefused,
    submit_response,
)


@dataclass(frozen=True)
class CodeAsked:
    raw_number: str
    client_key: str
    secret_key: str
    region: str
    message: Callable[[str], str]
    fictional_too: bool = False


@dataclass(frozen=True)
class CodeNotTaken:
    refused: CodeRefused


def _public(session: Session, slug: str) -> Consultation:
    consultation = consultations.public_by_slug(session, slug)
    if consultation is None or not questions_of(session, consultation.id):
        raise NotFound
    return consultation


def questionnaire(session: Session, slug: str, locale: str) -> dict:
    """The page's data: the consultation, its title and its questions in ``locale``."""
    consultation = _public(session, slug)
    return {
        "consultation": consultation,
        "text": consultations.text_for(session, consultation, locale),
        "questions": shown_questions(session, consultation, locale),
        "is_open": consultation.phase() is Phase.open,
    }


def send_code(
    session: Session, slug: str, answers: Mapping[int, Sequence[str]], asked: CodeAsked
) -> dict:
    """Checks every answer (ResponseRefused with a problem per question), then the number,
    and sends the code (CodeRefused); returns the code form's data."""
    consultation = _public(session, slug)
    check_open(consultation, Channel.web, None)
    _checked, problems = checked_answers(
        session, consultation, questions_of(session, consultation.id), answers
    )
    if problems:
        raise ResponseRefused(problems)
    sent = request_code(
        session,
        secret_key=asked.secret_key,
        region=asked.region,
        consultation=consultation,
        option_id=None,
        raw_number=asked.raw_number,
        client_key=asked.client_key,
        message=asked.message,
        fictional_too=asked.fictional_too,
        questionnaire=True,
    )
    return {"consultation": consultation, "token": sent.token, "number": sent.number_masked}


def confirm(
    session: Session,
    slug: str,
    answers: Mapping[int, Sequence[str]],
    token_and_code: tuple[str, str],
    locale: str,
    secret_key: str,
) -> ResponseRecorded | CodeNotTaken:
    """Stores the response once the code is right."""
    consultation = _public(session, slug)
    token, raw_code = token_and_code
    try:
        row = confirmed_code(
            session,
            secret_key=secret_key,
            consultation=consultation,
            token=token,
            raw_code=raw_code,
        )
        if row.option_id is not None:
            # A poll vote's code confirms that vote, not a questionnaire.
            raise CodeRefused("unknown")
    except CodeRefused as refused:
        return CodeNotTaken(refused)
    recorded = submit_response(
        session, consultation, answers, Channel.web, locale, Voter(row.number_key)
    )
    spend_code(session, row)
    return recorded
