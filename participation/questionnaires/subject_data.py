"""A person's questionnaire responses for a data-subject request (participation.privacy):
found by the voter's phone key or by a response's reference number, with their answers,
their free texts (contributions) and the poll answer given with them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Table, delete, select, tuple_
from sqlmodel import Session

from participation.contributions.models import Contribution, PollVote
from participation.db import table_of
from participation.questionnaires.models import QuestionnaireAnswer, QuestionnaireResponse


def responses_by_voter(session: Session, voter_key: str) -> list[int]:
    responses = table_of(QuestionnaireResponse)
    query = select(responses.c.id).where(responses.c.voter_key == voter_key)
    return [row[0] for row in session.execute(query).all()]


def responses_by_reference(session: Session, number: str) -> list[int]:
    """``number``: a reference as parse_reference() gives it."""
    responses = table_of(QuestionnaireResponse)
    query = select(responses.c.id).where(responses.c.reference == number)
    return [row[0] for row in session.execute(query).all()]


def response_rows(session: Session, ids: Sequence[int]) -> list[Row]:
    responses = table_of(QuestionnaireResponse)
    return list(session.execute(select(responses).where(responses.c.id.in_(ids))).all())


def answer_rows(session: Session, ids: Sequence[int]) -> list[Row]:
    answers = table_of(QuestionnaireAnswer)
    query = select(answers).where(answers.c.response_id.in_(ids)).order_by(answers.c.id)
    return list(session.execute(query).all())


def texts_of(session: Session, ids: Sequence[int]) -> list[int]:
    """The contributions (free-text answers) of these responses."""
    answers = table_of(QuestionnaireAnswer)
    query = select(answers.c.contribution_id).where(
        answers.c.response_id.in_(ids), answers.c.contribution_id.is_not(None)
    )
    return sorted({row[0] for row in session.execute(query).all()})


def _poll_answer(ids: Sequence[int]):
    """The poll votes given with these responses: the same voter on the same consultation."""
    responses, votes = table_of(QuestionnaireResponse), table_of(PollVote)
    voters = select(responses.c.consultation_id, responses.c.voter_key).where(
        responses.c.id.in_(ids)
    )
    return tuple_(votes.c.consultation_id, votes.c.voter_key).in_(voters)


def poll_vote_rows(session: Session, ids: Sequence[int]) -> list[Row]:
    votes = table_of(PollVote)
    return list(session.execute(select(votes).where(_poll_answer(ids))).all())


def found_with(
    session: Session, ids: Sequence[int], *, responses_too: bool
) -> tuple[list[tuple[Table, list[Row]]], list[int]]:
    """For an export: (table, rows) of the responses (``responses_too``), their answers,
    the poll answer given with them and their free texts; and the free texts' ids."""
    if not ids:
        return [], []
    texts = texts_of(session, ids)
    contributions = table_of(Contribution)
    found = [
        (table_of(QuestionnaireAnswer), answer_rows(session, ids)),
        (table_of(PollVote), poll_vote_rows(session, ids)),
        (
            contributions,
            list(session.execute(select(contributions).where(contributions.c.id.in_(texts)))),
        ),
    ]
    if responses_too:
        found.insert(0, (table_of(QuestionnaireResponse), response_rows(session, ids)))
    return found, texts


def delete_responses(
    session: Session, ids: Sequence[int], counts: dict[str, int], *, poll_too: bool
) -> None:
    """Deletes the responses and their answers (their free texts are the caller's: they
    go as contributions go), and with ``poll_too`` the poll answer given with them."""
    if not ids:
        return
    steps: list[tuple[type, Any]] = [
        (QuestionnaireAnswer, table_of(QuestionnaireAnswer).c.response_id.in_(ids))
    ]
    if poll_too:
        steps.insert(0, (PollVote, _poll_answer(ids)))
    steps.append((QuestionnaireResponse, table_of(QuestionnaireResponse).c.id.in_(ids)))
    for model, where in steps:
        result = session.exec(delete(table_of(model)).where(where))
        if result.rowcount:
            name = table_of(model).name
            counts[name] = counts.get(name, 0) + result.rowcount
