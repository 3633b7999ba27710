"""The staff's consultation form: read, checked, and turned into a ConsultationEdit; and
a consultation turned back into the form's values for editing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from participation.consultations import service
from participation.i18n.catalogs import gettext as _
from participation.i18n.formatting import local_zone
from participation.moderation.consultation_edits import TEXT_PARTS, ConsultationEdit, Editing
from participation.numbers import digits_only
from participation.web.forms import field

#: Languages staff write texts in on this form; the others are added on the same form.
EDIT_LOCALES = ("de", "en", "tr", "ar", "ru", "uk", "pl", "de@easy")


@dataclass(frozen=True)
class ConsultationForm:
    #: As typed (the code as digits), shown again beside the errors.
    values: dict
    errors: dict[str, str]
    #: None when there are errors.
    edit: ConsultationEdit | None


def _parse_datetime(value: str) -> datetime | None:
    """A datetime-local field means the council's local time; stored as UTC."""
    try:
        moment = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_zone())
    return moment.astimezone(UTC) if moment else None


def _local_input(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(local_zone()).replace(tzinfo=None).isoformat(timespec="minutes")


def _form_values(form) -> dict:
    values: dict = {
        name: field(form, name, 20_000)
        for name in (
            "opens_at",
            "closes_at",
            "code",
            "poll_kind",
            "poll_choices",
            "retention_days",
            "default_locale",
        )
    }
    values["is_published"] = form.get("is_published") == "on"
    values["allow_unverified_votes"] = form.get("allow_unverified_votes") == "on"
    for locale in EDIT_LOCALES:
        for part in TEXT_PARTS:
            values[f"{part}:{locale}"] = field(form, f"{part}:{locale}", 20_000)
    return values


def values_from(editing: Editing) -> dict:
    """The form's values for a stored consultation."""
    consultation = editing.consultation
    values: dict = {
        "opens_at": _local_input(consultation.opens_at),
        "closes_at": _local_input(consultation.closes_at),
        "code": consultation.code,
        "is_published": consultation.is_published,
        "allow_unverified_votes": consultation.allow_unverified_votes,
        "retention_days": str(consultation.retention_days),
        "default_locale": consultation.default_locale,
    }
    for text in editing.texts:
        for part in TEXT_PARTS:
            values[f"{part}:{text.locale}"] = getattr(text, part)
    keys = [o.key for o in editing.options]
    if not editing.options:
        values["poll_kind"] = "none"
    elif keys == ["yes", "no"]:
        values["poll_kind"] = "yesno"
    elif keys == ["yes", "no", "undecided"]:
        values["poll_kind"] = "yesnoundecided"
    else:
        values["poll_kind"] = "choices"
        values["poll_choices"] = "\n".join(o.labels.get("de", "") for o in editing.options)
    return values


def _validate(values: dict) -> dict[str, str]:
    errors = {}
    if not values["title:de"].strip():
        errors["title:de"] = _(
            "Please enter a German title: it is the fallback for every language."
        )
    opens, closes = _parse_datetime(values["opens_at"]), _parse_datetime(values["closes_at"])
    if values["opens_at"] and opens is None:
        errors["opens_at"] = _("Please enter a valid date and time.")
    if values["closes_at"] and closes is None:
        errors["closes_at"] = _("Please enter a valid date and time.")
    if opens and closes and closes <= opens:
        errors["closes_at"] = _("The end must be after the start.")
    # '٤٧١١' is kept as 4711, the code people key in; '²²²' is no code (isdigit() says it is).
    values["code"] = digits_only(values["code"]) or values["code"]
    if values["code"] and (not values["code"].isascii() or not 3 <= len(values["code"]) <= 6):
        errors["code"] = _("The code must have 3 to 6 digits.")
    try:
        service.parse_retention_days(values["retention_days"])
    except service.InvalidRetention:
        errors["retention_days"] = _(
            "Please enter a number of days from %(min)s to %(max)s (ten years).",
            min=service.RETENTION_MIN_DAYS,
            max=service.RETENTION_MAX_DAYS,
        )
    if values["poll_kind"] == "choices":
        choices = [c for c in values["poll_choices"].splitlines() if c.strip()]
        if not 2 <= len(choices) <= 9:
            errors["poll_choices"] = _("Please enter 2 to 9 answers, one per line.")
    return errors


def _poll(values: dict) -> list[tuple[str, dict]]:
    kind = values["poll_kind"]
    if kind == "yesno":
        return [("yes", {}), ("no", {})]
    if kind == "yesnoundecided":
        return [("yes", {}), ("no", {}), ("undecided", {})]
    if kind == "choices":
        choices = [c.strip() for c in values["poll_choices"].splitlines() if c.strip()]
        return [("", {"de": c}) for c in choices]
    return []


def parse_consultation(form) -> ConsultationForm:
    values = _form_values(form)
    errors = _validate(values)
    if errors:
        return ConsultationForm(values, errors, None)
    edit = ConsultationEdit(
        opens_at=_parse_datetime(values["opens_at"]),
        closes_at=_parse_datetime(values["closes_at"]),
        is_published=values["is_published"],
        allow_unverified_votes=values["allow_unverified_votes"],
        retention_days=service.parse_retention_days(values["retention_days"]),
        code=values["code"],
        texts={
            locale: {p: values[f"{p}:{locale}"].strip() for p in TEXT_PARTS}
            for locale in EDIT_LOCALES
        },
        poll=_poll(values),
    )
    return ConsultationForm(values, errors, edit)


def code_taken_message() -> str:
    return _("This code is already used by another consultation.")


def poll_locked_message(error: service.PollLocked) -> str:
    if error.code == "results_published":
        return _(
            "The results are published, so the poll cannot be changed. "
            "Withdraw the results first if they must be corrected."
        )
    if error.code == "swapped":
        return _(
            "People have voted: an answer cannot take the wording of another answer, "
            "as that would move their votes."
        )
    return _(
        "People have voted, so the answers cannot be removed, added or switched off. "
        "You can only correct their wording."
    )
