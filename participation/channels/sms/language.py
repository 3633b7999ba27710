"""Which language an SMS is written in: script first, then tell-tale letters and the
most frequent short words. Good enough to answer in the sender's language; where it
cannot tell, the service falls back to the language the number wrote in before."""

from __future__ import annotations

import re

# Frequent short words, enough to tell the Latin-script languages apart in a sentence.
# (Space-separated strings read better than 100 one-word lines.)
_STOPWORDS = {
    "de": frozenset(
        "und der die das ist nicht bitte mehr ich wir für mit auf ein eine zu es den dem "  # noqa: SIM905
        "im sind wäre sollte auch kein keine gibt am vom zum zur".split()
    ),
    "en": frozenset(
        "the and is not please more we i for with on a to it should would are there "  # noqa: SIM905
        "be this that of in no yes".split()
    ),
    "tr": frozenset(
        "ve bir bu için çok daha lütfen değil ile da de ne var yok olsun burada biz ben "  # noqa: SIM905
        "mi mı".split()
    ),
    "pl": frozenset(
        "i nie jest się na w z do proszę więcej że to jak być są by tu dla przy".split()  # noqa: SIM905
    ),
}
_TR_LETTERS = frozenset("ğĞşŞıİ")
_PL_LETTERS = frozenset("ąęłńśźżćĄĘŁŃŚŹŻĆ")
_DE_LETTERS = frozenset("äÄßẞ")
_UK_LETTERS = frozenset("іїєґІЇЄҐ")
_RU_LETTERS = frozenset("ыэъёЫЭЪЁ")


def _script(char: str) -> str | None:
    code = ord(char)
    if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
        return "arabic"
    if 0x0400 <= code <= 0x04FF:
        return "cyrillic"
    if char.isalpha() and code < 0x0250:
        return "latin"
    return None


def detect_languages(text: str) -> tuple[str, ...]:
    """Likely languages of a message, best first; () when it cannot tell.

    Mixed scripts count by letters, so "4711 Bänke bitte, спасибо" is still German.
    """
    counts: dict[str, int] = {}
    for char in text:
        script = _script(char)
        if script:
            counts[script] = counts.get(script, 0) + 1
    if not counts:
        return ()
    script = max(counts, key=lambda s: counts[s])
    letters = set(text)
    if script == "arabic":
        return ("ar",)
    if script == "cyrillic":
        if letters & _UK_LETTERS and not letters & _RU_LETTERS:
            return ("uk",)
        if letters & _RU_LETTERS and not letters & _UK_LETTERS:
            return ("ru",)
        return ("ru", "uk")
    scores = {lang: 0 for lang in ("de", "en", "tr", "pl")}
    if letters & _TR_LETTERS:
        scores["tr"] += 3
    if letters & _PL_LETTERS:
        scores["pl"] += 3
    if letters & _DE_LETTERS:
        scores["de"] += 3
    for word in re.findall(r"\w+", text.casefold()):
        for lang, stopwords in _STOPWORDS.items():
            if word in stopwords:
                scores[lang] += 1
    best = max(scores.values())
    if best == 0:
        return ()
    return tuple(
        lang for lang in sorted(scores, key=lambda lang: -scores[lang]) if scores[lang] == best
    )
