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


@dataclass
class AnswerFigures:
    """Every answer of a consultation's questionnaire counted in one pass."""

    #: question id -> answer key -> answers
    counts: dict[int, dict[int, int]] = field(default_factory=dict)
    #: question id -> who answered it
    respondents: dict[int, int] = field(default_factory=dict)
    #: "channel" / "language" -> question id -> (answer key, channel or locale) -> answers
    split: dict[str, dict[int, dict[tuple[int, str], int]]] = field(
        default_factory=lambda: {"channel": {}, "language": {}}
    )


def question_results(
    session: Session,
    consultation: Consultation,
    locale: str,
    figures: AnswerFigures | None = None,
) -> list[QuestionResult]:
    """Every question's figures in order: two GROUP BYs over the answers, one over the
    votes, besides the questions' words."""
    results = []
    if figures is None:
        figures = answer_figures(session, consultation.id)
    for shown in shown_questions(session, consultation, locale):
        result = QuestionResult(shown)
        if shown.is_poll:
            result.counts = counted_votes(session, consultation.id)
            result.respondents = sum(result.counts.values())
        else:
            result.counts = figures.counts.get(shown.id, {})
            result.respondents = figures.respondents.get(shown.id, 0)
        results.append(result)
    return results


def answer_figures(session: Session, consultation_id: int) -> AnswerFigures:
    """Counts, respondents and both cross-tabs from one GROUP BY over the answers (each
    read once, with its response's channel and language) and one more that counts the
    people behind a multiple choice's answers."""
    answer, response = QuestionnaireAnswer, QuestionnaireResponse
    groups = (
        col(answer.question_id),
        col(answer.option_id),
        col(answer.number),
        col(response.channel),
        col(response.locale),
    )
    rows = session.exec(
        select(*groups, func.count())  # type: ignore[call-overload]  # SQLModel types select() for at most four columns
        .join(response, col(response.id) == answer.response_id)
        .where(response.consultation_id == consultation_id)
        .group_by(*groups)
    ).all()
    figures = AnswerFigures()
    for question_id, option_id, number, channel, locale, n in rows:
        figures.respondents[question_id] = figures.respondents.get(question_id, 0) + n
        key = option_id if option_id is not None else number
        if key is None:
            continue  # a free text's answer: its contribution
        per = figures.counts.setdefault(question_id, {})
        per[key] = per.get(key, 0) + n
        for split, by in (("channel", channel), ("language", locale)):
            cells = figures.split[split].setdefault(question_id, {})
            cells[(key, by)] = cells.get((key, by), 0) + n
    figures.respondents.update(_choosers(session, consultation_id))
    return figures


def _choosers(session: Session, consultation_id: int) -> dict[int, int]:
    """People who answered each multiple choice (their options count once each)."""
    answer = QuestionnaireAnswer
    multiple = select(Question.id).where(
        Question.consultation_id == consultation_id,
        Question.kind == QuestionKind.multiple_choice.value,
    )
    return dict(
        session.exec(
            select(answer.question_id, func.count(distinct(col(answer.response_id))))
            .where(col(answer.question_id).in_(multiple))
            .group_by(col(answer.question_id))
        ).all()
    )


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


def cross_tabs(
    session: Session, consultation_id: int, split: str, figures: AnswerFigures | None = None
) -> dict[int, dict]:
    """question id -> {(answer key, channel or locale): answers}, the poll's included."""
    if figures is None:
        figures = answer_figures(session, consultation_id)
    tabs = dict(figures.split[split])
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
