"""The clerk's set-up of a consultation as a list of short steps, each its own page.

A small registry: a new way of answering (a questionnaire, say) adds its own step with
register_step(..., after="answers") and the pages, the step list and the links follow.
Each step names its form parser and the domain function that saves it; the endpoints in
setup_routes.py are the same for all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from participation.channels.sms import replies
from participation.consultations import setup_forms
from participation.consultations.setup_forms import StepForm
from participation.i18n.catalogs import gettext as _
from participation.moderation import consultation_setup as setup
from participation.settings import LANGUAGES
from participation.sms_segments import (
    MAX_REPLY_SEGMENTS,
    SegmentCount,
    count_segments,
    gsm_friendly,
)
from participation.speaking_time import SUMMARY_SECONDS_LIMIT, seconds_to_say

#: The languages after German, each its own step (URL codes: "ls" is Leichte Sprache).
FURTHER_LANGUAGES = tuple(code for code in LANGUAGES if code != "de")
#: Each language named in itself, as the language switcher names them.
LANGUAGE_NAMES = {
    "de": "Deutsch",
    "en": "English",
    "tr": "Türkçe",
    "ar": "العربية",
    "ru": "Русский",
    "uk": "Українська",
    "pl": "Polski",
    "ls": "Leichte Sprache",
}


@dataclass(frozen=True)
class Step:
    slug: str
    #: The step's name in the reader's language (a function: read when shown).
    label: Callable[[], str]
    template: str
    #: form -> StepForm; its ``parsed`` is what ``save`` takes.
    parse: Callable[[Any], StepForm]
    #: (session, consultation id, parsed, staff id) -> Consultation; a domain function.
    save: Callable[..., Any]


def _what() -> str:
    return _("What and when")


def _answers() -> str:
    return _("How people answer")


def _phone() -> str:
    return _("Phone and SMS")


def _languages() -> str:
    return _("Languages")


def _parse_phone(form) -> StepForm:
    return setup_forms.parse_texts(form, "de", setup_forms.PHONE_PARTS)


def _parse_none(form) -> StepForm:
    return StepForm({}, {}, None)


def _save_none(session, consultation_id: int, parsed: None, staff_id: int) -> None:
    """The languages' overview saves nothing: each language is its own step."""


STEPS: list[Step] = [
    Step("what", _what, "staff/setup/what.html", setup_forms.parse_what, setup.save_basics),
    Step(
        "answers",
        _answers,
        "staff/setup/answers.html",
        setup_forms.parse_answers,
        setup.save_answers,
    ),
    Step("phone", _phone, "staff/setup/phone.html", _parse_phone, setup.save_language),
    Step("languages", _languages, "staff/setup/languages.html", _parse_none, _save_none),
]


def register_step(step: Step, *, after: str) -> None:
    """Adds a step after the one named ``after`` (a new way of answering after "answers")."""
    index = next(i for i, s in enumerate(STEPS) if s.slug == after)
    STEPS.insert(index + 1, step)


def _language_label(code: str) -> str:
    return LANGUAGE_NAMES[code]


def language_step(code: str) -> Step:
    locale = LANGUAGES[code]
    return Step(
        code,
        partial(_language_label, code),
        "staff/setup/language.html",
        partial(setup_forms.parse_texts, locale=locale, parts=setup_forms.LANGUAGE_PARTS),
        setup.save_language,
    )


def find_step(slug: str) -> Step | None:
    for step in STEPS:
        if step.slug == slug:
            return step
    return language_step(slug) if slug in FURTHER_LANGUAGES else None


def next_step(slug: str) -> str | None:
    """Where "Save and continue" leads: the next step; each language back to the list."""
    slugs = [s.slug for s in STEPS]
    if slug in FURTHER_LANGUAGES:
        return "languages"
    index = slugs.index(slug)
    return slugs[index + 1] if index + 1 < len(slugs) else None


@dataclass(frozen=True)
class TextCounts:
    """What a phone and SMS text costs: SMS segments, seconds of speech, and the INFO
    reply a resident gets, with the limits beside them."""

    segments: SegmentCount
    seconds: int
    #: The INFO reply as sent: the real reply function, fitted into its two segments.
    info_reply: str
    #: The reply had to shorten the text to fit.
    cut: bool
    segments_limit: int = MAX_REPLY_SEGMENTS
    seconds_limit: int = SUMMARY_SECONDS_LIMIT

    @property
    def too_long_to_say(self) -> bool:
        return self.seconds > self.seconds_limit


def count_text(text: str, language: str, *, code: str, title: str) -> TextCounts:
    """``text`` as the phone line reads it and the SMS INFO reply sends it."""
    reply = replies.info(language, code=code, title=title, summary=text, phase="open")
    flat = gsm_friendly(" ".join(text.split()))
    return TextCounts(
        segments=count_segments(text),
        seconds=seconds_to_say(text, language),
        info_reply=reply,
        cut=bool(flat) and flat not in reply,
    )
