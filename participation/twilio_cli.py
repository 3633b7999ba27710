"""`participation twilio-check` and `participation twilio-setup`: a council's numbers as
Twilio has them configured, read from Twilio's API (IncomingPhoneNumbers), and set.

Line by line: whether the SMS, voice, call-status and voice fallback URLs point at this
installation over HTTPS, whether the region and the credentials belong together (the
numbers are found with them), and what cannot be read through the API.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from participation.councils.service import CouncilEntry, directory
from participation.db import make_engine
from participation.settings import Settings, load_settings
from participation.twilio import replies_in_twiml, rest_client

TIMEOUT_SECONDS = 20
OK, FAIL, NOTE = "ok  ", "FAIL", "note"


@dataclass(frozen=True)
class Webhook:
    """One URL of a number: its field in Twilio's resource, our path, what it is for."""

    field: str
    method_field: str
    path: str
    label: str


WEBHOOKS = (
    Webhook("sms_url", "sms_method", "/twilio/sms", "SMS webhook"),
    Webhook("voice_url", "voice_method", "/twilio/voice", "voice webhook"),
    Webhook(
        "voice_fallback_url", "voice_fallback_method", "/twilio/voice/fallback", "voice fallback"
    ),
    # Every call's end time and duration (channels/voice/callbacks.call_status).
    Webhook(
        "status_callback",
        "status_callback_method",
        "/twilio/voice/call-status",
        "call-status callback",
    ),
)


def expected_url(settings: Settings, webhook: Webhook) -> str:
    base = (settings.webhook_base_url or settings.public_base_url).rstrip("/")
    return base + webhook.path


def council_settings(base: Settings, slug: str | None) -> tuple[CouncilEntry, Settings]:
    with make_engine(base.database_url).connect() as connection:
        councils = directory(connection).councils
    for council in councils:
        if slug is None or council.slug == slug:
            return council, council.settings(base)
    raise LookupError(slug)


def numbers_of(council: CouncilEntry, settings: Settings) -> list[str]:
    found = list(council.numbers)
    if settings.twilio_phone_number and settings.twilio_phone_number not in found:
        found.append(settings.twilio_phone_number)
    return found


def describe_account(settings: Settings) -> Iterator[tuple[str, str]]:
    region = settings.twilio_region or "us1 (Twilio's default)"
    edge = f", edge {settings.twilio_edge}" if settings.twilio_edge else ""
    yield NOTE, f"region {region}{edge}; account {settings.twilio_account_sid}"
    if settings.twilio_api_key_sid:
        yield NOTE, f"credentials: API key {settings.twilio_api_key_sid}"
    else:
        yield NOTE, "credentials: the account's auth token"
    if not replies_in_twiml(settings):
        # Twilio documents <Message> as US1 only (error 13803): the outbox carries them.
        yield (
            NOTE,
            f"SMS replies go out through the outbox and the REST API in "
            f"{settings.twilio_region}, not as TwiML <Message> (US1 only, error 13803): "
            f"they need the worker running (participation worker)",
        )
    if not (settings.webhook_base_url or settings.public_base_url).startswith("https://"):
        yield FAIL, "PUBLIC_BASE_URL is not https://: Twilio's requests would go unencrypted"


def check_number(settings: Settings, number: str, resource: Any | None) -> Iterator[tuple]:
    if resource is None:
        region = settings.twilio_region or "us1"
        yield (
            FAIL,
            f"{number}: not a number of account {settings.twilio_account_sid} in region "
            f"{region}: the number, the credentials and TWILIO_REGION must be the same region's",
        )
        return
    yield OK, f"{number}: found in the account ({resource.sid}); region and credentials agree"
    for webhook in WEBHOOKS:
        wanted = expected_url(settings, webhook)
        actual = getattr(resource, webhook.field, None) or ""
        method = (getattr(resource, webhook.method_field, None) or "POST").upper()
        if actual == wanted and method == "POST" and wanted.startswith("https://"):
            yield OK, f"{number}: {webhook.label} {actual}"
        elif not actual:
            yield FAIL, f"{number}: {webhook.label} is not set; should be {wanted}"
        elif actual != wanted:
            yield FAIL, f"{number}: {webhook.label} is {actual}; should be {wanted}"
        elif method != "POST":
            yield FAIL, f"{number}: {webhook.label} is called with {method}; should be POST"
        else:
            yield FAIL, f"{number}: {webhook.label} {actual} is not HTTPS"
    if settings.twilio_messaging_service_sid:
        yield (
            NOTE,
            f"{number}: in Messaging Service {settings.twilio_messaging_service_sid} the "
            "service's incoming-message setting decides; set it to 'Defer to sender's webhook'"
            " or to the SMS webhook above (Console: Messaging > Services > Integration)",
        )


MEDIA_AUTH = (
    NOTE,
    "media authentication (HTTP Basic on recording and media URLs) cannot be read through "
    "the API: check Console > Voice > Settings > General ('Enforce HTTP Auth on Media "
    "URLs') and Messaging > Settings > General for the account in this region",
)


def fetch_number(client: Any, number: str) -> Any | None:
    listed = client.api.v2010.account.incoming_phone_numbers.list(phone_number=number, limit=5)
    return next((item for item in listed if item.phone_number == number), None)


def set_number(client: Any, settings: Settings, resource: Any) -> Any:
    values = {}
    for webhook in WEBHOOKS:
        values[webhook.field] = expected_url(settings, webhook)
        values[webhook.method_field] = "POST"
    return client.api.v2010.account.incoming_phone_numbers(resource.sid).update(**values)


def run_check(settings: Settings, numbers: list[str], *, setup: bool = False) -> list[tuple]:
    """The report's lines: (OK, FAIL or NOTE, text)."""
    from twilio.base.exceptions import TwilioException

    lines: list[tuple] = list(describe_account(settings))
    if not settings.twilio_configured:
        return [*lines, (FAIL, "no Twilio account configured (TWILIO_ACCOUNT_SID, ...)")]
    if not numbers:
        lines.append((FAIL, "no number: add one (participation council add-number)"))
    client = rest_client(settings, timeout=TIMEOUT_SECONDS)
    for number in numbers:
        try:
            resource = fetch_number(client, number)
            if setup and resource is not None:
                resource = set_number(client, settings, resource)
                lines.append((NOTE, f"{number}: webhook URLs set"))
        except TwilioException as error:
            lines.append((FAIL, f"{number}: Twilio refused: {_refusal(error, settings)}"))
            continue
        lines.extend(check_number(settings, number, resource))
    lines.append(MEDIA_AUTH)
    return lines


def _refusal(error: Exception, settings: Settings) -> str:
    code = getattr(error, "code", None)
    if code == 20003 or getattr(error, "status", None) == 401:
        region = settings.twilio_region or "us1"
        return (
            f"the credentials are not valid in region {region} (20003): a region has its "
            "own auth token and API keys"
        )
    return str(getattr(error, "msg", None) or error)[:300]


def _command(setup: bool):
    def command(args: argparse.Namespace) -> int:
        base = load_settings()
        try:
            council, settings = council_settings(base, args.council)
        except LookupError:
            print(f"Not done: no council {args.council!r}.")
            return 1
        print(f"Council {council.slug}:")
        lines = run_check(settings, numbers_of(council, settings), setup=setup)
        for mark, text in lines:
            print(f"  {mark}  {text}")
        return 1 if any(mark == FAIL for mark, _text in lines) else 0

    return command


def add_twilio_commands(sub: argparse._SubParsersAction) -> None:
    check = sub.add_parser(
        "twilio-check", help="read the council's numbers from Twilio: are the webhooks ours?"
    )
    check.add_argument("--council", help="its slug; default: the first council")
    check.set_defaults(func=_command(setup=False))
    setup = sub.add_parser(
        "twilio-setup",
        help="set the numbers' SMS, voice, fallback and call-status URLs, then check",
    )
    setup.add_argument("--council", help="its slug; default: the first council")
    setup.set_defaults(func=_command(setup=True))
