"""Results per question: counts and shares, by the counting rule of the votes.

One response per voter and consultation, the latest (a later one replaces the earlier
whole), so every stored answer counts once. The poll's figures are the votes' own
(contributions.votes.counted_votes), the very numbers the results page shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import distinct, func
from sqlmodel import Session, col, select

from participation.consultations.models import Consultation
from participation.contributions.votes import counted_votes
from participation.questionnaires.models import (
    Question,
    QuestionKind,
    QuestionnaireAnswer,
    QuestionnaireResponse,
)
from participation.questionnaires.pages import ShownQuestion, shown_questions

#: Shown beside the figures (msgid of the rule the results page states for the poll).
COUNTING_RULE = "latest response per voter"


@dataclass
class QuestionResult:
    question: ShownQuestion
    #: Who answered this question (a multiple choice's counts may add up to more).
    respondents: int = 0
    #: (option id for choices, else the number: 1-5, 1/0 for yes/no) -> answers
    counts: dict[int, int] = field(default_factory=dict)

    def share(self, key: int) -> float:
        return self.counts.get(key, 0) / self.respondents if self.respondents else 0.0


def question_results(
    session: Session, consultation: Consultation, locale: str
) -> list[QuestionResult]:
    """Every question's figures in order; three statements besides the questions'."""
    results = []
    counts, respondents = _answer_counts(session, consultation.id)
    for shown in shown_questions(session, consultation, locale):
        result = QuestionResult(shown)
        if shown.is_poll:
            result.counts = counted_votes(session, consultation.id)
            result.respondents = sum(result.counts.values())
        else:
            result.counts = counts.get(shown.id, {})
            result.respondents = respondents.get(shown.id, 0)
        results.append(result)
    return results


def _answer_counts(
    session: Session, consultation_id: int
) -> tuple[dict[int, dict[int, int]], dict[int, int]]:
    answer, response = QuestionnaireAnswer, QuestionnaireResponse
    of_consultation = (
        select(answer.question_id, answer.option_id, answer.number, func.count())
        .join(response, col(response.id) == answer.response_id)
        .where(response.consultation_id == consultation_id)
    )
    counts: dict[int, dict[int, int]] = {}
    rows = session.exec(
        of_consultation.group_by(col(answer.question_id), col(answer.option_id), col(answer.number))
    ).all()
    for question_id, option_id, number, n in rows:
        key = option_id if option_id is not None else number
        if key is not None:
            per = counts.setdefault(question_id, {})
            per[key] = per.get(key, 0) + n
    respondents = dict(
        session.exec(
            select(answer.question_id, func.count(distinct(col(answer.response_id))))
            .join(response, col(response.id) == answer.response_id)
            .where(response.consultation_id == consultation_id)
            .group_by(col(answer.question_id))
        ).all()
    )
    return counts, respondents


def kind_keys(question: Question | ShownQuestion) -> list[int]:
    """The keys a question's counts are shown under, in order, answered or not."""
    kind = QuestionKind(question.kind)
    if kind is QuestionKind.scale:
        return [1, 2, 3, 4, 5]
    if kind is QuestionKind.yes_no:
        return [1, 0]
    return []
