"""Each raw answer a door received, checked against its question.

A problem is reported per question with a msgid and its values, for the door to word in
the reader's language: a required question left empty, an option that is not this
question's, too many choices, a number out of range, a text too long.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from participation.consultations import service as consultations
from participation.consultations.models import Consultation
from participation.contributions.text import normalise_text
from participation.i18n.catalogs import N_
from participation.questionnaires.builder import options_of
from participation.questionnaires.models import SCALE_MAX, SCALE_MIN, Question, QuestionKind

#: A free-text answer; longer ones are refused rather than cut.
MAX_TEXT = 2000
#: Raw values taken per question: more than any question has options.
MAX_VALUES = 9
YES, NO = "yes", "no"


@dataclass(frozen=True)
class AnswerProblem:
    code: str
    #: A msgid; ``values`` fill its placeholders.
    message: str
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Recording:
    """A spoken free-text answer (the phone line): the carrier's recording, which becomes
    the answer's contribution as a recorded comment does, for staff to write down."""

    url: str
    duration: int
    #: The carrier's recording id: a second delivery finds what the first stored.
    external_id: str | None = None


@dataclass
class Checked:
    question: Question
    option_ids: list[int] = field(default_factory=list)
    number: int | None = None
    text: str = ""
    recording: Recording | None = None


_MISSING = AnswerProblem("missing", N_("Please answer this question."))
_INVALID_OPTION = AnswerProblem("invalid_option", N_("Please choose one of the options shown."))
_ONE_ONLY = AnswerProblem("one_only", N_("Please choose only one option."))
_NOT_A_NUMBER = AnswerProblem("not_a_number", N_("Please enter a whole number."))


def checked_answers(
    session: Session,
    consultation: Consultation,
    questions: list[Question],
    answers: Mapping[int, Sequence[str]],
    recordings: Mapping[int, Recording] | None = None,
) -> tuple[list[Checked], dict[int, AnswerProblem]]:
    """The answers given, checked, and a problem per question that has one. A recording
    answers a free-text question in place of a text."""
    options = {
        q: {o.id for o in opts}
        for q, opts in options_of(session, [q.id for q in questions]).items()
    }
    poll = {o.id for o in consultations.poll_options(session, consultation.id)}
    checked: list[Checked] = []
    problems: dict[int, AnswerProblem] = {}
    for question in questions:
        raw = [value.strip() for value in answers.get(question.id, ()) if value and value.strip()]
        recording = (recordings or {}).get(question.id)
        if recording is not None and not raw and question.kind == QuestionKind.free_text:
            checked.append(Checked(question, recording=recording))
            continue
        if not raw:
            if question.required:
                problems[question.id] = _MISSING
            continue
        allowed = poll if question.is_poll else options.get(question.id, set())
        item, problem = _checked_one(question, raw, allowed)
        if problem is not None:
            problems[question.id] = problem
        elif item is not None:
            checked.append(item)
    return checked, problems


def _checked_one(
    question: Question, raw: list[str], allowed: set[int]
) -> tuple[Checked | None, AnswerProblem | None]:
    kind = QuestionKind(question.kind)
    if len(raw) > MAX_VALUES:
        return None, _INVALID_OPTION
    if kind in (QuestionKind.single_choice, QuestionKind.multiple_choice):
        return _choice(question, kind, raw, allowed)
    if len(raw) > 1:
        return None, _ONE_ONLY
    value = raw[0]
    if kind is QuestionKind.free_text:
        text = normalise_text(value)
        if len(text) > MAX_TEXT:
            return None, AnswerProblem(
                "too_long",
                N_("Please shorten your answer to %(limit)s characters (now %(length)s)."),
                {"limit": MAX_TEXT, "length": len(text)},
            )
        return Checked(question, text=text), None
    if kind is QuestionKind.yes_no:
        if value not in (YES, NO):
            return None, _INVALID_OPTION
        return Checked(question, number=1 if value == YES else 0), None
    low, high = (
        (SCALE_MIN, SCALE_MAX)
        if kind is QuestionKind.scale
        else (question.min_value, question.max_value)
    )
    number = _integer(value)
    if number is None:
        return None, _NOT_A_NUMBER
    if (low is not None and number < low) or (high is not None and number > high):
        return None, _out_of_range(low, high)
    return Checked(question, number=number), None


def _choice(
    question: Question, kind: QuestionKind, raw: list[str], allowed: set[int]
) -> tuple[Checked | None, AnswerProblem | None]:
    ids = [_integer(value) for value in raw]
    if any(i is None or i not in allowed for i in ids):
        return None, _INVALID_OPTION
    chosen = sorted(set(i for i in ids if i is not None))
    if kind is QuestionKind.single_choice and len(chosen) > 1:
        return None, _ONE_ONLY
    limit = question.max_choices
    if limit is not None and len(chosen) > limit:
        return None, AnswerProblem(
            "too_many",
            N_("Please choose at most %(limit)s options."),
            {"limit": limit},
        )
    return Checked(question, option_ids=chosen), None


def _integer(value: str) -> int | None:
    # Twelve characters at most: no arbitrary-length number is ever parsed.
    text = value.replace(" ", "")
    if len(text) > 12 or not text.removeprefix("-").isdecimal():
        return None
    number = int(text)
    return number if -(2**31) < number < 2**31 else None


def _out_of_range(low: int | None, high: int | None) -> AnswerProblem:
    if low is not None and high is not None:
        return AnswerProblem(
            "out_of_range",
            N_("Please enter a number from %(low)s to %(high)s."),
            {"low": low, "high": high},
        )
    if low is not None:
        return AnswerProblem("out_of_range", N_("Please enter %(low)s or more."), {"low": low})
    return AnswerProblem("out_of_range", N_("Please enter %(high)s or less."), {"high": high})
