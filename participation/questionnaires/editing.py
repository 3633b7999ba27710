"""What the question builder's staff page reads and writes, by consultation id: the door
passes these to web/transactions with plain arguments."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from participation.consultations import service as consultations
from participation.consultations.models import Consultation
from participation.outcomes import get_or_404
from participation.questionnaires import builder
from participation.questionnaires.builder import QuestionDraft
from participation.questionnaires.models import Question, QuestionOption, QuestionText


@dataclass
class BuilderPage:
    consultation: Consultation
    title: str
    #: (question, its German prompt, whether anybody answered it)
    questions: list[tuple[Question, str, bool]]


@dataclass
class QuestionEditing:
    consultation: Consultation
    question: Question
    texts: list[QuestionText]
    options: list[QuestionOption]
    answered: bool


def builder_page(session: Session, consultation_id: int) -> BuilderPage:
    consultation = get_or_404(session, Consultation, consultation_id)
    questions = builder.questions_of(session, consultation.id)
    texts = builder.texts_of(session, [q.id for q in questions])
    german = consultations.text_for(session, consultation, "de")
    rows = []
    for question in questions:
        if question.is_poll:
            prompt = german.text.poll_question if german else ""
        else:
            by_locale = {t.locale: t.prompt for t in texts.get(question.id, [])}
            prompt = by_locale.get("de", "")
        rows.append((question, prompt, builder.is_answered(session, question)))
    title = german.text.title if german else consultation.slug
    return BuilderPage(consultation, title, rows)


def question_editing(session: Session, consultation_id: int, question_id: int) -> QuestionEditing:
    consultation = get_or_404(session, Consultation, consultation_id)
    question = builder.question_of(session, consultation, question_id)
    return QuestionEditing(
        consultation,
        question,
        builder.texts_of(session, [question.id]).get(question.id, []),
        builder.options_of(session, [question.id]).get(question.id, []),
        builder.is_answered(session, question),
    )


def add(session: Session, consultation_id: int, draft: QuestionDraft, staff_id: int) -> int:
    consultation = get_or_404(session, Consultation, consultation_id)
    return builder.add_question(session, consultation, draft, staff_id).id


def update(
    session: Session, consultation_id: int, question_id: int, draft: QuestionDraft, staff_id: int
) -> None:
    consultation = get_or_404(session, Consultation, consultation_id)
    builder.update_question(session, consultation, question_id, draft, staff_id)


def move(
    session: Session, consultation_id: int, question_id: int, step: int, staff_id: int
) -> None:
    consultation = get_or_404(session, Consultation, consultation_id)
    builder.move_question(session, consultation, question_id, step, staff_id)


def remove(session: Session, consultation_id: int, question_id: int, staff_id: int) -> None:
    consultation = get_or_404(session, Consultation, consultation_id)
    builder.remove_question(session, consultation, question_id, staff_id)
