"""The set-up steps' forms: each reads and checks only its own fields, with the same names
as the one-page form (title:de, poll_kind, ...), so both are checked alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from participation.consultations import service
from participation.consultations.forms import _parse_datetime, _poll, _validate
from participation.i18n.catalogs import gettext as _
from participation.moderation.consultation_setup import Answers, Basics, LanguageTexts
from participation.web.forms import field

WHAT_FIELDS = ("title:de", "summary:de", "body_md:de", "opens_at", "closes_at", "code")
POLL_KINDS = ("none", "yesno", "yesnoundecided", "choices")
#: What the columns hold (models.ConsultationText); longer is refused beside the field.
TEXT_LIMITS = {"title": 200, "summary": 1000, "phone_summary": 1000, "poll_question": 300}
LANGUAGE_PARTS = ("title", "summary", "body_md", "phone_summary", "poll_question")
PHONE_PARTS = ("phone_summary", "poll_question")


@dataclass(frozen=True)
class StepForm:
    #: As typed, shown again beside the errors.
    values: dict[str, Any]
    errors: dict[str, str]
    #: What the step saves; None when there are errors.
    parsed: Any


def _too_long(values: dict, locale: str, parts: tuple[str, ...]) -> dict[str, str]:
    errors = {}
    for part in parts:
        limit = TEXT_LIMITS.get(part)
        if limit and len(values[f"{part}:{locale}"]) > limit:
            errors[f"{part}:{locale}"] = _(
                "Please shorten this text to %(limit)s characters.", limit=limit
            )
    return errors


def parse_what(form) -> StepForm:
    values = {name: field(form, name, 20_000) for name in (*WHAT_FIELDS, "retention_days")}
    errors = _validate({**values, "poll_kind": "", "poll_choices": ""})
    errors.update(_too_long(values, "de", ("title", "summary")))
    if errors:
        return StepForm(values, errors, None)
    basics = Basics(
        opens_at=_parse_datetime(values["opens_at"]),
        closes_at=_parse_datetime(values["closes_at"]),
        code=values["code"],
        retention_days=service.parse_retention_days(values["retention_days"]),
        title=values["title:de"].strip(),
        summary=values["summary:de"].strip(),
        body_md=values["body_md:de"].strip(),
    )
    return StepForm(values, errors, basics)


def parse_answers(form) -> StepForm:
    values: dict[str, Any] = {
        "poll_kind": field(form, "poll_kind", 40),
        "poll_choices": field(form, "poll_choices", 20_000),
        "allow_unverified_votes": form.get("allow_unverified_votes") == "on",
    }
    errors: dict[str, str] = {}
    if values["poll_kind"] not in POLL_KINDS:
        errors["poll_kind"] = _("Please choose whether there is a poll.")
    elif values["poll_kind"] == "choices":
        choices = [c for c in values["poll_choices"].splitlines() if c.strip()]
        if not 2 <= len(choices) <= 9:
            errors["poll_choices"] = _("Please enter 2 to 9 answers, one per line.")
    if errors:
        return StepForm(values, errors, None)
    return StepForm(values, errors, Answers(_poll(values), values["allow_unverified_votes"]))


def parse_texts(form, locale: str, parts: tuple[str, ...]) -> StepForm:
    """Some texts of one language: another language than German needs a title as soon
    as anything is written in it (its page would have none), and may be left empty."""
    values = {f"{part}:{locale}": field(form, f"{part}:{locale}", 20_000) for part in parts}
    errors = _too_long(values, locale, parts)
    title = f"title:{locale}"
    if title in values and not values[title].strip() and any(v.strip() for v in values.values()):
        errors[title] = _(
            "Please enter a title in this language, or empty all its fields to show German."
        )
    if errors:
        return StepForm(values, errors, None)
    texts = {part: values[f"{part}:{locale}"].strip() for part in parts}
    return StepForm(values, errors, LanguageTexts(locale, texts))
