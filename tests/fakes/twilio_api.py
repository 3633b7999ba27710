"""A fake Twilio REST API on 127.0.0.1: a real HTTP server in a thread.

Outbound SMS go through the real `twilio` client with its API base pointed here, so the
tests see exactly what would have been sent (URL, form fields, basic auth) and can make
the "API" answer 429, 500 or a Twilio error code such as 21610.

It keeps the messages it accepted and lists them like Twilio does
(``GET /2010-04-01/Accounts/{sid}/Messages.json`` with the To, From, DateSent filters,
newest first, in pages), so a worker can ask whether Twilio already has a message.
Its clock is the application's (participation.clock): tests that move time move both.
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
            "messaging_service_sid": None,
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
            from_=request.form.get("From", ""),
            body=request.form.get("Body", ""),
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

        def _reply(self, status: int, payload: dict) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            form = {name: values[-1] for name, values in parse_qs(raw).items()}
            if api.delay:
                threading.Event().wait(api.delay)
            if not self.path.endswith("/Messages.json"):
                self._reply(404, {"code": 20404, "message": "not found", "status": 404})
                return
            self._reply(*api._answer(SentRequest("POST", self.path, form, self._auth())))

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {name: values[-1] for name, values in parse_qs(url.query).items()}
            if api.delay:
                threading.Event().wait(api.delay)
            if not url.path.endswith("/Messages.json"):
                self._reply(404, {"code": 20404, "message": "not found", "status": 404})
                return
            self._reply(*api._list(SentRequest("GET", self.path, query, self._auth())))

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
