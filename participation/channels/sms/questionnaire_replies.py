"""The texts of a questionnaire answered by SMS, each within two segments.

A question is asked with its number ("2/5"), its words, its options numbered and what to
send. The words of the question are never cut: what gives way, in this order, is the
opening hint, the repeated answer, the options' words (shortened visibly, with "..."),
then the options' words altogether (the numbers stay, with the question). A question
whose own words do not fit even so is reported by ``fits`` (the segment test proves
the demo's questions fit in every language).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from participation.channels.sms.parser import SMS_LANGUAGES
from participation.channels.sms.questionnaire_reading import Steer, steering_word
from participation.channels.sms.replies import _fitted, keywords, render, shorten
from participation.contributions.reference import format_reference
from participation.questionnaires.pages import ShownQuestion
from participation.sms_segments import MAX_REPLY_SEGMENTS, segments


@dataclass(frozen=True)
class Asked:
    """Which question, of how many, in which conversation."""

    question: ShownQuestion
    number: int
    count: int
    code: str


def _sms_language(language: str) -> str:
    return language if language in SMS_LANGUAGES else "de"


def _options(question: ShownQuestion, limit: int | None) -> str:
    if limit == 0:
        return ", ".join(str(option.position) for option in question.options)
    return ", ".join(
        f"{option.position} {shorten(option.label, limit) if limit else option.label}"
        for option in question.options
    )


def _understood(language: str, understood: Sequence[str], limit: int | None) -> str:
    words = keywords(language)
    named = [words.get(item, item) if item in ("yes", "no") else item for item in understood]
    # The reply's own full stop follows: "Mehr Schatten!" is not repeated as "Schatten!.".
    text = ", ".join(named).rstrip(" .!?")
    if limit == 0:
        return ""
    return shorten(text, limit) if limit else text


def _question_variants(
    language: str, asked: Asked, context: dict[str, Any], understood: Sequence[str]
) -> Iterator[dict[str, Any]]:
    question = asked.question
    sms_language = _sms_language(language)
    base = dict(
        code=asked.code,
        number=asked.number,
        count=asked.count,
        prompt=question.prompt,
        kind=question.kind.value,
        limit=question.max_choices,
        low=question.low_label or "1",
        high=question.high_label or "5",
        low_value=question.min_value,
        high_value=question.max_value,
        optional=not question.required,
        back=steering_word(Steer.back, sms_language),
        end=steering_word(Steer.end, sms_language),
        skip=steering_word(Steer.skip, sms_language),
        **context,
    )
    intro = base.pop("intro", False)
    # After a problem the problem says what to send: the instructions may go.
    can_drop_how = bool(context.get("problem") or context.get("missing"))
    for loss in _losses(intro, bool(understood), can_drop_how):
        with_intro, option_limit, echo_limit, skip_hint, how = loss
        yield dict(
            base,
            intro=with_intro,
            options=_options(question, option_limit),
            understood=_understood(language, understood, echo_limit),
            optional=skip_hint and not question.required,
            how=how,
        )


Loss = tuple[bool, int | None, int | None, bool, bool]


def _losses(intro: bool, echo: bool, can_drop_how: bool) -> Iterator[Loss]:
    """What a question's reply gives up, least first: the opening hint, then the repeated
    answer and the options' words by turns, then the skip hint (said with every earlier
    question), then after a problem the instructions, and last the options' words
    (their numbers stay)."""
    echoes: tuple[int | None, ...] = (None, 24, 12, 0) if echo else (None,)
    stages = [(True, True), (False, True)] + ([(False, False)] if can_drop_how else [])
    if intro:
        # The opening hint stays if the options' words can stay whole beside it.
        for skip_hint in (True, False):
            for echo_limit in echoes:
                yield True, None, echo_limit, skip_hint, True
    for skip_hint, how in stages:
        # The options' words are cut short only once the skip hint is gone.
        for option_limit in (None, 16) if skip_hint else (None, 16, 10, 6):
            for echo_limit in echoes:
                yield False, option_limit, echo_limit, skip_hint, how
    for echo_limit in echoes:
        yield False, 0, echo_limit, False, can_drop_how is False


def question(
    language: str,
    asked: Asked,
    *,
    intro: bool = False,
    understood: Sequence[str] = (),
    skipped: bool = False,
    problem: str = "",
    missing: bool = False,
) -> str:
    """Asks ``asked.question``; before it, what was understood of the last answer or
    what was wrong with it."""
    context = dict(intro=intro, skipped=skipped, problem=problem, missing=missing)
    return _fitted("question", language, _question_variants(language, asked, context, understood))


def fits(language: str, asked: Asked) -> bool:
    """Whether the question can be asked in two segments at all (its words uncut)."""
    return segments(question(language, asked, problem="")) <= MAX_REPLY_SEGMENTS


def whole(language: str, asked: Asked) -> bool:
    """Whether the question can be asked with its options' words whole (and no more)."""
    context = dict(intro=False, skipped=False, problem="", missing=False)
    variants = _question_variants(language, asked, context, ())
    plain = next(v for v in variants if not v["optional"])
    return segments(render("question", language, **plain)) <= MAX_REPLY_SEGMENTS


def done(
    language: str,
    *,
    code: str,
    reference: str,
    understood: Sequence[str] = (),
    replaced: bool = False,
    texts: bool = False,
) -> str:
    ref = format_reference(reference)
    return _fitted(
        "questionnaire_done",
        language,
        (
            dict(
                code=code,
                ref=ref,
                replaced=replaced,
                texts=checked,
                understood=_understood(language, understood, limit),
            )
            for checked in ((True, False) if texts else (False,))
            for limit in (None, 24, 12, 0)
        ),
    )


def help_text(language: str, *, code: str, count: int) -> str:
    sms_language = _sms_language(language)
    words = dict(
        code=code,
        count=count,
        back=steering_word(Steer.back, sms_language),
        end=steering_word(Steer.end, sms_language),
        skip=steering_word(Steer.skip, sms_language),
    )
    # The usual words (LÖSCHEN, STOP) are the first to go: every other HILFE says them.
    return _fitted("questionnaire_help", language, (dict(words, usual=u) for u in (True, False)))


def ended(language: str, *, code: str) -> str:
    return render("questionnaire_ended", language, code=code)


def expired(language: str, *, code: str) -> str:
    return render("questionnaire_expired", language, code=code)


def no_questionnaire(language: str, *, code: str) -> str:
    return render("no_questionnaire", language, code=code)
