"""A fake Twilio REST API on 127.0.0.1: a real HTTP server in a thread.

Outbound SMS go through the real `twilio` client with its API base pointed here, so the
tests see exactly what would have been sent (URL, form fields, basic auth) and can make
the "API" answer 429, 500 or a Twilio error code such as 21610.

Every request keeps the Host it was meant for (``host``): the client's region and edge
(api.dublin.ie1.twilio.com) show there, as participation.twilio sends each request to
TWILIO_API_BASE with Twilio's host in the Host header.

It also holds phone numbers (``IncomingPhoneNumbers.json``: listed by PhoneNumber, and
updated by POST to ``IncomingPhoneNumbers/{sid}.json``) for twilio-check/twilio-setup.

It keeps the messages it accepted and lists them like Twilio does
(``GET /2010-04-01/Accounts/{sid}/Messages.json`` with the To, From, DateSent filters,
newest first, in pages), so a worker can ask whether Twilio already has a message.
Its clock is the application's (participation.clock): tests that move time move both.

It also holds what Twilio keeps of calls and inbound messages: recordings (their audio
served at ``.../Recordings/{sid}.mp3``, with "Enforce HTTP Auth on Media URLs" on unless
``enforce_media_auth`` is False), inbound messages and their pictures; it accepts
``DELETE`` of recordings, calls, messages and pictures, each only in the account that holds
it (another account gets 404, as from Twilio), and records every such request.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from participation.clock import utcnow

PAGE_SIZE = 50


@dataclass
class SentRequest:
    method: str
    path: str
    form: dict[str, str]
    auth: tuple[str, str] | None
    sid: str | None = None
    #: The host the client meant (Host header): shows the region and edge.
    host: str = ""


@dataclass
class StoredMessage:
    """A message as Twilio keeps it; ``resource()`` is its JSON in Twilio's shape."""

    sid: str
    account_sid: str
    to: str
    from_: str
    body: str
    created: datetime
    status: str = "sent"
    #: None while the message waits in Twilio's queue; set when it goes to the carrier.
    sent: datetime | None = None
    error_code: int | None = None
    messaging_service_sid: str | None = None

    def resource(self) -> dict:
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "to": self.to,
            "from": self.from_,
            "body": self.body,
            "status": self.status,
            "num_segments": "1",
            "num_media": "0",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "date_created": _rfc2822(self.created),
            "date_updated": _rfc2822(self.sent or self.created),
            "date_sent": _rfc2822(self.sent) if self.sent else None,
            "error_code": self.error_code,
            "error_message": None,
            "price": None,
            "price_unit": "USD",
            "messaging_service_sid": self.messaging_service_sid,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{self.sid}.json",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{self.sid}/Media.json"
            },
        }


@dataclass
class FakeTwilioApi:
    base_url: str = ""
    #: Every request to send a message, in order (failed ones too).
    requests: list[SentRequest] = field(default_factory=list)
    #: Every request to list messages, in order.
    lookups: list[SentRequest] = field(default_factory=list)
    #: What Twilio holds: the messages it accepted, oldest first.
    messages: list[StoredMessage] = field(default_factory=list)
    #: Canned failures: "to" number -> list of (http status, twilio code), used up in order.
    failures: dict[str, list[tuple[int, int | None]]] = field(default_factory=dict)
    #: Failures for whoever comes next, used up in order.
    next_failures: list[tuple[int, int | None]] = field(default_factory=list)
    #: HTTP statuses for the next sends that Twilio accepts but whose answer is lost
    #: (a gateway error after the message was taken), used up in order.
    lost_answers: list[int] = field(default_factory=list)
    #: HTTP statuses for the next lookups, used up in order.
    lookup_failures: list[int] = field(default_factory=list)
    #: Accepted messages stay in Twilio's queue (no date_sent) instead of going out.
    keep_queued: bool = False
    #: Seconds every request takes (to make concurrent workers overlap).
    delay: float = 0.0
    #: The number a Messaging Service sends from.
    pool_number: str = "+4915199990000"
    #: The account's phone numbers, by SID: Twilio's IncomingPhoneNumber fields.
    numbers: dict[str, dict] = field(default_factory=dict)
    #: Every request about phone numbers, in order.
    number_requests: list[SentRequest] = field(default_factory=list)
    #: Recording SID -> (account SID, audio), call SID -> account: what it keeps of calls.
    recordings: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    calls: dict[str, str] = field(default_factory=dict)
    #: Inbound message SID -> account SID; its pictures: media SID -> (account, message).
    inbound: dict[str, str] = field(default_factory=dict)
    media: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: Auth tokens by account SID: requests with another token are refused (401).
    tokens: dict[str, str] = field(default_factory=dict)
    #: Twilio's "Enforce HTTP Auth on Media URLs": recordings' audio needs basic auth.
    enforce_media_auth: bool = True
    #: Every GET of a recording's audio, and every DELETE, in order.
    downloads: list[SentRequest] = field(default_factory=list)
    deletions: list[SentRequest] = field(default_factory=list)
    #: Failures for the next DELETEs / recording downloads, used up in order.
    delete_failures: list[tuple[int, int | None]] = field(default_factory=list)
    download_failures: list[tuple[int, int | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def accepted(self) -> list[SentRequest]:
        """Messages the API accepted: what would really have gone out."""
        with self.lock:
            return [r for r in self.requests if r.sid]

    def fail(self, to: str | None, status: int, code: int | None = None, times: int = 1) -> None:
        with self.lock:
            target = self.next_failures if to is None else self.failures.setdefault(to, [])
            target.extend([(status, code)] * times)

    def stored(self, sid: str) -> StoredMessage:
        with self.lock:
            return next(message for message in self.messages if message.sid == sid)

    # --- what Twilio keeps of calls and inbound messages, and its deletion ----------------

    def add_recording(self, account_sid: str, audio: bytes = b"ID3fake-mp3-audio") -> str:
        sid = "RE" + secrets.token_hex(16)
        with self.lock:
            self.recordings[sid] = (account_sid, audio)
        return sid

    def recording_url(self, account_sid: str, sid: str) -> str:
        """As Twilio sends it in RecordingUrl: without an ending."""
        return f"{self.base_url}/2010-04-01/Accounts/{account_sid}/Recordings/{sid}"

    def receive(self, account_sid: str, pictures: int = 0) -> tuple[str, list[str]]:
        """An inbound message Twilio now keeps; returns its SID and its MediaUrl values."""
        sid = "MM" + secrets.token_hex(16) if pictures else "SM" + secrets.token_hex(16)
        urls = []
        with self.lock:
            self.inbound[sid] = account_sid
            for _ in range(pictures):
                media_sid = "ME" + secrets.token_hex(16)
                self.media[media_sid] = (account_sid, sid)
                urls.append(
                    f"{self.base_url}/2010-04-01/Accounts/{account_sid}"
                    f"/Messages/{sid}/Media/{media_sid}"
                )
        return sid, urls

    def held(self, sid: str) -> bool:
        """Whether Twilio still keeps this recording, message or picture."""
        with self.lock:
            return (
                sid in self.recordings
                or sid in self.calls
                or sid in self.inbound
                or sid in self.media
                or any(m.sid == sid for m in self.messages)
            )

    def deleted(self, kind: str = "") -> list[str]:
        """SIDs whose DELETE succeeded (``kind``: "Recordings", "Calls", "Messages", "Media")."""
        with self.lock:
            return [
                r.sid
                for r in self.deletions
                if r.sid and (not kind or f"/{kind}/{r.sid}" in r.path)
            ]

    def _authorised(self, account_sid: str, auth: tuple[str, str] | None) -> bool:
        if auth is None or auth[0] != account_sid:
            return False
        token = self.tokens.get(account_sid)
        return token is None or auth[1] == token

    def _download(self, request: SentRequest, account_sid: str, sid: str) -> tuple[int, object]:
        with self.lock:
            self.downloads.append(request)
            failure = self.download_failures.pop(0) if self.download_failures else None
            held = self.recordings.get(sid)
        if failure is not None:
            return _error(*failure)
        if self.enforce_media_auth and not self._authorised(account_sid, request.auth):
            return _error(401, 20003)
        if held is None or held[0] != account_sid:
            return _error(404, 20404)
        return 200, held[1]

    def _delete(self, request: SentRequest, account_sid: str) -> tuple[int, dict | None]:
        parts = urlsplit(request.path).path.removesuffix(".json").split("/")
        sid = parts[-1]
        with self.lock:
            self.deletions.append(request)
            failure = self.delete_failures.pop(0) if self.delete_failures else None
        if failure is not None:
            return _error(*failure)
        if not self._authorised(account_sid, request.auth):
            return _error(401, 20003)
        with self.lock:
            owner = self._owner(parts, sid)
            if owner != account_sid:
                return _error(404, 20404)
            self.recordings.pop(sid, None)
            self.calls.pop(sid, None)
            self.inbound.pop(sid, None)
            self.media.pop(sid, None)
            self.messages = [m for m in self.messages if m.sid != sid]
            # Deleting a message deletes its pictures (Twilio, since October 2020).
            self.media = {k: v for k, v in self.media.items() if v[1] != sid}
            request.sid = sid
        return 204, None

    def _owner(self, parts: list[str], sid: str) -> str | None:
        if parts[-2] == "Recordings":
            return self.recordings.get(sid, (None,))[0]
        if parts[-2] == "Calls":
            return self.calls.get(sid)
        if parts[-2] == "Media":
            account, message = self.media.get(sid, (None, None))
            return account if message == parts[-3] else None
        if sid in self.inbound:
            return self.inbound[sid]
        return next((m.account_sid for m in self.messages if m.sid == sid), None)

    def _answer(self, request: SentRequest) -> tuple[int, dict]:
        with self.lock:
            self.requests.append(request)
            queue = self.failures.get(request.form.get("To", ""), [])
            failure = queue.pop(0) if queue else None
            if failure is None and self.next_failures:
                failure = self.next_failures.pop(0)
        if failure is not None:
            return _error(*failure)
        stored = self._store(request)
        with self.lock:
            lost = self.lost_answers.pop(0) if self.lost_answers else None
        if lost is not None:
            return _error(lost, None)
        # The answer shows the message as just queued, as Twilio's does.
        return 201, stored.resource() | {"status": "queued", "date_sent": None}

    def _store(self, request: SentRequest) -> StoredMessage:
        request.sid = "SM" + secrets.token_hex(16)
        now = utcnow()
        stored = StoredMessage(
            sid=request.sid,
            account_sid=request.path.split("/")[3],
            to=request.form.get("To", ""),
            # A Messaging Service picks the sender from its pool: the fake's pool is one.
            from_=request.form.get("From", "")
            or (self.pool_number if "MessagingServiceSid" in request.form else ""),
            body=request.form.get("Body", ""),
            messaging_service_sid=request.form.get("MessagingServiceSid"),
            created=now,
            status="queued" if self.keep_queued else "sent",
            sent=None if self.keep_queued else now,
        )
        with self.lock:
            self.messages.append(stored)
        return stored

    def _list(self, request: SentRequest) -> tuple[int, dict]:
        with self.lock:
            self.lookups.append(request)
            failure = self.lookup_failures.pop(0) if self.lookup_failures else None
            messages = list(self.messages)
        if failure is not None:
            return _error(failure, None)
        query = request.form
        try:
            size = min(int(query.get("PageSize", PAGE_SIZE)), 1000)
            page = int(query.get("Page", 0))
            matching = [m for m in messages if _matches(m, query)]
        except ValueError:
            return _error(400, 20001)
        matching.sort(key=lambda m: m.created, reverse=True)
        start = page * size
        records = matching[start : start + size]
        path = urlsplit(request.path).path

        def page_uri(number: int) -> str:
            params = {k: v for k, v in query.items() if k not in ("Page", "PageToken")}
            return f"{path}?{urlencode(params | {'Page': number, 'PageSize': size})}"

        more = start + size < len(matching)
        return 200, {
            "messages": [m.resource() for m in records],
            "page": page,
            "page_size": size,
            "start": start,
            "end": start + max(len(records) - 1, 0),
            "uri": page_uri(page),
            "first_page_uri": page_uri(0),
            "previous_page_uri": page_uri(page - 1) if page > 0 else None,
            "next_page_uri": page_uri(page + 1) + f"&PageToken=PA{records[-1].sid}"
            if more
            else None,
        }


def add_number(api: FakeTwilioApi, phone_number: str, account_sid: str, **fields) -> dict:
    """A number of the account as Twilio lists it, webhooks empty unless given."""
    sid = "PN" + secrets.token_hex(16)
    number = {
        "sid": sid,
        "account_sid": account_sid,
        "phone_number": phone_number,
        "friendly_name": phone_number,
        "sms_url": "",
        "sms_method": "POST",
        "sms_fallback_url": "",
        "voice_url": "",
        "voice_method": "POST",
        "voice_fallback_url": "",
        "voice_fallback_method": "POST",
        "status_callback": "",
        "status_callback_method": "POST",
        "capabilities": {"voice": True, "sms": True, "mms": False, "fax": False},
        "api_version": "2010-04-01",
        "uri": f"/2010-04-01/Accounts/{account_sid}/IncomingPhoneNumbers/{sid}.json",
    } | fields
    with api.lock:
        api.numbers[sid] = number
    return number


#: POST field -> resource field, for what twilio-setup sets.
NUMBER_FIELDS = {
    "SmsUrl": "sms_url",
    "SmsMethod": "sms_method",
    "SmsFallbackUrl": "sms_fallback_url",
    "VoiceUrl": "voice_url",
    "VoiceMethod": "voice_method",
    "VoiceFallbackUrl": "voice_fallback_url",
    "VoiceFallbackMethod": "voice_fallback_method",
    "StatusCallback": "status_callback",
    "StatusCallbackMethod": "status_callback_method",
}


def _numbers(api: FakeTwilioApi, request: SentRequest) -> tuple[int, dict]:
    with api.lock:
        api.number_requests.append(request)
        account = request.path.split("/")[3]
        owned = [n for n in api.numbers.values() if n["account_sid"] == account]
    path = urlsplit(request.path).path
    if request.method == "GET":
        wanted = request.form.get("PhoneNumber")
        listed = [n for n in owned if wanted in (None, n["phone_number"])]
        return 200, {
            "incoming_phone_numbers": listed,
            "page": 0,
            "page_size": 50,
            "uri": path,
            "first_page_uri": path,
            "next_page_uri": None,
            "previous_page_uri": None,
        }
    sid = path.rsplit("/", 1)[-1].removesuffix(".json")
    number = next((n for n in owned if n["sid"] == sid), None)
    if number is None:
        return _error(404, 20404)
    with api.lock:
        for name, value in request.form.items():
            if name in NUMBER_FIELDS:
                number[NUMBER_FIELDS[name]] = value
    return 200, number


def _error(status: int, code: int | None) -> tuple[int, dict]:
    return status, {
        "code": code,
        "message": f"fake error {code or status}",
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _rfc2822(moment: datetime) -> str:
    return moment.strftime("%a, %d %b %Y %H:%M:%S +0000")


def _matches(message: StoredMessage, query: dict[str, str]) -> bool:
    """Twilio's filters: To and From exactly; DateSent on the day (``YYYY-MM-DD``) or,
    as the twilio library sends it, a full time; ``DateSent<``/``DateSent>`` include the
    bound. A message without date_sent (still queued) matches no DateSent filter."""
    if "To" in query and message.to != query["To"]:
        return False
    if "From" in query and message.from_ != query["From"]:
        return False
    for name, compare in (
        ("DateSent", lambda sent, bound: sent == bound),
        ("DateSent<", lambda sent, bound: sent <= bound),
        ("DateSent>", lambda sent, bound: sent >= bound),
    ):
        if name not in query:
            continue
        if message.sent is None:
            return False
        bound = _date_bound(query[name])
        sent = message.sent.date() if type(bound) is date else message.sent
        if not compare(sent, bound):
            return False
    return True


def _date_bound(value: str) -> date | datetime:
    if "T" not in value:
        return date.fromisoformat(value)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _handler(api: FakeTwilioApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def _auth(self) -> tuple[str, str] | None:
            header = self.headers.get("Authorization", "")
            if not header.startswith("Basic "):
                return None
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            return user, password

        def _host(self) -> str:
            return self.headers.get("Host", "")

        def _reply(self, status: int, payload: object) -> None:
            if payload is None:
                self.send_response(status)
                self.end_headers()
                return
            is_audio = isinstance(payload, bytes)
            body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "audio/mpeg" if is_audio else "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_DELETE(self) -> None:
            path = urlsplit(self.path).path
            parts = path.split("/")
            if len(parts) < 6 or parts[2] != "Accounts" or not path.endswith(".json"):
                self._reply(404, {"code": 20404, "message": "not found", "status": 404})
                return
            request = SentRequest("DELETE", self.path, {}, self._auth(), host=self._host())
            self._reply(*api._delete(request, parts[3]))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            form = {name: values[-1] for name, values in parse_qs(raw).items()}
            if api.delay:
                threading.Event().wait(api.delay)
            request = SentRequest("POST", self.path, form, self._auth(), host=self._host())
            if "/IncomingPhoneNumbers/" in self.path:
                self._reply(*_numbers(api, request))
                return
            if not self.path.endswith("/Messages.json"):
                self._reply(404, {"code": 20404, "message": "not found", "status": 404})
                return
            self._reply(*api._answer(request))

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {name: values[-1] for name, values in parse_qs(url.query).items()}
            if api.delay:
                threading.Event().wait(api.delay)
            request = SentRequest("GET", self.path, query, self._auth(), host=self._host())
            if url.path.endswith("/IncomingPhoneNumbers.json"):
                self._reply(*_numbers(api, request))
                return
            parts = url.path.split("/")
            if len(parts) == 6 and parts[4] == "Recordings":
                sid = parts[5].rsplit(".", 1)[0]
                self._reply(*api._download(request, parts[3], sid))
                return
            if not url.path.endswith("/Messages.json"):
                self._reply(404, {"code": 20404, "message": "not found", "status": 404})
                return
            self._reply(*api._list(request))

    return Handler


@contextmanager
def running_fake_twilio() -> Iterator[FakeTwilioApi]:
    api = FakeTwilioApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    server.daemon_threads = True
    api.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
