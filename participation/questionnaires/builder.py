"""Staff build a consultation's questionnaire: add, reword, reorder and remove questions.

What people answered is never rewritten: once a question has an answer it keeps its kind,
its limits and its number of options, and cannot be removed; only its words may be fixed,
in place (the question and each option keep their ids), written to the audit log with the
words before and after (``question.reword``). The poll (``is_poll``) is edited with the
consultation, where its own rules apply (consultations.service.set_poll).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, select

from participation.clock import utcnow
from participation.consultations.models import Consultation
from participation.contributions.models import Contribution
from participation.contributions.votes import has_votes
from participation.i18n.catalogs import N_
from participation.moderation.service import audit
from participation.outcomes import NotFound
from participation.questionnaires.models import (
    CHOICE_KINDS,
    Question,
    QuestionKind,
    QuestionnaireAnswer,
    QuestionOption,
    QuestionText,
)

MAX_QUESTIONS = 40
MAX_OPTIONS = 9
FALLBACK_LOCALE = "de"


class BuilderError(Exception):
    """A question staff cannot save as given; ``message`` is a msgid for the form."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Words:
    prompt: str
    help_text: str = ""
    low_label: str = ""
    high_label: str = ""


@dataclass
class QuestionDraft:
    """A question as the builder's form gives it: words per locale, options as labels per
    locale in order."""

    kind: QuestionKind
    required: bool = False
    max_choices: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    words: dict[str, Words] = field(default_factory=dict)
    options: list[dict[str, str]] = field(default_factory=list)


def questions_of(session: Session, consultation_id: int) -> list[Question]:
    return list(
        session.exec(
            select(Question)
            .where(Question.consultation_id == consultation_id)
            .order_by(col(Question.position), col(Question.id))
        ).all()
    )


def question_of(session: Session, consultation: Consultation, question_id: int) -> Question:
    """The consultation's question, or NotFound (another consultation's is not there)."""
    in_range = 0 < question_id < 2**31
    question = session.get(Question, question_id) if in_range else None
    if question is None or question.consultation_id != consultation.id:
        raise NotFound
    return question


def is_answered(session: Session, question: Question) -> bool:
    if question.is_poll:
        return has_votes(session, question.consultation_id)
    for model in (QuestionnaireAnswer, Contribution):
        # A free text of a replaced response stays in moderation, linked to its question.
        found = session.exec(
            select(model.id).where(model.question_id == question.id).limit(1)
        ).first()
        if found is not None:
            return True
    return False


def _checked(draft: QuestionDraft) -> None:
    words = draft.words.get(FALLBACK_LOCALE)
    if words is None or not words.prompt.strip():
        raise BuilderError("prompt_missing", N_("The question needs its German wording."))
    if draft.kind in CHOICE_KINDS:
        if len(draft.options) < 2:
            raise BuilderError("options_missing", N_("A choice needs at least two options."))
        if len(draft.options) > MAX_OPTIONS:
            raise BuilderError("too_many_options", N_("A question has at most nine options."))
        if any(not labels.get(FALLBACK_LOCALE) for labels in draft.options):
            raise BuilderError("option_unnamed", N_("Every option needs its German wording."))
    limit = draft.max_choices if draft.kind is QuestionKind.multiple_choice else None
    if limit is not None and not (1 <= limit <= len(draft.options)):
        raise BuilderError(
            "limit_invalid", N_("The most choices must be between one and the number of options.")
        )
    low, high = draft.min_value, draft.max_value
    if low is not None and high is not None and low > high:
        raise BuilderError("range_invalid", N_("The smallest number must not exceed the largest."))


def add_question(
    session: Session, consultation: Consultation, draft: QuestionDraft, staff_id: int | None
) -> Question:
    _checked(draft)
    count, last = session.exec(
        select(func.count(), func.max(Question.position)).where(
            Question.consultation_id == consultation.id
        )
    ).one()
    if count >= MAX_QUESTIONS:
        raise BuilderError("too_many_questions", N_("A questionnaire has at most 40 questions."))
    question = Question(consultation_id=consultation.id, position=(last or 0) + 1, kind=draft.kind)
    _shape(question, draft)
    session.add(question)
    session.flush()
    _write_words(session, question, draft)
    _write_options(session, question, draft, [])
    audit(session, "question.add", "question", question.id, staff_id=staff_id, kind=draft.kind)
    return question


def _shape(question: Question, draft: QuestionDraft) -> None:
    question.required = draft.required
    question.max_choices = draft.max_choices if draft.kind is QuestionKind.multiple_choice else None
    numbered = draft.kind is QuestionKind.number
    question.min_value = draft.min_value if numbered else None
    question.max_value = draft.max_value if numbered else None


def _write_words(session: Session, question: Question, draft: QuestionDraft) -> dict:
    """Stores the draft's words; returns {locale: (before, after)} of what changed."""
    existing = {t.locale: t for t in texts_of(session, [question.id]).get(question.id, [])}
    changed = {}
    for locale, words in draft.words.items():
        row = existing.pop(locale, None)
        if not words.prompt.strip():
            if row is not None:
                changed[locale] = (row.prompt, "")
                session.delete(row)
            continue
        row = row or QuestionText(question_id=question.id, locale=locale, prompt="")
        before = (row.prompt, row.help_text, row.low_label, row.high_label)
        row.prompt, row.help_text = words.prompt.strip(), words.help_text.strip()
        row.low_label, row.high_label = words.low_label.strip(), words.high_label.strip()
        after = (row.prompt, row.help_text, row.low_label, row.high_label)
        if before != after:
            changed[locale] = (before[0], after[0])
        session.add(row)
    return changed


def _write_options(
    session: Session, question: Question, draft: QuestionDraft, existing: list[QuestionOption]
) -> list:
    """Stores the options in order, in place where they exist (ids kept)."""
    changed = []
    wanted = draft.options if QuestionKind(question.kind) in CHOICE_KINDS else []
    for option in existing[len(wanted) :]:
        session.delete(option)
    for position, labels in enumerate(wanted, start=1):
        clean = {locale: text.strip() for locale, text in labels.items() if text.strip()}
        if position <= len(existing):
            option = existing[position - 1]
            if option.labels != clean:
                changed.append((option.id, dict(option.labels), clean))
        else:
            option = QuestionOption(question_id=question.id, position=position)
        option.labels = clean
        session.add(option)
    session.flush()
    return changed


def _swapped(existing: list[QuestionOption], wanted: list[dict[str, str]]) -> bool:
    """Whether a reworded option takes another option's words: its answers would then
    read as that option's."""
    current = {label.casefold() for o in existing for label in o.labels.values()}
    for option, labels in zip(existing, wanted, strict=False):
        own = {label.casefold() for label in option.labels.values()}
        if any(label.strip().casefold() in current - own for label in labels.values()):
            return True
    return False


def update_question(
    session: Session,
    consultation: Consultation,
    question_id: int,
    draft: QuestionDraft,
    staff_id: int | None,
) -> None:
    """Rewords a question; changes its kind, limits and options only while unanswered."""
    question = question_of(session, consultation, question_id)
    if question.is_poll:
        raise BuilderError("poll_elsewhere", N_("The poll is edited with the consultation."))
    _checked(draft)
    existing = options_of(session, [question.id]).get(question.id, [])
    if is_answered(session, question):
        same = (
            draft.kind == question.kind
            and draft.required == question.required
            and len(draft.options) == len(existing)
            and (draft.max_choices, draft.min_value, draft.max_value)
            == (question.max_choices, question.min_value, question.max_value)
        )
        if not same or _swapped(existing, draft.options):
            raise BuilderError(
                "answered",
                N_("This question has answers: only its wording may change."),
            )
    question.kind = draft.kind
    _shape(question, draft)
    question.updated_at = utcnow()
    session.add(question)
    words = _write_words(session, question, draft)
    options = _write_options(session, question, draft, existing)
    if words or options:
        audit(
            session,
            "question.reword",
            "question",
            question.id,
            staff_id=staff_id,
            words={locale: list(pair) for locale, pair in words.items()},
            options=[{"id": i, "before": b, "after": a} for i, b, a in options],
        )


def move_question(
    session: Session, consultation: Consultation, question_id: int, step: int, staff_id: int | None
) -> None:
    """Swaps a question with its neighbour above (step -1) or below (+1)."""
    questions = questions_of(session, consultation.id)
    question = question_of(session, consultation, question_id)
    index = questions.index(question)
    other = index + (1 if step > 0 else -1)
    if not 0 <= other < len(questions):
        return
    questions[index], questions[other] = questions[other], questions[index]
    for position, row in enumerate(questions, start=1):
        if row.position != position:
            row.position = position
            session.add(row)
    session.flush()
    audit(session, "question.move", "question", question.id, staff_id=staff_id, step=step)


def remove_question(
    session: Session, consultation: Consultation, question_id: int, staff_id: int | None
) -> None:
    question = question_of(session, consultation, question_id)
    if question.is_poll:
        raise BuilderError("poll_elsewhere", N_("The poll is edited with the consultation."))
    if is_answered(session, question):
        raise BuilderError("answered_remove", N_("This question has answers and stays."))
    session.delete(question)
    session.flush()
    for position, row in enumerate(questions_of(session, consultation.id), start=1):
        row.position = position
        session.add(row)
    audit(session, "question.remove", "question", question_id, staff_id=staff_id)


def texts_of(session: Session, question_ids: list[int]) -> dict[int, list[QuestionText]]:
    found: dict[int, list[QuestionText]] = {}
    if question_ids:
        rows = session.exec(
            select(QuestionText).where(col(QuestionText.question_id).in_(question_ids))
        ).all()
        for row in rows:
            found.setdefault(row.question_id, []).append(row)
    return found


def options_of(session: Session, question_ids: list[int]) -> dict[int, list[QuestionOption]]:
    found: dict[int, list[QuestionOption]] = {}
    if question_ids:
        rows = session.exec(
            select(QuestionOption)
            .where(col(QuestionOption.question_id).in_(question_ids))
            .order_by(col(QuestionOption.position))
        ).all()
        for row in rows:
            found.setdefault(row.question_id, []).append(row)
    return found
