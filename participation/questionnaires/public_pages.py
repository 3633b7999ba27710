"""The web questionnaire's steps by a consultation's address, each in one transaction:
the answers a page at a time (each page checked before the next), the last page's mobile
number (every answer checked again; a code sent by SMS), then the code (the response
stored as the voter that number is, the same person as by SMS or phone).

The answers travel between the two steps in the browser, signed by the door; they are
checked again when stored. A refused code returns CodeNotTaken, so that the write
commits and a wrong try stays counted, as for a poll vote.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
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
from participation.questionnaires.answers import AnswerProblem, checked_answers
from participation.questionnaires.builder import questions_of
from participation.questionnaires.pages import PAGE_SIZE, ShownQuestion, paged, shown_questions
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


def questionnaire(
    session: Session, slug: str, locale: str, page: int = 1, problems: Collection[int] = ()
) -> dict:
    """The page's data: the consultation, its title, its questions in ``locale`` in pages,
    and which page is shown: ``page`` (kept within the pages there are), or the first
    page with one of the questions ``problems`` names."""
    consultation = _public(session, slug)
    pages = paged(shown_questions(session, consultation, locale))
    if problems:
        page = _first_page_with(pages, problems)
    page = min(max(page, 1), len(pages))
    return {
        "consultation": consultation,
        "text": consultations.text_for(session, consultation, locale),
        "pages": pages,
        "page": page,
        "questions": pages[page - 1],
        "first_number": (page - 1) * PAGE_SIZE + 1,
        "is_open": consultation.phase() is Phase.open,
    }


def turned_page(
    session: Session,
    slug: str,
    locale: str,
    answers: Mapping[int, Sequence[str]],
    move: tuple[int, bool],
) -> tuple[dict, dict[int, AnswerProblem]]:
    """``move`` = (the page the answers come from, forward?). Back always goes; forward
    only when that page's answers fit their questions, else the same page and its
    problems. Stores nothing: the answers travel on in the form."""
    page, forward = move
    context = questionnaire(session, slug, locale, page)
    if not forward:
        return questionnaire(session, slug, locale, context["page"] - 1), {}
    consultation = context["consultation"]
    shown = {q.id for q in context["questions"]}
    on_page = [q for q in questions_of(session, consultation.id) if q.id in shown]
    _checked, problems = checked_answers(session, consultation, on_page, answers)
    if problems:
        return context, problems
    return questionnaire(session, slug, locale, context["page"] + 1), {}


def _first_page_with(pages: list[list[ShownQuestion]], problems: Collection[int]) -> int:
    """The earliest page holding a question with a problem (1 when none does)."""
    for number, questions in enumerate(pages, start=1):
        if any(q.id in problems for q in questions):
            return number
    return 1


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
