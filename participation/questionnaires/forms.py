"""The question builder's form: fields in, a QuestionDraft or messages per field out."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.datastructures import FormData

from participation.consultations.forms import EDIT_LOCALES
from participation.i18n.catalogs import gettext as _
from participation.questionnaires.answers import MAX_TEXT, MAX_VALUES
from participation.questionnaires.builder import MAX_OPTIONS, QuestionDraft, Words
from participation.questionnaires.editing import QuestionEditing
from participation.questionnaires.models import QuestionKind

WORD_PARTS = ("prompt", "help_text", "low_label", "high_label", "options")
LIMITS = {"prompt": 300, "help_text": 500, "low_label": 80, "high_label": 80, "options": 2000}
NUMBER_FIELDS = ("max_choices", "min_value", "max_value")


@dataclass
class ParsedQuestion:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    draft: QuestionDraft | None = None


def _text(form: FormData, name: str, limit: int) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def parse_question(form: FormData) -> ParsedQuestion:
    values = {"kind": _text(form, "kind", 20), "required": "1" if form.get("required") else ""}
    for name in NUMBER_FIELDS:
        values[name] = _text(form, name, 12).strip()
    for locale in EDIT_LOCALES:
        for part in WORD_PARTS:
            values[f"{part}:{locale}"] = _text(form, f"{part}:{locale}", LIMITS[part])
    parsed = ParsedQuestion(values)
    try:
        kind = QuestionKind(values["kind"])
    except ValueError:
        parsed.errors["kind"] = _("Please choose the kind of question.")
        return parsed
    numbers: dict[str, int | None] = {}
    for name in NUMBER_FIELDS:
        raw = values[name]
        digits = raw.removeprefix("-")
        if raw and (not digits.isdecimal() or len(digits) > 9):
            parsed.errors[name] = _("Please enter a whole number.")
        numbers[name] = int(raw) if raw and name not in parsed.errors else None
    if parsed.errors:
        return parsed
    parsed.draft = QuestionDraft(
        kind=kind,
        required=bool(values["required"]),
        words={
            locale: Words(
                values[f"prompt:{locale}"],
                values[f"help_text:{locale}"],
                values[f"low_label:{locale}"],
                values[f"high_label:{locale}"],
            )
            for locale in EDIT_LOCALES
        },
        options=_options(values),
        **numbers,
    )
    return parsed


def _options(values: dict[str, str]) -> list[dict[str, str]]:
    """Options one per line, the German lines giving their number; more than nine lines
    are kept for the builder to refuse."""
    lines = {
        locale: [line.strip() for line in values[f"options:{locale}"].splitlines()]
        for locale in EDIT_LOCALES
    }
    german = [index for index, line in enumerate(lines["de"]) if line]
    options = []
    for index in german[: MAX_OPTIONS + 1]:
        labels = {"de": lines["de"][index]}
        for locale in EDIT_LOCALES[1:]:
            own = lines[locale]
            if index < len(own) and own[index]:
                labels[locale] = own[index]
        options.append(labels)
    return options


def values_of(found: QuestionEditing) -> dict[str, str]:
    question = found.question
    values = {
        "kind": question.kind,
        "required": "1" if question.required else "",
        **{
            name: "" if getattr(question, name) is None else str(getattr(question, name))
            for name in NUMBER_FIELDS
        },
    }
    by_locale = {t.locale: t for t in found.texts}
    for locale in EDIT_LOCALES:
        text = by_locale.get(locale)
        for part in WORD_PARTS[:-1]:
            values[f"{part}:{locale}"] = getattr(text, part) if text else ""
        values[f"options:{locale}"] = "\n".join(o.labels.get(locale, "") for o in found.options)
    return values


#: More fields than any questionnaire has questions are not read.
MAX_FIELDS = 60
Answers = dict[int, list[str]]


def answers_of(form: FormData) -> Answers:
    """The answers of a questionnaire form (the web's, the front desk's): ``q-<id>``
    fields as sent, each value cut just past the longest answer taken."""
    answers: Answers = {}
    for key in list(form.keys())[: MAX_FIELDS * 4]:
        number = key.removeprefix("q-")
        if key == number or not number.isdecimal() or len(number) > 9 or len(answers) >= MAX_FIELDS:
            continue
        values = [v for v in form.getlist(key) if isinstance(v, str)][: MAX_VALUES + 1]
        answers[int(number)] = [v[: MAX_TEXT + 1] for v in values]
    return answers
