"""The data-subject request form: the keys a person's data is found by, checked."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from participation import privacy
from participation.contributions.reference import parse_reference
from participation.i18n.catalogs import gettext as _
from participation.settings import Settings
from participation.web.forms import field


@dataclass(frozen=True)
class SubjectKeys:
    reference: str
    phone: str
    email: str

    def shown(self) -> dict[str, str]:
        """The values to put back into the form, and the keywords privacy.py takes."""
        return asdict(self)


def parse_subject_keys(form) -> SubjectKeys:
    return SubjectKeys(
        reference=field(form, "reference", 40).strip(),
        phone=field(form, "phone", 40).strip(),
        email=field(form, "email", 254).strip(),
    )


def subject_keys_problem(settings: Settings, keys: SubjectKeys) -> str | None:
    """What is wrong with the keys, in the words the form shows; None when nothing."""
    if not (keys.reference or keys.phone or keys.email):
        return _("Please enter a reference number, a phone number or an e-mail address.")
    if keys.phone and privacy.resolve_phone(settings, keys.phone) is None:
        return _("That is not a phone number we can read. Please type it with the area code.")
    if keys.reference and parse_reference(keys.reference) is None:
        return _("That is not a valid reference number (8 digits, e.g. 4711-2093).")
    return None
