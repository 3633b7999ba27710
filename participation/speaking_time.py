"""How long the phone line takes to read a text aloud: an estimate from its words.

One measure for every place that asks: the clerk's set-up pages (the summary against its
limit), the phone line's transcripts and the caller's-minute test (read from the TwiML),
and the phone simulator's call length, so they all count alike.

German is set at 2.5 words a second (150 words a minute, the ordinary speed of the
voices the line uses). The other languages keep the ratios between languages measured
for reading the same texts aloud in the IReST study (Trauzettel-Klosinski & Dietz, IOVS
2012;53:5452; means in words a minute: German 179, English 228, Turkish 166, Arabic 138,
Russian 184, Polish 166), scaled by 150/179: a Turkish or Arabic word carries more than an
English one. IReST has no Ukrainian texts; Russian, its nearest neighbour there, stands
in. Leichte Sprache is read at 85 % (channels/voice/speech.py, <prosody rate="85%">).

A figure is read digit by digit or as a long number word ("2027":
"zweitausendsiebenundzwanzig"), so each of its digits counts as a word, and a voice
pauses after every sentence and, shorter, at every comma, colon, semicolon or dash (the
groups of a spoken number, "Deutsch: 1"): the estimate errs long, never short.
"""

from __future__ import annotations

import math
import re

#: Words a second, per interface language.
WORDS_PER_SECOND = {
    "de": 2.5,
    "en": 3.18,
    "tr": 2.32,
    "ar": 1.93,
    "ru": 2.57,
    "uk": 2.57,
    "pl": 2.32,
}
#: Leichte Sprache's slower voice.
SLOW_FACTOR = 0.85
SENTENCE_PAUSE = 0.5
COMMA_PAUSE = 0.25
#: What a caller hears before the menu at most: past half a minute people stop listening
#: and press keys, or hang up before they have heard what they can do.
SUMMARY_SECONDS_LIMIT = 30

_SENTENCE_END = re.compile(r"[.?!](?=\s)")
_SHORT_PAUSE = re.compile(r"[,:;،؛]|\s[–—-]\s")
_EASY = ("ls", "de@easy")


def spoken_words(text: str) -> int:
    """Words as the voice reads them: a figure counts one word a digit. Split on spaces:
    Arabic vowel marks (harakat) are no letters to \\w and would cut one word into three."""
    words = 0
    for token in (text or "").split():
        digits = sum(char.isdigit() for char in token)
        words += digits if digits else 1 if any(char.isalnum() for char in token) else 0
    return words


def speech_seconds(text: str, language: str = "de", *, slow: bool = False) -> float:
    """Seconds a voice of ``language`` takes to say ``text``, pauses included; ``slow`` (or
    language "ls") for Leichte Sprache's slower voice."""
    words = spoken_words(text)
    if not words:
        return 0.0
    easy = slow or language in _EASY
    rate = WORDS_PER_SECOND.get("de" if language in _EASY else language, WORDS_PER_SECOND["de"])
    if easy:
        rate *= SLOW_FACTOR
    sentences = len(_SENTENCE_END.findall(text)) + 1
    pauses = sentences * SENTENCE_PAUSE + len(_SHORT_PAUSE.findall(text)) * COMMA_PAUSE
    return words / rate + pauses


def seconds_to_say(text: str, language: str = "de") -> int:
    """Whole seconds, rounded up, as the clerk's pages show them; 0 for no words."""
    return math.ceil(speech_seconds(text, language))
