"""A questionnaire as a door shows it: each question's words in the reader's language
(German where a language has none, marked), its options, its limits. Plain data."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from participation.consultations import service as consultations
from participation.consultations.models import Consultation, label_fallback, label_of
from participation.outcomes import NotFound, get_or_404
from participation.questionnaires.builder import (
    FALLBACK_LOCALE,
    options_of,
    questions_of,
    texts_of,
)
from participation.questionnaires.models import Question, QuestionKind, QuestionText


@dataclass(frozen=True)
class ShownOption:
    id: int
    position: int
    label: str
    #: "de" when the label is German in place of the reader's language, else "".
    fallback: str


@dataclass
class ShownQuestion:
    id: int
    position: int
    kind: QuestionKind
    required: bool
    prompt: str
    help_text: str = ""
    low_label: str = ""
    high_label: str = ""
    #: "de" when the words are German in place of the reader's language, else "".
    fallback: str = ""
    options: list[ShownOption] = field(default_factory=list)
    max_choices: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    is_poll: bool = False


def shown_questions(
    session: Session, consultation: Consultation, locale: str
) -> list[ShownQuestion]:
    """The consultation's questions in order, in ``locale`` where they have it. Four
    statements whatever the number of questions."""
    questions = questions_of(session, consultation.id)
    ids = [q.id for q in questions if not q.is_poll]
    texts = texts_of(session, ids)
    options = options_of(session, ids)
    shown = []
    for question in questions:
        if question.is_poll:
            shown.append(_poll(session, consultation, question, locale))
            continue
        item = _shown(question, texts.get(question.id, []), locale)
        item.options = [
            ShownOption(o.id, o.position, label_of(o, locale), label_fallback(o, locale))
            for o in options.get(question.id, [])
        ]
        shown.append(item)
    return shown


def _shown(question: Question, texts: list[QuestionText], locale: str) -> ShownQuestion:
    by_locale = {t.locale: t for t in texts}
    text = by_locale.get(locale) or by_locale.get(FALLBACK_LOCALE)
    fallback = "" if locale in by_locale or text is None else FALLBACK_LOCALE
    return ShownQuestion(
        id=question.id,
        position=question.position,
        kind=QuestionKind(question.kind),
        required=question.required,
        prompt=text.prompt if text else "",
        help_text=text.help_text if text else "",
        low_label=text.low_label if text else "",
        high_label=text.high_label if text else "",
        fallback=fallback,
        max_choices=question.max_choices,
        min_value=question.min_value,
        max_value=question.max_value,
    )


def _poll(
    session: Session, consultation: Consultation, question: Question, locale: str
) -> ShownQuestion:
    """The poll's words and options, where every other door reads them."""
    text = consultations.text_for(session, consultation, locale)
    prompt = text.text.poll_question if text else ""
    fallback = FALLBACK_LOCALE if text and text.is_fallback else ""
    if text and not prompt and text.locale != FALLBACK_LOCALE:
        german = consultations.text_for(session, consultation, FALLBACK_LOCALE)
        prompt, fallback = (german.text.poll_question if german else ""), FALLBACK_LOCALE
    return ShownQuestion(
        id=question.id,
        position=question.position,
        kind=QuestionKind.single_choice,
        required=question.required,
        prompt=prompt,
        fallback=fallback,
        is_poll=True,
        options=[
            ShownOption(o.id, o.position, label_of(o, locale), label_fallback(o, locale))
            for o in consultations.poll_options(session, consultation.id)
        ],
    )


def paper_form(session: Session, consultation_id: int, locale: str) -> dict:
    """The printable form's data for staff, in any phase: the consultation, its title
    and its questions in ``locale``; NotFound without questions."""
    consultation = get_or_404(session, Consultation, consultation_id)
    questions = shown_questions(session, consultation, locale)
    if not questions:
        raise NotFound
    return {
        "consultation": consultation,
        "text": consultations.text_for(session, consultation, locale),
        "questions": questions,
    }


#: Questions per page of the web form: a long questionnaire is answered a page at a time.
PAGE_SIZE = 5


def paged(questions: list[ShownQuestion], size: int = PAGE_SIZE) -> list[list[ShownQuestion]]:
    """The questions in pages of ``size``, in order; one (empty) page when there are none."""
    return [questions[start : start + size] for start in range(0, len(questions), size)] or [[]]
