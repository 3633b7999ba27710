"""The operator's forms: what each field is called, and each refusal in the reader's words."""

from __future__ import annotations

from datetime import date

from participation.councils.service import CONFIGURABLE, CouncilError
from participation.i18n.catalogs import gettext as _
from participation.web.forms import field

#: Where each refusal of councils/service.py is shown on the form.
FIELD_OF = {
    "slug_invalid": "slug",
    "slug_taken": "slug",
    "name_missing": "name",
    "host_invalid": "host",
    "host_taken": "host",
    "number_invalid": "number",
    "number_taken": "number",
    "timezone_invalid": "timezone",
    "colour_invalid": "accent_colour",
    "colour_contrast": "accent_colour",
    "email_invalid": "email",
}


def labels() -> dict[str, str]:
    """The configurable fields' labels, in the order of the form."""
    return {
        "name": _("Name as residents read it"),
        "address": _("Postal address"),
        "email": _("E-mail address"),
        "phone": _("Phone number"),
        "sms_number": _("SMS number"),
        "front_desk_hours": _("Front desk hours"),
        "phone_hours": _("Phone hours"),
        "data_protection_officer": _("Data protection officer"),
        "timezone": _("Time zone"),
        "accent_colour": _("Accent colour"),
        "suspended_notice": _("Notice while suspended"),
    }


def problem_text(code: str) -> str:
    texts = {
        "slug_invalid": _("The short name is lower-case letters, digits and hyphens."),
        "slug_taken": _("A council with this short name exists already."),
        "name_missing": _("The council needs a name."),
        "host_invalid": _("This is not a host name."),
        "host_taken": _("This host name belongs to a council already."),
        "number_invalid": _("This is not a phone number in international form (+49...)."),
        "number_taken": _("This number belongs to a council already."),
        "timezone_invalid": _("This is not a time zone (for example Europe/Berlin)."),
        "colour_invalid": _("The accent colour is #rrggbb, for example #1d5f3a."),
        "colour_contrast": _(
            "The accent colour is too light: links in it need a contrast of 4.5:1 on "
            "white. Please choose a darker one."
        ),
        "email_invalid": _("This is not an e-mail address."),
        "operator_host": _("This host name serves the operator's pages."),
    }
    return texts.get(code, _("This value is too long."))


def errors_of(problem: CouncilError) -> dict[str, str]:
    """The refusal as the error summary takes it: {field name: message}."""
    name = FIELD_OF.get(problem.code, problem.code.removesuffix("_too_long"))
    return {name: problem_text(problem.code)}


def configure_changes(form) -> dict[str, str]:
    """Every configurable field the form sent, as sent."""
    return {
        name: field(form, name, limit + 1)
        for name, limit in CONFIGURABLE.items()
        if form.get(name) is not None
    }


def month_of(value: str | None, today: date) -> date | None:
    """The month of ``?month=YYYY-MM``, this month when absent, None when it is no month."""
    if not value:
        return today.replace(day=1)
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except ValueError:
        return None
