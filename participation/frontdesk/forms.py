"""The front desk's entry form, read as typed and checked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from participation.contributions.models import Channel
from participation.i18n.catalogs import gettext as _
from participation.moderation.front_desk import Entry
from participation.phones import normalise_number, phone_key
from participation.settings import LANGUAGES
from participation.web.forms import field, int_or_none

FRONT_DESK_CHANNELS = (Channel.paper, Channel.in_person)

#: The fields of the entry form, each read as typed (the checks below say what is wrong).
ENTRY_FIELDS = ("channel", "received", "locale", "poll_option", "voter_phone", "pseudonym", "body")


@dataclass(frozen=True)
class EntryForm:
    """The form as typed (shown again when something is wrong), what is wrong with it,
    and the entry to store when nothing is."""

    values: dict[str, str]
    problems: dict[str, str]
    entry: Entry | None


def received_moment(day: date, now: datetime, tz: ZoneInfo) -> datetime:
    """Today means now; an earlier day means noon of that day in the council's time zone,
    so a letter from the first or last day of a consultation counts as inside it."""
    local_today = now.astimezone(tz).date()
    if day >= local_today:
        return now
    return datetime.combine(day, time(12, 0), tzinfo=tz).astimezone(UTC)


def _read_entry(raw) -> dict[str, str]:
    values = {name: field(raw, name, 100_000) for name in ENTRY_FIELDS}
    values["submission_key"] = field(raw, "submission_key", 100)
    values["attested"] = "on" if raw.get("attested") == "on" else ""
    return values


def received_day(values: dict[str, str], today: date, problems: dict[str, str]) -> date | None:
    try:
        day = date.fromisoformat(values["received"])
    except ValueError:
        problems["received"] = _("Please enter the date it was received.")
        return None
    if day > today:
        problems["received"] = _("The date received cannot be in the future.")
    return day


def attested_voter_key(values: dict[str, str], settings, problems: dict[str, str]) -> str | None:
    """The resident's phone hash for an answer given, if they gave a number."""
    if not values["attested"]:
        problems["attested"] = _("Please confirm that the resident gave this answer themselves.")
    if not values["voter_phone"].strip():
        return None
    e164 = normalise_number(values["voter_phone"], settings.default_region)
    if e164 is None:
        problems["voter_phone"] = _("Please check the phone number.")
        return None
    return phone_key(settings.secret_key, e164)


def parse_entry(raw, settings, now: datetime) -> EntryForm:
    values = _read_entry(raw)
    tz = ZoneInfo(settings.timezone)
    problems: dict[str, str] = {}
    if values["channel"] not in {c.value for c in FRONT_DESK_CHANNELS}:
        problems["channel"] = _("Please choose how the contribution came in.")
    day = received_day(values, now.astimezone(tz).date(), problems)
    option_id = int_or_none(values["poll_option"])
    voter_key = None
    if option_id is not None:
        voter_key = attested_voter_key(values, settings, problems)
    elif not values["body"].strip():
        problems["body"] = _("Please type the text or choose an answer to the question.")
    if problems or day is None:
        return EntryForm(values, problems, None)
    entry = Entry(
        channel=Channel(values["channel"]),
        received=day,
        received_at=received_moment(day, now, tz),
        locale=values["locale"] if values["locale"] in LANGUAGES.values() else "de",
        body=values["body"],
        pseudonym=values["pseudonym"],
        poll_option=values["poll_option"],
        option_id=option_id,
        voter_key=voter_key,
    )
    return EntryForm(values, problems, entry)
