"""Every setting, read from the environment and documented once (README: "Settings")."""

from __future__ import annotations

import ipaddress
import os
import secrets
import sys
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: URL code -> gettext locale. "ls" is German Leichte Sprache, its own catalog (de@easy).
LANGUAGES: dict[str, str] = {
    "de": "de",
    "en": "en",
    "tr": "tr",
    "ar": "ar",
    "ru": "ru",
    "uk": "uk",
    "pl": "pl",
    "ls": "de@easy",
}
#: Each language named in itself, for the switcher.
LANGUAGE_NAMES: dict[str, str] = {
    "de": "Deutsch",
    "en": "English",
    "tr": "Türkçe",
    "ar": "العربية",
    "ru": "Русский",
    "uk": "Українська",
    "pl": "Polski",
    "ls": "Leichte Sprache",
}
RTL_LANGUAGES = frozenset({"ar"})
DEFAULT_LANGUAGE = "de"


def _bool(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    value = env.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///participation.db"
    secret_key: str = ""
    secret_key_generated: bool = False
    public_base_url: str = "http://127.0.0.1:8000"
    #: Where Twilio calls every council's numbers (signatures are checked against it):
    #: the installation's own address, also when public_base_url is a council's host.
    #: Not read from the environment: empty means public_base_url (councils/service.py).
    webhook_base_url: str = ""
    #: Also makes the templates reload when their files change (app.py).
    debug: bool = False
    demo_mode: bool = False

    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_phone_number: str = ""
    #: Twilio's REST API; tests point it at a fake server on 127.0.0.1.
    twilio_api_base: str = ""

    council_name: str = "Gemeinde Musterstadt"
    council_phone: str = "+49 5121 115"
    council_sms_number: str = "+49 151 23456789"
    council_address: str = "Rathaus Musterstadt, Marktplatz 1, 31134 Musterstadt"
    council_email: str = "beteiligung@musterstadt.example"
    front_desk_hours: str = "Mo–Fr 8–18 Uhr"
    phone_hours: str = "mon-fri 08:00-18:00"
    #: Named in the Datenschutzerklärung (DSGVO Art. 13(1)(b)).
    data_protection_officer: str = (
        "Datenschutzbeauftragte der Gemeinde Musterstadt, Marktplatz 1, 31134 Musterstadt, "
        "datenschutz@musterstadt.example"
    )
    #: The council's local time: dates on pages, the staff's date fields, phone hours.
    timezone: str = "Europe/Berlin"
    default_region: str = "DE"

    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "beteiligung@musterstadt.example"

    max_contribution_chars: int = 5000
    max_request_bytes: int = 256 * 1024
    sms_per_hour: int = 20
    #: Seconds a public page is kept for visitors without a cookie (caching/pages.py).
    #: load_settings() makes it 2 for servers; Settings built in code (tests) keep it off.
    page_cache_seconds: float = 0.0
    #: Seconds a busy staff page (the moderation queue) is kept per login, never past
    #: that login's own last change (caching/staff_pages.py). 1 in servers, off in code.
    staff_page_cache_seconds: float = 0.0
    #: Seconds the staff menu's counts of what waits are kept per council and process,
    #: dropped at once by that process's own staff writes (accounts/permissions.py).
    #: 15 in servers, off in code.
    staff_menu_seconds: float = 0.0
    #: Where the server keeps files it builds (the result downloads, under exports/);
    #: shared by its processes and kept across restarts. Empty: a temporary directory
    #: per process (tests, a quick start).
    data_dir: str = ""
    #: Addresses or networks of reverse proxies whose X-Forwarded-For is believed
    #: (web/proxy.py). Empty: nobody's, the direct peer is the client.
    trusted_proxies: tuple[str, ...] = ()
    #: Where the installation's sign-language video lies (sitepages/media.py).
    media_dir: str = "media"
    #: The port `participation serve` listens on unless --port says otherwise.
    port: int = 8000
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def twilio_configured(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    secret = env.get("SECRET_KEY", "")
    generated = False
    if not secret:
        # A generated key keeps the demo running without set-up; it changes on every start,
        # which logs staff out and makes phone hashes unmatchable, so production must set one.
        secret = secrets.token_urlsafe(32)
        generated = True
        if not env.get("PARTICIPATION_QUIET"):
            print(
                "WARNING: SECRET_KEY is not set; using a random key for this process only.",
                file=sys.stderr,
            )
    database_url = env.get("DATABASE_URL", "sqlite:///participation.db")
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url.removeprefix("postgres://")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    return Settings(
        database_url=database_url,
        secret_key=secret,
        secret_key_generated=generated,
        public_base_url=env.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        debug=_bool(env, "DEBUG"),
        demo_mode=_bool(env, "DEMO_MODE"),
        twilio_account_sid=env.get("TWILIO_ACCOUNT_SID", ""),
        twilio_auth_token=env.get("TWILIO_AUTH_TOKEN", ""),
        twilio_phone_number=env.get("TWILIO_PHONE_NUMBER", ""),
        twilio_api_base=env.get("TWILIO_API_BASE", ""),
        council_name=env.get("COUNCIL_NAME", Settings.council_name),
        council_phone=env.get("COUNCIL_PHONE", Settings.council_phone),
        council_sms_number=env.get(
            "COUNCIL_SMS_NUMBER", env.get("TWILIO_PHONE_NUMBER", "") or Settings.council_sms_number
        ),
        council_address=env.get("COUNCIL_ADDRESS", Settings.council_address),
        council_email=env.get("COUNCIL_EMAIL", Settings.council_email),
        front_desk_hours=env.get("FRONT_DESK_HOURS", Settings.front_desk_hours),
        phone_hours=env.get("PHONE_HOURS", Settings.phone_hours),
        data_protection_officer=env.get(
            "DATA_PROTECTION_OFFICER", Settings.data_protection_officer
        ),
        timezone=_timezone(env.get("TIMEZONE", "")),
        default_region=env.get("DEFAULT_REGION", Settings.default_region),
        smtp_host=env.get("SMTP_HOST", ""),
        smtp_port=int(env.get("SMTP_PORT", "25")),
        smtp_from=env.get("SMTP_FROM", Settings.smtp_from),
        page_cache_seconds=float(env.get("PAGE_CACHE_SECONDS", "2")),
        staff_page_cache_seconds=float(env.get("STAFF_PAGE_CACHE_SECONDS", "1")),
        staff_menu_seconds=float(env.get("STAFF_MENU_SECONDS", "15")),
        data_dir=env.get("DATA_DIR", ""),
        trusted_proxies=_trusted_proxies(env.get("TRUSTED_PROXIES", "")),
        media_dir=env.get("MEDIA_DIR", "") or Settings.media_dir,
        port=int(env.get("PORT", "") or Settings.port),
    )


def _timezone(value: str) -> str:
    name = value.strip() or Settings.timezone
    # A typo stops the start with its name, instead of every date being wrong or failing.
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"TIMEZONE: {name!r} is not a time zone name (for example Europe/Berlin)"
        ) from None
    return name


def _trusted_proxies(value: str) -> tuple[str, ...]:
    entries = tuple(value.replace(",", " ").split())
    for entry in entries:
        # A typo stops the start with its name, instead of every login failing later.
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(
                f"TRUSTED_PROXIES: {entry!r} is not an IP address or network "
                "(for example 127.0.0.1 or 10.0.0.0/8)"
            ) from None
    return entries
