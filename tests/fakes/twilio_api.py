"""A fake Twilio REST API on 127.0.0.1: a real HTTP server in a thread.

Outbound SMS go through the real `twilio` client with its API base pointed here, so the
tests see exactly what would have been sent (URL, form fields, basic auth) and can make
the "API" answer 429, 500 or a Twilio error code such as 21610.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class SentRequest:
    method: str
    path: str
    form: dict[str, str]
    auth: tuple[str, str] | None
    sid: str | None = None


@dataclass
class FakeTwilioApi:
    base_url: str = ""
    #: Every request received, in order (failed ones too).
    requests: list[SentRequest] = field(default_factory=list)
    #: Canned failures: "to" number -> list of (http status, twilio code), used up in order.
    failures: dict[str, list[tuple[int, int | None]]] = field(default_factory=dict)
    #: Failures for whoever comes next, used up in order.
    next_failures: list[tuple[int, int | None]] = field(default_factory=list)
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

    def _answer(self, request: SentRequest) -> tuple[int, dict]:
        with self.lock:
            self.requests.append(request)
            queue = self.failures.get(request.form.get("To", ""), [])
            failure = queue.pop(0) if queue else None
            if failure is None and self.next_failures:
                failure = self.next_failures.pop(0)
        if failure is not None:
            status, code = failure
            return status, {
                "code": code,
                "message": f"fake error {code or status}",
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            }
        request.sid = "SM" + secrets.token_hex(16)
        account = request.path.split("/")[3]
        return 201, {
            "sid": request.sid,
            "account_sid": account,
            "to": request.form.get("To"),
            "from": request.form.get("From"),
            "body": request.form.get("Body"),
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{account}/Messages/{request.sid}.json",
        }


def _handler(api: FakeTwilioApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # noqa: ANN002 - keep test output quiet
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            form = {name: values[-1] for name, values in parse_qs(raw).items()}
            auth = None
            header = self.headers.get("Authorization", "")
            if header.startswith("Basic "):
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
                auth = (user, password)
            if api.delay:
                threading.Event().wait(api.delay)
            if not self.path.endswith("/Messages.json"):
                status, payload = 404, {"code": 20404, "message": "not found", "status": 404}
            else:
                status, payload = api._answer(SentRequest("POST", self.path, form, auth))
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

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
