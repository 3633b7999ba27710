"""Every setting, read from the environment and documented once (README: "Settings")."""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import sys
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
    #: Every request to Twilio's REST API goes to this address instead, with the host
    #: Twilio's (region and edge included) kept in the Host header: tests point it at a
    #: fake server on 127.0.0.1.
    twilio_api_base: str = ""
    #: Twilio Region ("ie1": data processed and stored in Ireland) and Edge ("dublin")
    #: of the REST API; empty: Twilio's default US1. A region has its own credentials.
    twilio_region: str = ""
    twilio_edge: str = ""
    #: An API key of the account (SK...) and its secret, used instead of the auth token
    #: for the REST API when set; a regional account needs a key made in that region.
    twilio_api_key_sid: str = ""
    twilio_api_key_secret: str = ""
    #: Messages go out through this Messaging Service (MG...) instead of from
    #: twilio_phone_number: its sender pool, and its Advanced Opt-Out if switched on.
    twilio_messaging_service_sid: str = ""
    #: The Messaging Service answers opt-out, opt-in and help keywords itself
    #: (Advanced Opt-Out): the SMS door records them but never answers them too.
    twilio_advanced_opt_out: bool = False
    #: A webhook signing key (Twilio's Webhooks configuration API, "SharedKey"): its id
    #: (webhooks_sharedkey_...) and secret. Requests that carry
    #: X-Twilio-Webhooks-Signature-Settings are checked with it; others with the token.
    twilio_webhook_key_id: str = ""
    twilio_webhook_key_secret: str = ""

    council_name: str = "Gemeinde Musterstadt"
    council_phone: str = "+49 5121 115"
    council_sms_number: str = "+49 151 23456789"
    council_address: str = "Rathaus Musterstadt, Marktplatz 1, 31134 Musterstadt"
    council_email: str = "beteiligung@musterstadt.example"
    #: Days and times (participation.opening_hours): "mon-fri 08:00-18:00; sat 09:00-12:00",
    #: the JSON a council's profile stores, or "Mo–Fr 8–18 Uhr"; each page language says
    #: them in its own words. Text that is none of these is shown as written, in German.
    front_desk_hours: str = "mon-fri 08:00-18:00"
    #: The same form; the phone line is open at these hours ("always" or empty: always).
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
    #: Host names on which /operator/ serves the operator's pages (web/councils.py):
    #: the provider's own, never a council's. Empty: no operator pages anywhere.
    operator_hosts: tuple[str, ...] = ()
    #: Where the installation's sign-language video lies (sitepages/media.py).
    media_dir: str = "media"
    #: The port `participation serve` listens on unless --port says otherwise.
    port: int = 8000
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def twilio_configured(self) -> bool:
        api_key = self.twilio_api_key_sid and self.twilio_api_key_secret
        return bool(self.twilio_account_sid and (self.twilio_auth_token or api_key))

    @property
    def twilio_sender_configured(self) -> bool:
        """A number or a Messaging Service to send from."""
        return bool(self.twilio_phone_number or self.twilio_messaging_service_sid)

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
        **_twilio_options(env),
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
        operator_hosts=_operator_hosts(
            env.get("OPERATOR_HOSTS", ""), env.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
        ),
        media_dir=env.get("MEDIA_DIR", "") or Settings.media_dir,
        port=int(env.get("PORT", "") or Settings.port),
    )


def _twilio_options(env: Mapping[str, str]) -> dict[str, Any]:
    """Region, edge, API key, Messaging Service and webhook key: the installation's,
    which a council's own values replace (councils/service.py)."""
    return {
        "twilio_region": _host_label("TWILIO_REGION", env, r"[a-z]{2}[0-9]", "ie1"),
        "twilio_edge": _host_label("TWILIO_EDGE", env, r"[a-z][a-z0-9-]{1,30}", "dublin"),
        "twilio_api_key_sid": env.get("TWILIO_API_KEY_SID", ""),
        "twilio_api_key_secret": env.get("TWILIO_API_KEY_SECRET", ""),
        "twilio_messaging_service_sid": env.get("TWILIO_MESSAGING_SERVICE_SID", ""),
        "twilio_advanced_opt_out": _bool(env, "TWILIO_ADVANCED_OPT_OUT"),
        "twilio_webhook_key_id": env.get("TWILIO_WEBHOOK_KEY_ID", ""),
        "twilio_webhook_key_secret": env.get("TWILIO_WEBHOOK_KEY_SECRET", ""),
    }


def _host_label(name: str, env: Mapping[str, str], pattern: str, example: str) -> str:
    value = env.get(name, "").strip().lower()
    # It becomes part of the API's host name, which the credentials are sent to.
    if value and not re.fullmatch(pattern, value):
        raise ValueError(f"{name}: {value!r} is not a Twilio name (for example {example})")
    return value


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


def _operator_hosts(value: str, public_base_url: str) -> tuple[str, ...]:
    """Host names as web/councils.py compares them: lower case, no port, no trailing dot."""
    names = (entry.strip().lower().split(":", 1)[0].rstrip(".") for entry in value.split(","))
    hosts = tuple(name for name in names if name)
    # That host would serve only the operator's pages: Twilio's webhooks and the first
    # council's pages would be gone. Stopped at the start, with the reason.
    public = (urlsplit(public_base_url).hostname or "").lower()
    if public in hosts:
        raise ValueError(
            f"OPERATOR_HOSTS: {public!r} is PUBLIC_BASE_URL's host; the operator's pages "
            "need a host name of their own (for example betrieb.provider.de)"
        )
    return hosts
