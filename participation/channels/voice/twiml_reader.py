"""Reads our own TwiML back: what would be said, and which menu waits for the caller.

The phone simulator shows a call with it; it only ever parses TwiML this app wrote.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

#: <Say language> -> HTML lang, so the browser and screen readers read each line right.
_HTML_LANG = {"arb": "ar"}

#: Words a second at a normal, unhurried reading-aloud pace, per <Say language>.
#: German is set at 2.5 words/s (150 words a minute, an announcer's pace). The others keep
#: the ratios between languages measured for reading aloud the same texts in the IReST
#: study (Trauzettel-Klosinski & Dietz, IOVS 2012;53:5452, means in words/min: German
#: 179, English 228, Turkish 166, Arabic 138, Russian 184, Polish 166), scaled by
#: 150/179. The ratios matter: a Turkish or Arabic word carries more than an English one.
#: IReST has no Ukrainian texts; Russian, its nearest neighbour there, stands in.
SPEAKING_RATE = {
    "de-DE": 2.5,
    "en-GB": 3.18,
    "tr-TR": 2.32,
    "arb": 1.93,
    "ru-RU": 2.57,
    "uk-UA": 2.57,
    "pl-PL": 2.32,
}
#: Leichte Sprache is spoken with <prosody rate="85%">.
SLOW_FACTOR = 0.85
#: Pauses a voice makes: after every sentence (and at the end of each <Say>: a new voice
#: starts), and a shorter one at every comma, colon, semicolon or dash (the groups of a
#: spoken number, "Deutsch: Taste 1").
SENTENCE_PAUSE = 0.5
COMMA_PAUSE = 0.25
_SENTENCE_END = re.compile(r"[.?!](?=\s)")
_SHORT_PAUSE = re.compile(r"[,:;،؛]|\s[–—-]\s")


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
        """How long a voice takes to say it, at SPEAKING_RATE with its pauses."""
        if not self.text:
            return 0.0
        rate = SPEAKING_RATE.get(self.say_language, SPEAKING_RATE["de-DE"])
        if self.slow:
            rate *= SLOW_FACTOR
        # Split on spaces: Arabic vowel marks (harakat) are no letters to \w and would
        # cut one word into three.
        words = sum(1 for token in self.text.split() if any(c.isalnum() for c in token))
        sentences = len(_SENTENCE_END.findall(self.text)) + 1
        pauses = sentences * SENTENCE_PAUSE + len(_SHORT_PAUSE.findall(self.text)) * COMMA_PAUSE
        return words / rate + pauses


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
