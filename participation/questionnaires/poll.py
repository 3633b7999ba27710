"""The poll as a question: a consultation with poll options has one ``is_poll`` question."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from participation.questionnaires.models import Question, QuestionKind


def keep_poll_question(session: Session, consultation_id: int, *, on: bool) -> None:
    """Adds the poll's question (last in order) when the poll gets options, removes it
    when the poll is switched off (only possible before anybody answered)."""
    found = session.exec(
        select(Question).where(
            Question.consultation_id == consultation_id, col(Question.is_poll).is_(True)
        )
    ).first()
    if found is not None and not on:
        session.delete(found)
    elif found is None and on:
        last = session.exec(
            select(func.max(Question.position)).where(Question.consultation_id == consultation_id)
        ).one()
        session.add(
            Question(
                consultation_id=consultation_id,
                position=(last or 0) + 1,
                kind=QuestionKind.single_choice,
                is_poll=True,
            )
        )
    session.flush()
