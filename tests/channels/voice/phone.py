"""A test caller: dials the line, follows the TwiML it gets back, presses keys, records.

Every request is a real signed Twilio webhook (RequestValidator with the test token)
through the TestClient; the TwiML is parsed with ElementTree, and the next request goes
to whatever action URL the answer named, as Twilio itself would.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from tests.conftest import PUBLIC_BASE, TEST_TWILIO_TOKEN

ACCOUNT_SID = "AC" + "0" * 32
LINE_NUMBER = "+4951211150"


@dataclass
class Exchange:
    label: str
    url: str
    params: dict[str, str]
    status: int
    twiml: str

    @property
    def root(self) -> ET.Element:
        return ET.fromstring(self.twiml)  # noqa: S314 - the app's own TwiML


@dataclass
class Call:
    client: TestClient
    from_number: str = "+4915112345678"
    sid: str = field(default_factory=lambda: "CA" + secrets.token_hex(16))
    token: str = TEST_TWILIO_TOKEN
    log: list[Exchange] = field(default_factory=list)

    # --- sending ---------------------------------------------------------------------

    def post(self, url: str, params: dict[str, str], label: str, *, sign: bool = True) -> Exchange:
        full = {
            "AccountSid": ACCOUNT_SID,
            "CallSid": self.sid,
            "From": self.from_number,
            "To": LINE_NUMBER,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
            **params,
        }
        headers = {}
        if sign:
            headers["X-Twilio-Signature"] = RequestValidator(self.token).compute_signature(
                url, full
            )
        assert url.startswith(PUBLIC_BASE), url
        response = self.client.post(url.removeprefix(PUBLIC_BASE), data=full, headers=headers)
        exchange = Exchange(label, url, params, response.status_code, response.text)
        self.log.append(exchange)
        if response.status_code == 200:
            assert response.headers["content-type"].startswith("text/xml"), response.headers
        return exchange

    def dial(self) -> Exchange:
        return self.post(PUBLIC_BASE + "/twilio/voice", {"CallStatus": "ringing"}, "call")

    def press(self, digits: str) -> Exchange:
        """Keys on the keypad; Twilio sends what was typed without the finishing #."""
        gather = self.gather
        assert gather is not None, f"no menu to press {digits!r} in:\n{self.last.twiml}"
        finish = gather.get("finishOnKey", "#")
        typed = digits[:-1] if finish and digits.endswith(finish) else digits
        if gather.get("numDigits"):
            # Twilio moves on after numDigits keys; whatever follows is not in Digits.
            typed = typed[: int(gather.get("numDigits", "1"))]
        return self.post(gather.get("action", ""), {"Digits": typed}, f"press {digits}")

    def wait(self) -> Exchange:
        """Silence until the menu times out: with actionOnEmptyResult, empty Digits."""
        gather = self.gather
        assert gather is not None and gather.get("actionOnEmptyResult") == "true"
        return self.post(gather.get("action", ""), {"Digits": ""}, "(silence)")

    def record(
        self,
        seconds: int = 14,
        *,
        callback_first: bool = False,
        hang_up: bool = False,
        recording_url: str | None = None,
        recording_sid: str | None = None,
    ) -> tuple[Exchange, Exchange | None]:
        """Speaks for ``seconds`` and presses # (or hangs up); both of Twilio's requests.

        Returns (status callback, action); after a hang-up the action is not in the log,
        since Twilio ignores the TwiML then and the call does not go on.
        """
        record = self.find("Record")
        assert record is not None, f"not recording:\n{self.last.twiml}"
        sid = recording_sid or "RE" + secrets.token_hex(16)
        url = recording_url or (
            f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{sid}"
        )
        callback_params = {
            "RecordingSid": sid,
            "RecordingUrl": url,
            "RecordingStatus": "completed",
            "RecordingDuration": str(seconds),
            "RecordingChannels": "1",
            "RecordingSource": "RecordVerb",
        }
        action_params = {
            "RecordingSid": sid,
            "RecordingUrl": url,
            "RecordingDuration": str(seconds),
            "Digits": "hangup" if hang_up else "#",
        }
        callback_url = record.get("recordingStatusCallback", "")
        action_url = record.get("action", "")
        if not callback_url:
            # A questionnaire's spoken answer: Twilio requests the action only.
            action = self.post(action_url, action_params, f"record {seconds}s, #")
            if hang_up:
                self.log.remove(action)
            return action, action
        if callback_first:
            callback = self.post(callback_url, callback_params, f"recording callback {seconds}s")
            action = self.post(action_url, action_params, f"record {seconds}s, #")
        else:
            action = self.post(action_url, action_params, f"record {seconds}s, #")
            callback = self.post(callback_url, callback_params, f"recording callback {seconds}s")
        if hang_up:
            # Twilio plays nothing of this answer to a caller who is gone; it stays out of
            # the transcript, and the test can still check that it asks nothing.
            self.log.remove(action)
            return callback, action
        # The transcript ends on what the caller hears next: the action's answer.
        self.log.remove(action)
        self.log.append(action)
        return callback, action

    def hang_up(self, duration: int = 60) -> Exchange:
        return self.post(
            PUBLIC_BASE + "/twilio/voice/call-status",
            {"CallStatus": "completed", "CallDuration": str(duration)},
            "hang up",
        )

    # --- reading ---------------------------------------------------------------------

    @property
    def last(self) -> Exchange:
        return self.log[-1]

    def find(self, tag: str) -> ET.Element | None:
        return self.last.root.find(f".//{tag}")

    @property
    def gather(self) -> ET.Element | None:
        return self.find("Gather")

    def said(self, exchange: Exchange | None = None) -> list[tuple[str, str, str]]:
        """(voice, language, text) of every <Say>, in the order they are spoken."""
        root = (exchange or self.last).root
        return [
            (say.get("voice", ""), say.get("language", ""), "".join(say.itertext()).strip())
            for say in root.iter("Say")
        ]

    def text(self, exchange: Exchange | None = None) -> str:
        return " ".join(text for _voice, _lang, text in self.said(exchange))

    @property
    def hung_up(self) -> bool:
        return self.find("Hangup") is not None

    def transcript(self) -> str:
        """The call as a readable TwiML sequence: each request, then the answer."""
        lines = []
        for exchange in self.log:
            path = exchange.url.removeprefix(PUBLIC_BASE)
            lines.append(f">>> {exchange.label}: POST {path}  [{exchange.status}]")
            if exchange.twiml.strip():
                element = exchange.root
                ET.indent(element, space="  ")
                lines.append(ET.tostring(element, encoding="unicode"))
            lines.append("")
        return "\n".join(lines)


def print_transcript(call: Call) -> None:
    print(call.transcript())


#: What each language must sound like (from the Twilio voice list, not from the app's table).
EXPECTED_VOICES = {
    "de": ("Polly.Vicki", "de-DE"),
    "en": ("Polly.Amy", "en-GB"),
    "tr": ("Polly.Filiz", "tr-TR"),
    "ar": ("Polly.Zeina", "arb"),
    "ru": ("Polly.Tatyana", "ru-RU"),
    "uk": ("Google.uk-UA-Standard-A", "uk-UA"),
    "pl": ("Polly.Ewa", "pl-PL"),
    "ls": ("Polly.Vicki", "de-DE"),
}
#: The key for each language in the first menu.
LANGUAGE_KEYS = {
    "de": "1",
    "en": "2",
    "tr": "3",
    "ar": "4",
    "ru": "5",
    "uk": "6",
    "pl": "7",
    "ls": "8",
}
ALL_LANGUAGES = tuple(LANGUAGE_KEYS)
LOCALES = {"ls": "de@easy"}


def fetch(engine, statement):
    """Rows as the database holds them now (a fresh session, nothing cached)."""
    from sqlmodel import Session

    with Session(engine) as session:
        return list(session.exec(statement).all())


def open_line(client: TestClient, language: str = "de", **call_options) -> Call:
    """Dials and chooses a language; the caller then hears the consultation menu."""
    call = Call(client, **call_options)
    call.dial()
    call.press(LANGUAGE_KEYS[language])
    return call


def to_consultation(client: TestClient, language: str = "de", choice: str = "1", **options) -> Call:
    """Dials, chooses a language and a consultation: the caller hears its main menu."""
    call = open_line(client, language, **options)
    call.press(choice)
    return call
