"""Reads our own TwiML back: what would be said, and which menu waits for the caller.

The phone simulator shows a call with it; it only ever parses TwiML this app wrote.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from participation.speaking_time import speech_seconds

#: <Say language> -> HTML lang, so the browser and screen readers read each line right.
_HTML_LANG = {"arb": "ar"}

#: <Say language> -> the interface language whose speaking rate it has (speaking_time).
_RATE_LANGUAGE = {
    "de-DE": "de",
    "en-GB": "en",
    "tr-TR": "tr",
    "arb": "ar",
    "ru-RU": "ru",
    "uk-UA": "uk",
    "pl-PL": "pl",
}


@dataclass(frozen=True)
class Spoken:
    text: str
    voice: str
    say_language: str
    slow: bool
    #: For <Play>: the recording played instead of a voice.
    audio_url: str = ""

    @property
    def html_lang(self) -> str:
        return _HTML_LANG.get(self.say_language, self.say_language.split("-")[0])

    @property
    def dir(self) -> str:
        return "rtl" if self.html_lang == "ar" else "ltr"

    @property
    def seconds(self) -> float:
        """How long a voice takes to say it (participation.speaking_time)."""
        language = _RATE_LANGUAGE.get(self.say_language, "de")
        return speech_seconds(self.text, language, slow=self.slow)


@dataclass(frozen=True)
class Menu:
    action: str
    num_digits: int | None
    finish_on_key: str


@dataclass(frozen=True)
class Recorder:
    action: str
    status_callback: str
    max_length: int


@dataclass
class Answer:
    said: list[Spoken] = field(default_factory=list)
    menu: Menu | None = None
    recorder: Recorder | None = None
    redirect: str | None = None
    hangup: bool = False

    @property
    def seconds(self) -> float:
        return sum(spoken.seconds for spoken in self.said)


def read_twiml(twiml: str) -> Answer:
    root = ET.fromstring(twiml)  # noqa: S314 - our own TwiML
    answer = Answer()
    for element in root.iter():
        if element.tag == "Say":
            text = " ".join("".join(element.itertext()).split())
            slow = element.find("prosody") is not None
            answer.said.append(
                Spoken(text, element.get("voice", ""), element.get("language", ""), slow)
            )
        elif element.tag == "Play":
            answer.said.append(Spoken("", "", "", False, audio_url=(element.text or "").strip()))
        elif element.tag == "Gather" and answer.menu is None:
            digits = element.get("numDigits")
            answer.menu = Menu(
                action=element.get("action", ""),
                num_digits=int(digits) if digits and digits.isdigit() else None,
                finish_on_key=element.get("finishOnKey", "#"),
            )
        elif element.tag == "Record" and answer.recorder is None:
            answer.recorder = Recorder(
                action=element.get("action", ""),
                status_callback=element.get("recordingStatusCallback", ""),
                max_length=int(element.get("maxLength", "3600")),
            )
        elif element.tag == "Redirect" and answer.redirect is None:
            answer.redirect = (element.text or "").strip()
        elif element.tag == "Hangup":
            answer.hangup = True
    return answer
