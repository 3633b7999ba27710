"""Results per question: counts and shares, by the counting rule of the votes.

One response per voter and consultation, the latest (a later one replaces the earlier
whole), so every stored answer counts once. The poll's figures are the votes' own
(contributions.votes.counted_votes), the very numbers the results page shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, distinct, func, literal
from sqlmodel import Session, col, select

from participation.consultations.models import Consultation
from participation.contributions.models import Contribution, PollVote, Status
from participation.contributions.votes import NOT_A_PERSON_REASONS, counted_votes
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

    @property
    def median(self) -> float | None:
        """A number question's median, from the counts per value (no row read twice)."""
        return median_of(self.counts)


def median_of(counts: dict[int, int]) -> float | None:
    """The median of values given as value -> how often."""
    total = sum(counts.values())
    if not total:
        return None
    middle = [(total - 1) // 2, total // 2]
    found: list[int] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while middle and middle[0] < seen:
            found.append(value)
            middle.pop(0)
    return sum(found) / 2


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


#: What a cross-tab splits the answers by: the response's channel or language.
SPLITS = ("channel", "language")


def cross_tabs(session: Session, consultation_id: int, split: str) -> dict[int, dict]:
    """question id -> {(answer key, channel or locale): answers}: one GROUP BY over the
    answers, one over the poll's counted votes, whatever the number of questions."""
    answer, response = QuestionnaireAnswer, QuestionnaireResponse
    group = col(response.channel) if split == "channel" else col(response.locale)
    rows = session.exec(
        select(  # type: ignore[call-overload]  # SQLModel types select() for at most four columns
            answer.question_id, answer.option_id, answer.number, group, func.count()
        )
        .join(response, col(response.id) == answer.response_id)
        .where(response.consultation_id == consultation_id, col(answer.contribution_id).is_(None))
        .group_by(col(answer.question_id), col(answer.option_id), col(answer.number), group)
    ).all()
    tabs: dict[int, dict] = {}
    for question_id, option_id, number, by, n in rows:
        key = option_id if option_id is not None else number
        cells = tabs.setdefault(question_id, {})
        cells[(key, by)] = cells.get((key, by), 0) + n
    poll = _poll_question(session, consultation_id)
    if poll is not None:
        tabs[poll] = _poll_cross_tab(session, consultation_id, split)
    return tabs


def _poll_question(session: Session, consultation_id: int) -> int | None:
    return session.exec(
        select(Question.id).where(Question.consultation_id == consultation_id, Question.is_poll)
    ).first()


def _poll_cross_tab(session: Session, consultation_id: int, split: str) -> dict:
    """The counted votes (counted_votes()' rule) by channel, or by the language of the
    voter's response ("" for a vote given without one, e.g. by a plain SMS)."""
    vote, response = PollVote, QuestionnaireResponse
    not_a_person = select(Contribution.id).where(
        Contribution.consultation_id == consultation_id,
        Contribution.status == Status.rejected,
        col(Contribution.rejection_reason).in_(NOT_A_PERSON_REASONS),
    )
    group = col(vote.channel) if split == "channel" else func.coalesce(response.locale, literal(""))
    query = select(vote.option_id, group, func.count()).where(
        vote.consultation_id == consultation_id,
        col(vote.contribution_id).is_(None) | col(vote.contribution_id).not_in(not_a_person),
    )
    if split != "channel":
        query = query.outerjoin(
            response,
            and_(
                col(response.consultation_id) == vote.consultation_id,
                col(response.voter_key) == vote.voter_key,
            ),
        )
    rows = session.exec(query.group_by(col(vote.option_id), group)).all()
    return {(option_id, str(by)): n for option_id, by, n in rows}
