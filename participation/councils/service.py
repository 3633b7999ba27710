"""Councils: create, configure, suspend and archive them; find one by host or number.

A plain function per step, for the operator's command line and pages alike. Nothing
here reads a council's citizens' rows.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, func
from sqlmodel import Session, col, select

from participation.clock import utcnow
from participation.councils.models import (
    Council,
    CouncilHost,
    CouncilNumber,
    CouncilStatus,
    insert_first_council,
)
from participation.crypto import decrypt, encrypt
from participation.opening_hours import HoursInvalid, parse_hours
from participation.settings import Settings
from participation.tenancy import FIRST_COUNCIL

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
HOST = re.compile(r"^(?=.{1,253}$)[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})*$")


class CouncilError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


#: Profile fields of a council and the setting each stands for where it is left empty.
PROFILE = {
    "name": "council_name",
    "address": "council_address",
    "email": "council_email",
    "phone": "council_phone",
    "sms_number": "council_sms_number",
    "front_desk_hours": "front_desk_hours",
    "phone_hours": "phone_hours",
    "data_protection_officer": "data_protection_officer",
    "timezone": "timezone",
    "twilio_account_sid": "twilio_account_sid",
    "twilio_auth_token": "twilio_auth_token",
    "twilio_region": "twilio_region",
    "twilio_edge": "twilio_edge",
    "twilio_api_key_sid": "twilio_api_key_sid",
    "twilio_api_key_secret": "twilio_api_key_secret",
    "twilio_messaging_service_sid": "twilio_messaging_service_sid",
    "twilio_advanced_opt_out": "twilio_advanced_opt_out",
    "twilio_webhook_key_id": "twilio_webhook_key_id",
    "twilio_webhook_key_secret": "twilio_webhook_key_secret",
    # After the free-text columns: where both are set, the days and times win.
    "front_desk_schedule": "front_desk_hours",
    "phone_schedule": "phone_hours",
}
#: The hours people set (CONFIGURABLE) and the column their days and times go to.
SCHEDULES = {"front_desk_hours": "front_desk_schedule", "phone_hours": "phone_schedule"}
#: Where any council may fall back to the installation's value: not a council's contact.
#: A provider may carry every council's numbers on its own Twilio account. A Messaging
#: Service is not among them: its sender pool holds some council's numbers.
SHARED_DEFAULTS = frozenset(
    {
        "timezone",
        "twilio_account_sid",
        "twilio_auth_token",
        "twilio_region",
        "twilio_edge",
        "twilio_api_key_sid",
        "twilio_api_key_secret",
        "twilio_webhook_key_id",
        "twilio_webhook_key_secret",
    }
)
#: Stored encrypted with SECRET_KEY (crypto.encrypt).
ENCRYPTED = ("twilio_auth_token", "twilio_api_key_secret", "twilio_webhook_key_secret")
#: A council's own account is reached with its own credentials only: the installation's
#: region, API key and signing key belong to the installation's account.
OWN_ACCOUNT_ONLY = (
    "twilio_region",
    "twilio_edge",
    "twilio_api_key_sid",
    "twilio_api_key_secret",
    "twilio_webhook_key_id",
    "twilio_webhook_key_secret",
    "twilio_messaging_service_sid",
)


@dataclass(frozen=True)
class CouncilEntry:
    """What a request needs of its council, read once and kept by the process."""

    id: int
    slug: str
    name: str
    status: CouncilStatus
    suspended_notice: str
    #: setting name -> the council's own value, for those it has set (see PROFILE).
    profile: tuple[tuple[str, str], ...] = ()
    #: Its host names, the first being its public address.
    hosts: tuple[str, ...] = ()
    #: Its phone and SMS numbers (E.164), where Twilio's webhooks find it.
    numbers: tuple[str, ...] = ()
    #: "/c/<slug>" where its public address is the path-prefix fallback on the
    #: installation's own host: it has no host name of its own, and the installation
    #: has other councils (the first one keeps every host while no council has one).
    path_prefix: str = ""
    #: Its accent colour ("#rrggbb", checked for contrast), or "" for the standard one.
    accent: str = ""
    #: When its row last changed: the version in its stylesheet's URL.
    updated: str = ""
    #: Other councils share the installation: its sessions must keep to it. With one
    #: council there is nothing to cross, and its sessions skip the scoping's cost.
    shared: bool = False

    @property
    def session_council(self) -> int | None:
        """What a request's session is kept to (tenancy.scope): None for the only one."""
        return self.id if self.shared else None

    def settings(self, base: Settings) -> Settings:
        """The installation's settings as this council's pages and doors see them: the
        first council falls back to the environment for every empty field (a
        single-council installation is configured there); the others only for
        SHARED_DEFAULTS, so that no council shows another one's address or numbers."""
        own: dict[str, Any] = dict(self.profile)
        for setting in ENCRYPTED:
            if setting in own:
                own[setting] = decrypt(base.secret_key, own[setting]) or ""
        if "twilio_account_sid" in own:
            for setting in OWN_ACCOUNT_ONLY:
                own.setdefault(setting, "")
        if "twilio_advanced_opt_out" in own:
            own["twilio_advanced_opt_out"] = True
        changes: dict[str, Any] = {}
        for setting in PROFILE.values():
            if setting in own:
                changes[setting] = own[setting]
            elif self.id != FIRST_COUNCIL and setting not in SHARED_DEFAULTS:
                changes[setting] = False if setting == "twilio_advanced_opt_out" else ""
        if self.id != FIRST_COUNCIL:
            # Its own messages go out from its own number, never the installation's.
            number = own.get("council_sms_number", "")
            sender = ("+" + re.sub(r"\D", "", number)) if number else ""
            changes["twilio_phone_number"] = sender or (self.numbers[0] if self.numbers else "")
        address = urlsplit(base.public_base_url)
        if self.hosts and address.hostname not in self.hosts:
            # Links in its pages, SMS and posters lead to its own host; Twilio keeps
            # calling the installation's address, where signatures are checked.
            port = f":{address.port}" if address.port else ""
            changes["public_base_url"] = f"{address.scheme}://{self.hosts[0]}{port}"
            changes["webhook_base_url"] = base.webhook_base_url or base.public_base_url
        elif self.path_prefix:
            changes["public_base_url"] = base.public_base_url.rstrip("/") + self.path_prefix
            changes["webhook_base_url"] = base.webhook_base_url or base.public_base_url
        return replace(base, **changes) if changes else base


def normalise_host(value: str) -> str:
    """A Host header's name as stored: lower case, no port, no trailing dot."""
    host = value.strip().lower()
    if host.startswith("["):  # an IPv6 literal keeps its colons
        return host.split("]", 1)[0] + "]"
    return host.split(":", 1)[0].rstrip(".")


def create_council(
    session: Session,
    slug: str,
    name: str,
    hosts: Sequence[str] = (),
    numbers: Sequence[str] = (),
) -> Council:
    slug = slug.strip().lower()
    if not SLUG.match(slug):
        raise CouncilError("slug_invalid")
    if not name.strip():
        raise CouncilError("name_missing")
    if session.exec(select(Council.id).where(Council.slug == slug)).first() is not None:
        raise CouncilError("slug_taken")
    council = Council(slug=slug, name=name.strip())
    session.add(council)
    session.flush()
    for host in hosts:
        add_host(session, council, host)
    for number in numbers:
        add_number(session, council, number)
    return council


def add_host(session: Session, council: Council, host: str) -> None:
    name = normalise_host(host)
    if not HOST.match(name):
        raise CouncilError("host_invalid")
    if session.get(CouncilHost, name) is not None:
        raise CouncilError("host_taken")
    session.add(CouncilHost(host=name, council_id=council.id))


def add_number(session: Session, council: Council, number: str) -> None:
    digits = "+" + re.sub(r"\D", "", number)
    if len(digits) < 8 or len(digits) > 16:
        raise CouncilError("number_invalid")
    if session.get(CouncilNumber, digits) is not None:
        raise CouncilError("number_taken")
    session.add(CouncilNumber(number=digits, council_id=council.id))


def by_slug(session: Session, slug: str) -> Council:
    council = session.exec(select(Council).where(Council.slug == slug.strip().lower())).first()
    if council is None:
        raise CouncilError("unknown")
    return council


def set_status(session: Session, slug: str, status: CouncilStatus, notice: str = "") -> Council:
    council = by_slug(session, slug)
    council.status = status
    if notice:
        council.suspended_notice = notice.strip()
    council.updated_at = utcnow()
    session.add(council)
    return council


#: What `configure` may change, and the longest each may be (the columns' lengths).
CONFIGURABLE = {
    "name": 200,
    "address": 300,
    "email": 254,
    "phone": 40,
    "sms_number": 40,
    # Read as days and times (participation.opening_hours), stored as JSON.
    "front_desk_hours": 2000,
    "phone_hours": 2000,
    "data_protection_officer": 500,
    "timezone": 64,
    "accent_colour": 7,
    "suspended_notice": 2000,
}
#: WCAG 2.2 AA for text: the accent colour carries links and buttons on white.
MIN_CONTRAST = 4.5


def contrast_on_white(colour: str) -> float:
    """The contrast ratio of "#rrggbb" against white (WCAG's relative luminance)."""

    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 1.05 / (luminance + 0.05)


def _checked(field: str, value: str) -> str:
    value = value.strip()
    if len(value) > CONFIGURABLE[field]:
        raise CouncilError(f"{field}_too_long")
    if field == "name" and not value:
        raise CouncilError("name_missing")
    if field == "timezone" and value and value not in zoneinfo.available_timezones():
        raise CouncilError("timezone_invalid")
    if field == "accent_colour" and value:
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
            raise CouncilError("colour_invalid")
        if contrast_on_white(value) < MIN_CONTRAST:
            raise CouncilError("colour_contrast")
        value = value.lower()
    if field == "email" and value and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise CouncilError("email_invalid")
    if field in SCHEDULES:
        try:
            value = parse_hours(value).to_json()
        except HoursInvalid:
            raise CouncilError("hours_invalid") from None
    return value


def configure(session: Session, slug: str, changes: dict[str, str]) -> Council:
    """Sets the council's profile fields in ``changes`` (names of CONFIGURABLE); all are
    checked before any is stored. An empty value of the first council means: from the
    environment again."""
    unknown = set(changes) - set(CONFIGURABLE)
    if unknown:
        raise CouncilError("field_unknown")
    council = by_slug(session, slug)
    checked = {field: _checked(field, value) for field, value in changes.items()}
    for field, value in checked.items():
        if field in SCHEDULES:
            # Days and times replace any free text the council's hours were before.
            setattr(council, SCHEDULES[field], value)
            value = ""
        setattr(council, field, value)
    council.updated_at = utcnow()
    session.add(council)
    return council


def set_accent_colour(session: Session, council_id: int, colour: str) -> Council:
    """The council's accent colour ("" for the standard one), checked as configure()."""
    council = session.get(Council, council_id)
    if council is None:
        raise CouncilError("unknown")
    return configure(session, council.slug, {"accent_colour": colour})


def accent_colour_of(session: Session, council_id: int) -> str:
    council = session.get(Council, council_id)
    return council.accent_colour if council is not None else ""


def listing(session: Session) -> list[tuple[Council, list[str], list[str]]]:
    """Every council with its hosts and numbers, for the operator."""
    councils = list(session.exec(select(Council).order_by(col(Council.id))).all())
    hosts: dict[int, list[str]] = {}
    for host, council_id in session.exec(select(CouncilHost.host, CouncilHost.council_id)):
        hosts.setdefault(council_id, []).append(host)
    numbers: dict[int, list[str]] = {}
    for number, council_id in session.exec(select(CouncilNumber.number, CouncilNumber.council_id)):
        numbers.setdefault(council_id, []).append(number)
    return [(c, sorted(hosts.get(c.id, [])), sorted(numbers.get(c.id, []))) for c in councils]


@dataclass(frozen=True)
class Directory:
    """What a web process keeps between reloads (web/councils.py)."""

    hosts: dict[str, CouncilEntry]
    numbers: dict[str, CouncilEntry]
    councils: list[CouncilEntry]
    #: Every council by its slug, for the path-prefix fallback (/c/<slug>/).
    slugs: dict[str, CouncilEntry] = dataclass_field(default_factory=dict)


def set_twilio_account(
    session: Session, slug: str, account_sid: str, auth_token: str, secret_key: str
) -> Council:
    """The council's own Twilio (sub-)account: its webhooks are verified and its messages
    sent with these, never with another council's."""
    if not re.fullmatch(r"AC[0-9a-f]{32}", account_sid) or len(auth_token) < 16:
        raise CouncilError("twilio_invalid")
    council = by_slug(session, slug)
    council.twilio_account_sid = account_sid
    council.twilio_auth_token = encrypt(secret_key, auth_token)
    council.updated_at = utcnow()
    session.add(council)
    return council


def directory(connection: Connection) -> Directory:
    """Every council, by host and by number."""
    table = Council.__table__  # type: ignore[attr-defined]  # SQLModel sets it, untyped
    councils = {}
    for row in connection.execute(table.select().order_by(table.c.id)).mappings():
        profile = tuple(
            (setting, "1" if row[field] is True else row[field])
            for field, setting in PROFILE.items()
            if row[field]
        )
        councils[row["id"]] = CouncilEntry(
            row["id"],
            row["slug"],
            row["name"],
            CouncilStatus(row["status"]),
            row["suspended_notice"],
            profile,
            accent=row["accent_colour"],
            updated=row["updated_at"].strftime("%Y%m%d%H%M%S%f") if row["updated_at"] else "",
        )
    named: dict[int, list[str]] = {}
    for host, council_id in connection.execute(
        select(CouncilHost.host, CouncilHost.council_id).order_by(col(CouncilHost.host))
    ):
        named.setdefault(council_id, []).append(host)
    for council_id, names in named.items():
        if council_id in councils:
            councils[council_id] = replace(councils[council_id], hosts=tuple(_by_preference(names)))
    hosts = {
        host: councils[council_id]
        for council_id, names in named.items()
        for host in names
        if council_id in councils
    }
    owned: dict[int, list[str]] = {}
    for number, council_id in connection.execute(
        select(CouncilNumber.number, CouncilNumber.council_id).order_by(col(CouncilNumber.number))
    ):
        owned.setdefault(council_id, []).append(number)
    numbers = {}
    for council_id, listed in owned.items():
        if council_id not in councils:
            continue
        council = replace(councils[council_id], numbers=tuple(listed))
        councils[council_id] = council
        numbers.update(dict.fromkeys(listed, council))
    # The host map was made before the numbers were known: the same councils, completed.
    hosts = {host: councils[council.id] for host, council in hosts.items()}
    if len(councils) > 1:
        councils = {
            key: replace(council, shared=True, path_prefix=_path_prefix(council, bool(hosts)))
            for key, council in councils.items()
        }
        hosts = {host: councils[council.id] for host, council in hosts.items()}
        numbers = {number: councils[council.id] for number, council in numbers.items()}
    slugs = {council.slug: council for council in councils.values()}
    return Directory(hosts, numbers, list(councils.values()), slugs)


def _path_prefix(council: CouncilEntry, any_hosts: bool) -> str:
    """Where a council of a shared installation lives when it has no host of its own;
    the first one is served on every host while no council has one, as before."""
    if council.hosts or (council.id == FIRST_COUNCIL and not any_hosts):
        return ""
    return f"/c/{council.slug}"


def _by_preference(hosts: list[str]) -> list[str]:
    """A real name before localhost and an address: the first is the public address."""
    return sorted(hosts, key=lambda h: (h.replace(".", "").isdigit(), h == "localhost", h))


def ensure_first_council(connection: Connection) -> None:
    """The first council's row again where every table was emptied (the tests do)."""
    if not connection.execute(select(func.count()).select_from(Council)).scalar():
        insert_first_council(connection)


#: What `set_twilio_options` accepts: field -> the form of its value (empty clears it).
TWILIO_OPTIONS = {
    "twilio_region": re.compile(r"[a-z]{2}[0-9]"),
    "twilio_edge": re.compile(r"[a-z][a-z0-9-]{1,30}"),
    "twilio_api_key_sid": re.compile(r"SK[0-9a-f]{32}"),
    "twilio_messaging_service_sid": re.compile(r"MG[0-9a-f]{32}"),
    "twilio_webhook_key_id": re.compile(r"[A-Za-z0-9_-]{4,80}"),
}
#: A secret that comes with an id: the id's field -> the secret's field.
TWILIO_SECRETS = {
    "twilio_api_key_sid": "twilio_api_key_secret",
    "twilio_webhook_key_id": "twilio_webhook_key_secret",
}


def set_twilio_options(
    session: Session,
    slug: str,
    changes: dict[str, str],
    secrets: dict[str, str],
    secret_key: str,
    advanced_opt_out: bool | None = None,
) -> Council:
    """The council's Twilio region and edge, API key, Messaging Service and webhook
    signing key; ``secrets`` holds the secret of each id given (TWILIO_SECRETS). All are
    checked before any is stored; an empty value clears the field (with its secret)."""
    if set(changes) - set(TWILIO_OPTIONS):
        raise CouncilError("field_unknown")
    for field, value in changes.items():
        if value and not TWILIO_OPTIONS[field].fullmatch(value):
            raise CouncilError(f"{field}_invalid")
        secret_field = TWILIO_SECRETS.get(field)
        if value and secret_field and len(secrets.get(secret_field, "")) < 16:
            raise CouncilError(f"{secret_field}_invalid")
    council = by_slug(session, slug)
    for field, value in changes.items():
        setattr(council, field, value)
        secret_field = TWILIO_SECRETS.get(field)
        if secret_field:
            secret = secrets.get(secret_field, "") if value else ""
            setattr(council, secret_field, encrypt(secret_key, secret) if secret else "")
    if advanced_opt_out is not None:
        council.twilio_advanced_opt_out = advanced_opt_out
    council.updated_at = utcnow()
    session.add(council)
    return council
