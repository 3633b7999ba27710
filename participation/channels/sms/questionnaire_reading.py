"""What an SMS answers to the question it was asked: pure functions, no database.

"2", "1 3", "1,3", the option's word ("bus", "Bäume", an unambiguous start such as "Bä"
where only one option begins so), JA/NEIN/EVET/نعم for yes and no, a number, a text.
The result is the raw values submit_response() takes for that question (option ids,
"yes"/"no", a number, a text), or None when the message cannot be read as an answer:
the door then says so and asks again. Words compare after parser.fold (case, accents,
umlauts, Arabic letter forms and digits do not matter).

Besides answers, three words steer the conversation while it is open: ZURÜCK (the
previous question), ENDE (stop answering; nothing is stored) and WEITER or 0 (skip an
optional question). ENDE, not END: END is one of Twilio's opt-out words and keeps that
meaning (see parser.TWILIO_OPT_OUT); STOP and the other opt-out words end the
conversation too, and opt the number out as before.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from participation.channels.sms.parser import VOTES, fold
from participation.contributions.text import normalise_text
from participation.questionnaires.answers import NO, YES
from participation.questionnaires.models import QuestionKind
from participation.questionnaires.pages import ShownQuestion


class Steer(enum.StrEnum):
    back = "back"
    end = "end"
    skip = "skip"


#: Steering words per language; the first is the one the replies suggest.
STEERING: dict[Steer, dict[str, tuple[str, ...]]] = {
    Steer.back: {
        "de": ("ZURÜCK", "ZURUECK", "ZURUCK"),
        "en": ("BACK",),
        "tr": ("GERİ", "GERI"),
        "ar": ("رجوع",),
        "ru": ("НАЗАД",),
        "uk": ("НАЗАД",),
        "pl": ("WSTECZ",),
    },
    Steer.end: {
        "de": ("ENDE",),
        "en": ("EXIT",),
        "tr": ("BİTİR", "BITIR"),
        "ar": ("إنهاء", "انهاء"),
        "ru": ("ВЫХОД",),
        "uk": ("ВИХІД",),
        "pl": ("KONIEC",),
    },
    Steer.skip: {
        "de": ("WEITER",),
        "en": ("SKIP",),
        "tr": ("ATLA",),
        "ar": ("تخطي",),
        "ru": ("ДАЛЬШЕ",),
        "uk": ("ДАЛІ",),
        "pl": ("DALEJ", "POMIŃ", "POMIN"),
    },
}
_STEERING_INDEX = {
    fold(alias): steer
    for steer, by_language in STEERING.items()
    for aliases in by_language.values()
    for alias in aliases
}
_ANSWER_WORDS = {
    fold(alias): key for key in (YES, NO) for aliases in VOTES[key].values() for alias in aliases
}
_SEPARATORS = re.compile(r"[\s,;/+&،؛、]+")
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
#: A number as people write it: digits, perhaps a minus, no more than twelve.
_NUMBER = re.compile(r"^-?\d{1,12}$")


def steering_word(steer: Steer, language: str) -> str:
    aliases = STEERING[steer].get(language) or STEERING[steer]["de"]
    return aliases[0]


def steering(body: str) -> Steer | None:
    """ZURÜCK, ENDE or WEITER as the whole message (0 skips too: see read_answer)."""
    return _STEERING_INDEX.get(_folded(body))


@dataclass(frozen=True)
class Reading:
    """An answer read from a message: the raw values and what the reply echoes."""

    values: list[str]
    #: The options' words, the number or the text, as the reply repeats them.
    understood: list[str] = field(default_factory=list)


def read_answer(
    question: ShownQuestion, body: str, option_words: Mapping[int, tuple[str, ...]] = {}
) -> Reading | None:
    """``body`` read as an answer to ``question``; None when it cannot be read.

    ``option_words``: more words for an option (the poll's JA/NEIN in every language).
    An empty answer (0 or WEITER) skips; whether that is allowed submit_response's checks
    say."""
    text = normalise_text(body)
    folded = _folded(text)
    if not folded:
        # Nothing, or only emoji and punctuation: no answer, not a skip either.
        return None
    if folded == "0" or steering(text) is Steer.skip:
        return Reading([])
    kind = question.kind
    if kind is QuestionKind.free_text:
        return Reading([text], [text])
    if kind is QuestionKind.yes_no:
        return _yes_no(folded)
    if kind in (QuestionKind.scale, QuestionKind.number):
        number = folded.replace(" ", "")
        if not _NUMBER.match(number):
            return None
        return Reading([number], [number])
    return _choices(question, text, option_words)


def _folded(text: str) -> str:
    return fold(_EDGES.sub("", normalise_text(text)))


def _yes_no(folded: str) -> Reading | None:
    key = {"1": YES, "2": NO}.get(folded) or _ANSWER_WORDS.get(folded)
    return Reading([key], [key]) if key else None


def _choices(
    question: ShownQuestion, text: str, option_words: Mapping[int, tuple[str, ...]]
) -> Reading | None:
    words = {
        option.id: _names(option.label, option_words.get(option.id, ()))
        for option in question.options
    }
    whole = _by_word(words, _folded(text))
    if whole is not None:
        return _picked(question, [str(whole)])
    picked = []
    for token in _SEPARATORS.split(text):
        part = _folded(token)
        if not part:
            continue
        if part.isdecimal():
            by_position = {o.position: o.id for o in question.options}
            # An option number the question does not have: its check says so.
            picked.append(str(by_position.get(int(part), 0)) if len(part) <= 2 else "0")
            continue
        found = _by_word(words, part)
        if found is None:
            return None
        picked.append(str(found))
    return _picked(question, picked) if picked else None


def _plain(text: str) -> str:
    """Without any accent: "Bänke" -> "banke" (fold writes "baenke"; people write both)."""
    decomposed = unicodedata.normalize("NFD", normalise_text(text).casefold())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").strip()


def _names(label: str, extra: tuple[str, ...]) -> frozenset[str]:
    """The forms an option is known by: its label whole, its longer words, its extras."""
    names = {label, *extra, *(w for w in label.split() if len(w) >= 4)}
    return frozenset(form for name in names for form in (fold(name), _plain(name)) if form)


def _by_word(words: Mapping[int, frozenset[str]], part: str) -> int | None:
    """The one option named by ``part``, whole or as the unambiguous start of a name."""
    if not part:
        return None
    forms = {part, _plain(part)}
    exact = [oid for oid, names in words.items() if forms & names]
    if len(exact) == 1:
        return exact[0]
    if len(part) < 2:
        return None
    starts = [
        oid
        for oid, names in words.items()
        if any(name.startswith(form) for name in names for form in forms)
    ]
    return starts[0] if len(starts) == 1 else None


def _picked(question: ShownQuestion, values: list[str]) -> Reading:
    labels = {str(option.id): option.label for option in question.options}
    unique = list(dict.fromkeys(values))
    return Reading(unique, [labels[v] for v in unique if v in labels])
