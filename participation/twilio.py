"""What the doors and the outbox share of Twilio: webhook signatures and the REST client.

Ground floor, so that the SMS door, the voice door, the outbox's status callbacks and its
sender all use one module without importing each other.

Webhook signatures are checked against the canonical public URL.

Twilio signs the exact URL it called. Behind a proxy the app sees another scheme, host
and port, so the URL is always rebuilt from PUBLIC_BASE_URL plus the request's own path
and query, never from X-Forwarded-* headers (which anyone can send). The SMS webhook, its
status callbacks, the voice webhook and the phone simulator all use these functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.requests import Request
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

from participation.crypto import keyed_hash
from participation.settings import Settings
from participation.text import without_controls

#: CA..., SM..., MM..., RE..., AC...: two letters and 32 hex digits.
_SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")


def webhook_params(form: Mapping) -> dict[str, str]:
    """A signed request's fields, safe to store: read only after the signature holds.

    Values lose control characters (a NUL would make PostgreSQL refuse the whole row);
    a ...Sid field not shaped like Twilio's ids is left out, as if it were missing, so
    it never reaches a column sized for real ids.
    """
    params = {}
    for name, value in form.items():
        if not isinstance(value, str):
            continue
        if name.endswith("Sid") and not _SID.fullmatch(value):
            continue
        params[name] = without_controls(value)
    return params


def webhook_token(settings: Settings) -> str:
    """The secret webhooks are signed with: Twilio's auth token, or without one (demo,
    development, staff training) a local token derived from SECRET_KEY for the simulator."""
    if settings.twilio_auth_token:
        return settings.twilio_auth_token
    return keyed_hash(settings.secret_key, "local-webhook-token", purpose="twilio")


def canonical_url(settings: Settings, path: str, query: str = "") -> str:
    base = (settings.webhook_base_url or settings.public_base_url).rstrip("/")
    return f"{base}{path}?{query}" if query else f"{base}{path}"


def request_url(settings: Settings, request: Request) -> str:
    # raw_path keeps the path exactly as sent (percent-escapes included), as Twilio signed it.
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if raw else request.url.path
    path = path.split("?", 1)[0]
    query = request.scope.get("query_string", b"").decode("latin-1")
    return canonical_url(settings, path, query)


def sign(settings: Settings, url: str, params: Mapping[str, str]) -> str:
    """X-Twilio-Signature for a request to ``url``: what the simulator sends."""
    return RequestValidator(webhook_token(settings)).compute_signature(url, dict(params))


def is_signed_by_twilio(settings: Settings, request: Request, params: Mapping) -> bool:
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signature:
        return False
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    validator = RequestValidator(webhook_token(settings))
    return validator.validate(request_url(settings, request), params, signature, algorithm)


def rest_client(settings: Settings, http_client: Any = None, *, timeout: float) -> Any:
    """Twilio's REST client for the account in the settings; tests inject an HttpClient
    or point TWILIO_API_BASE at a fake API."""
    # Loaded here: the webhooks need only the validator, the sender the whole client.
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    client = Client(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        http_client=http_client or TwilioHttpClient(timeout=timeout),
    )
    if settings.twilio_api_base:
        client.api.base_url = settings.twilio_api_base.rstrip("/")
    return client


# --- What Twilio keeps: recordings, message records, pictures ------------------------

#: Twilio's REST API where TWILIO_API_BASE names no other.
TWILIO_API = "https://api.twilio.com"


def api_base(settings: Settings) -> str:
    return (settings.twilio_api_base or TWILIO_API).rstrip("/")


def carrier_path(account_sid: str, kind: str, sid: str, parent_sid: str | None = None) -> str:
    """The REST path of a recording, a message or a picture of ``account_sid``, without
    the ending (".json" for the resource, ".mp3" for a recording's audio)."""
    account = f"/2010-04-01/Accounts/{account_sid}"
    if kind == "recording":
        return f"{account}/Recordings/{sid}"
    if kind == "media":
        return f"{account}/Messages/{parent_sid}/Media/{sid}"
    if kind == "call":
        return f"{account}/Calls/{sid}"
    return f"{account}/Messages/{sid}"


@dataclass(frozen=True)
class CarrierAnswer:
    """Twilio's answer to a fetch or a deletion; ``status`` None: no answer at all."""

    status: int | None
    code: int | None = None
    content: bytes = b""
    content_type: str = ""


def _http(settings: Settings, timeout: float) -> httpx.Client:
    # Always with the account's credentials: with "Enforce HTTP Auth on Media URLs" on
    # (the README asks for it), a recording's audio is served to nobody else.
    return httpx.Client(
        auth=(settings.twilio_account_sid, settings.twilio_auth_token),
        timeout=httpx.Timeout(timeout, connect=5.0),
        follow_redirects=False,
    )


def _code_of(response: httpx.Response) -> int | None:
    try:
        code = response.json().get("code")
    except ValueError:
        return None
    return code if isinstance(code, int) else None


def delete_at_twilio(settings: Settings, path: str, *, timeout: float) -> CarrierAnswer:
    """DELETE ``path``.json with the account's credentials: 204 when deleted."""
    try:
        with _http(settings, timeout) as client:
            response = client.delete(f"{api_base(settings)}{path}.json")
    except httpx.HTTPError:
        return CarrierAnswer(None)
    code = None if response.status_code < 300 else _code_of(response)
    return CarrierAnswer(response.status_code, code)


def download_recording(
    settings: Settings, path: str, *, timeout: float, max_bytes: int
) -> CarrierAnswer:
    """A recording's audio as MP3 (a tenth of the WAV), fetched with HTTP basic auth.

    Twilio answers the media URL with a redirect to its storage; the redirect is
    followed only to an https host (or back to the configured API in tests), never
    with our credentials to anywhere else."""
    url = f"{api_base(settings)}{path}.mp3"
    try:
        with _http(settings, timeout) as client:
            response = client.get(url)
            if response.is_redirect:
                target = response.headers.get("location", "")
                if not target.startswith(("https://", api_base(settings))):
                    return CarrierAnswer(502)
                response = httpx.get(target, timeout=timeout)
    except httpx.HTTPError:
        return CarrierAnswer(None)
    if response.status_code != 200:
        return CarrierAnswer(response.status_code, _code_of(response))
    if len(response.content) > max_bytes:
        return CarrierAnswer(413)
    return CarrierAnswer(200, None, response.content, response.headers.get("content-type", ""))


def media_is_public(settings: Settings, path: str, *, timeout: float) -> bool | None:
    """Whether a recording's audio is served without credentials, i.e. "Enforce HTTP
    Auth on Media URLs" is off for the account (None: Twilio could not be asked). Reads
    only the status line; the audio is not downloaded."""
    try:
        with (
            httpx.Client(timeout=httpx.Timeout(timeout, connect=5.0)) as client,
            client.stream("GET", f"{api_base(settings)}{path}.mp3") as response,
        ):
            status = response.status_code
    except httpx.HTTPError:
        return None
    if status in (401, 403):
        return False
    return True if status == 200 or 300 <= status < 400 else None
