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

import functools
import logging
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.requests import Request
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

from participation.crypto import keyed_hash
from participation.paths import prefix_of
from participation.settings import Settings
from participation.text import without_controls

log = logging.getLogger(__name__)

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


def webhook_base(settings: Settings) -> str:
    """The address Twilio calls (with a council's path prefix where it came by one)."""
    return (settings.webhook_base_url or settings.public_base_url).rstrip("/")


def canonical_url(settings: Settings, path: str, query: str = "") -> str:
    base = webhook_base(settings)
    return f"{base}{path}?{query}" if query else f"{base}{path}"


def request_url(settings: Settings, request: Request) -> str:
    # raw_path keeps the path exactly as sent (percent-escapes included), as Twilio signed it.
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if raw else request.url.path
    path = path.split("?", 1)[0]
    # Under a council's path prefix the settings' webhook address carries it already
    # (web/councils.py): Twilio signed https://host/c/<slug>/twilio/..., prefix and all.
    prefix = prefix_of(request.scope)
    if prefix and path.startswith(prefix + "/"):
        path = path[len(prefix) :]
    query = request.scope.get("query_string", b"").decode("latin-1")
    return canonical_url(settings, path, query)


def sign(settings: Settings, url: str, params: Mapping[str, str]) -> str:
    """X-Twilio-Signature for a request to ``url``: what the simulator sends."""
    return RequestValidator(webhook_token(settings)).compute_signature(url, dict(params))


def is_signed_by_twilio(settings: Settings, request: Request, params: Mapping) -> bool:
    """X-Twilio-Signature over the canonical URL and the form, made with the auth token
    (HMAC-SHA1), or, where Twilio's Webhooks configuration API applies a SharedKey to
    this URL, with that key and the algorithm named in X-Twilio-Webhooks-Signature-
    Settings ("key=<id>,algorithm=HMAC_SHA256"). The shared key is tried only when the
    header names the key configured (TWILIO_WEBHOOK_KEY_ID or the council's); the token
    always, being a secret only Twilio and we hold."""
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signature:
        log.warning("Twilio webhook without X-Twilio-Signature: %s", request.url.path)
        return False
    url = request_url(settings, request)
    signing = request.headers.get(SIGNATURE_SETTINGS_HEADER)
    algorithm = get_signature_algorithm(signing)
    secrets = [webhook_token(settings)]
    kind = "auth token"
    if signing is not None:
        key_id = _signature_setting(signing, "key")
        if settings.twilio_webhook_key_secret and key_id == settings.twilio_webhook_key_id:
            secrets.insert(0, settings.twilio_webhook_key_secret)
            kind = f"shared key {key_id}"
        else:
            kind = f"shared key {key_id[:80]!r}, not configured here, or auth token"
    if any(RequestValidator(s).validate(url, params, signature, algorithm) for s in secrets):
        return True
    # The URL, never the secret: a wrong PUBLIC_BASE_URL, scheme or proxy prefix shows here.
    log.warning(
        "Twilio signature (%s, %s) does not match for %s: Twilio signs the URL it was "
        "given; check PUBLIC_BASE_URL and the number's webhook URLs (participation "
        "twilio-check)",
        kind,
        algorithm,
        url,
    )
    return False


def _signature_setting(header: str, name: str) -> str:
    for part in header.split(","):
        key, separator, value = part.partition("=")
        if separator and key.strip() == name:
            return value.strip()
    return ""


def replies_in_twiml(settings: Settings) -> bool:
    """Whether the SMS door may answer with TwiML <Message>: Twilio offers it in its US1
    region only (error 13803 elsewhere), so a council in another region (ie1) has its
    replies sent through the outbox and the REST API instead."""
    return settings.twilio_region in ("", "us1")


def rest_client(settings: Settings, http_client: Any = None, *, timeout: float) -> Any:
    """Twilio's REST client for the account in the settings: in its Region and through
    its Edge when set (api.dublin.ie1.twilio.com), with its API key when set, else its
    auth token. Tests inject an HttpClient or set TWILIO_API_BASE (see below)."""
    # Loaded here: the webhooks need only the validator, the sender the whole client.
    from twilio.rest import Client

    if settings.twilio_api_key_sid and settings.twilio_api_key_secret:
        username, password = settings.twilio_api_key_sid, settings.twilio_api_key_secret
    else:
        username, password = settings.twilio_account_sid, settings.twilio_auth_token
    client = Client(
        username,
        password,
        account_sid=settings.twilio_account_sid,
        http_client=http_client or _http_client(settings, timeout),
    )
    # Set after, not passed: an empty one passed would let the library read TWILIO_REGION
    # and TWILIO_EDGE from the process environment, the installation's, not the council's.
    client.region = settings.twilio_region or None
    client.edge = settings.twilio_edge or None
    return client


def _http_client(settings: Settings, timeout: float) -> Any:
    from twilio.http.http_client import TwilioHttpClient

    if not settings.twilio_api_base:
        return TwilioHttpClient(timeout=timeout)

    base = settings.twilio_api_base.rstrip("/")

    class StandInHttpClient(TwilioHttpClient):
        """Sends each request to TWILIO_API_BASE, the host it was meant for (region
        and edge included) in the Host header: the stand-in sees what Twilio would."""

        def request(self, method, url, params=None, data=None, headers=None, **kwargs):
            parts = urlsplit(url)
            headers = dict(headers or {}, Host=parts.netloc)
            target = base + parts.path + (f"?{parts.query}" if parts.query else "")
            return super().request(method, target, params, data, headers, **kwargs)

    return StandInHttpClient(timeout=timeout)


# --- What Twilio keeps: recordings, message records, pictures ------------------------


def api_host(settings: Settings) -> str:
    """Twilio's REST host for the account's Region and Edge, as the `twilio` library
    builds it: api.dublin.ie1.twilio.com, api.ie1.twilio.com, api.twilio.com."""
    region = settings.twilio_region or ("us1" if settings.twilio_edge else "")
    labels = [label for label in ("api", settings.twilio_edge, region) if label]
    return ".".join([*labels, "twilio.com"])


def api_base(settings: Settings) -> str:
    """Where the requests go: TWILIO_API_BASE (the stand-in in tests) or the host above."""
    return (settings.twilio_api_base or f"https://{api_host(settings)}").rstrip("/")


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


@functools.cache
def _tls() -> ssl.SSLContext:
    # One per process, shared by every client: building it parses the whole CA bundle
    # (about 0.1 s of CPU), and a worker deleting inbound messages at the carrier one by
    # one spent three quarters of its time doing only that.
    return httpx.create_ssl_context()


def _http(settings: Settings, timeout: float) -> httpx.Client:
    # Always with the account's credentials: with "Enforce HTTP Auth on Media URLs" on
    # (the README asks for it), a recording's audio is served to nobody else.
    # The API key where one is set, like rest_client(); the Host header names the
    # region's host, so a stand-in at TWILIO_API_BASE sees where the request was meant for.
    if settings.twilio_api_key_sid and settings.twilio_api_key_secret:
        auth = (settings.twilio_api_key_sid, settings.twilio_api_key_secret)
    else:
        auth = (settings.twilio_account_sid, settings.twilio_auth_token)
    return httpx.Client(
        auth=auth,
        headers={"Host": api_host(settings)},
        timeout=httpx.Timeout(timeout, connect=5.0),
        follow_redirects=False,
        verify=_tls(),
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
                response = httpx.get(target, timeout=timeout, verify=_tls())
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
            httpx.Client(timeout=httpx.Timeout(timeout, connect=5.0), verify=_tls()) as client,
            client.stream("GET", f"{api_base(settings)}{path}.mp3") as response,
        ):
            status = response.status_code
    except httpx.HTTPError:
        return None
    if status in (401, 403):
        return False
    return True if status == 200 or 300 <= status < 400 else None
