"""How long the phone line takes to read a text aloud: an estimate from its words.

One function for every place that asks (the clerk's set-up pages, the phone line's own
checks), so they all count alike. The rate is Amazon Polly's ordinary speed, about 150
words a minute (2.5 words a second), the voices the line uses; Leichte Sprache is read
at 85 % of it (channels/voice/speech.py, VOICES["ls"]). A figure is read digit by digit
or as a long number word ("2027": "zweitausendsiebenundzwanzig"), so each of its digits
counts as a word: the estimate errs long, never short.
"""

from __future__ import annotations

import math

#: Words a second at the voices' ordinary rate.
WORDS_PER_SECOND = 2.5
#: Leichte Sprache's slower voice (the prosody rate of 85 %).
SLOW_WORDS_PER_SECOND = WORDS_PER_SECOND * 0.85
#: What a caller hears before the menu at most: past half a minute people stop listening
#: and press keys, or hang up before they have heard what they can do.
SUMMARY_SECONDS_LIMIT = 30


def spoken_words(text: str) -> int:
    """Words as the voice reads them: a figure counts one word a digit."""
    words = 0
    for token in (text or "").split():
        digits = sum(char.isdigit() for char in token)
        words += digits if digits else 1 if any(char.isalnum() for char in token) else 0
    return words


def seconds_to_say(text: str, language: str = "de") -> int:
    """Whole seconds the line takes to read ``text`` in ``language`` (URL code: "ls" is
    Leichte Sprache, read more slowly), rounded up; 0 for no words."""
    rate = SLOW_WORDS_PER_SECOND if language in ("ls", "de@easy") else WORDS_PER_SECOND
    return math.ceil(spoken_words(text) / rate)
