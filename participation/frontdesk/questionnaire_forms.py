"""The front desk's questionnaire entry form, read as typed and checked: how the form came
in, when, in which language, the resident's number if given, the attestation; the
answers themselves are checked by submit_response() against their questions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData

from participation.contributions.models import Channel
from participation.frontdesk.forms import (
    FRONT_DESK_CHANNELS,
    attested_voter_key,
    received_day,
    received_moment,
)
from participation.i18n.catalogs import gettext as _
from participation.moderation.front_desk_responses import ResponseEntry
from participation.questionnaires.forms import Answers, answers_of
from participation.settings import LANGUAGES
from participation.web.forms import field

FIELDS = ("channel", "received", "locale", "voter_phone")


@dataclass(frozen=True)
class ResponseForm:
    """The form as typed (shown again when something is wrong), what is wrong with it
    beside the answers, and the entry to store when nothing is."""

    values: dict[str, str]
    answers: Answers
    problems: dict[str, str]
    entry: ResponseEntry | None


def _values(raw: FormData) -> dict[str, str]:
    values = {name: field(raw, name, 100) for name in FIELDS}
    values["submission_key"] = field(raw, "submission_key", 100)
    values["attested"] = "on" if raw.get("attested") == "on" else ""
    return values


def parse_response_entry(raw: FormData, settings, now: datetime) -> ResponseForm:
    values = _values(raw)
    answers = answers_of(raw)
    tz = ZoneInfo(settings.timezone)
    problems: dict[str, str] = {}
    if values["channel"] not in {c.value for c in FRONT_DESK_CHANNELS}:
        problems["channel"] = _("Please choose how the form came in.")
    if values["locale"] not in LANGUAGES.values():
        problems["locale"] = _("Please choose the language of the form.")
    day = received_day(values, now.astimezone(tz).date(), problems)
    voter_key = attested_voter_key(values, settings, problems)
    if not any(value.strip() for given in answers.values() for value in given):
        problems["questions"] = _("Please enter at least one answer from the form.")
    if problems or day is None:
        return ResponseForm(values, answers, problems, None)
    entry = ResponseEntry(
        channel=Channel(values["channel"]),
        received=day,
        received_at=received_moment(day, now, tz),
        locale=values["locale"],
        answers=answers,
        voter_key=voter_key,
    )
    return ResponseForm(values, answers, problems, entry)
