"""What an SMS asks for: pure functions from text to a ParsedSms, no database.

Keywords work in the seven SMS languages and are compared after folding: case, accents
and umlauts (LÖSCHEN = LOESCHEN = loschen), Turkish dotted and dotless i (BİLGİ = BILGI =
bilgi = bılgı), Arabic letter variants, Arabic-Indic digits and punctuation around words do
not matter. The first alias of each list is the one the replies suggest to people writing in
that language, spelt as that language spells it (BİLGİ, BAŞLA).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from participation.channels.sms.language import detect_languages
from participation.contributions.reference import parse_reference
from participation.contributions.text import normalise_text

#: The languages an SMS is understood and answered in (Leichte Sprache is a web variant).
SMS_LANGUAGES = ("de", "en", "tr", "ar", "ru", "uk", "pl")


class Intent(enum.StrEnum):
    contribute = "contribute"
    vote = "vote"
    help = "help"
    info = "info"
    stop = "stop"
    start = "start"
    delete = "delete"
    status = "status"
    notify = "notify"
    #: "4711 START": answer that consultation's questionnaire, one question at a time.
    questionnaire = "questionnaire"
    unknown = "unknown"


# Keyword -> language -> aliases. Commands that change what we store (STOP, START,
# LÖSCHEN) count only as the whole message, as Twilio does for its own opt-out words,
# so "Stopp den Verkehr am Markt" stays a contribution.
COMMANDS: dict[Intent, dict[str, tuple[str, ...]]] = {
    Intent.help: {
        "de": ("HILFE",),
        "en": ("HELP",),
        "tr": ("YARDIM",),
        "ar": ("مساعدة",),
        "ru": ("ПОМОЩЬ",),
        "uk": ("ДОПОМОГА",),
        "pl": ("POMOC",),
    },
    Intent.info: {
        "de": ("INFO",),
        "en": ("INFO",),
        "tr": ("BİLGİ", "BILGI"),
        "ar": ("معلومات",),
        "ru": ("ИНФО",),
        "uk": ("ІНФО",),
        "pl": ("INFO",),
    },
    Intent.status: {
        "de": ("STATUS",),
        "en": ("STATUS",),
        "tr": ("DURUM",),
        "ar": ("حالة",),
        "ru": ("СТАТУС",),
        "uk": ("СТАТУС",),
        "pl": ("STATUS",),
    },
    Intent.notify: {
        "de": ("ERGEBNIS", "ERGEBNISSE"),
        "en": ("RESULTS", "RESULT", "NOTIFY"),
        "tr": ("SONUÇ", "SONUC"),
        "ar": ("النتيجة", "نتيجة"),
        "ru": ("РЕЗУЛЬТАТ", "РЕЗУЛЬТАТЫ"),
        "uk": ("РЕЗУЛЬТАТ", "РЕЗУЛЬТАТИ"),
        "pl": ("WYNIKI", "WYNIK"),
    },
    Intent.stop: {
        "de": ("STOPP", "STOP", "ABMELDEN"),
        "en": ("STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "REVOKE", "OPTOUT", "CANCEL"),
        "tr": ("DUR", "İPTAL", "IPTAL"),
        "ar": ("توقف", "إيقاف"),
        "ru": ("СТОП",),
        "uk": ("СТОП",),
        "pl": ("STOP",),
    },
    Intent.start: {
        "de": ("START",),
        "en": ("START", "UNSTOP"),
        "tr": ("BAŞLA", "BASLA"),
        "ar": ("ابدأ", "ابدا"),
        "ru": ("СТАРТ",),
        "uk": ("СТАРТ", "ПОЧАТИ"),
        "pl": ("START", "ZACZNIJ"),
    },
    Intent.delete: {
        "de": ("LÖSCHEN", "LOESCHEN", "LOSCHEN"),
        "en": ("DELETE",),
        "tr": ("SİL", "SIL"),
        "ar": ("حذف", "احذف"),
        "ru": ("УДАЛИТЬ",),
        "uk": ("ВИДАЛИТИ",),
        "pl": ("USUŃ", "USUN"),
    },
}
WHOLE_MESSAGE_COMMANDS = (Intent.stop, Intent.start, Intent.delete)
LEADING_COMMANDS = (Intent.help, Intent.info, Intent.status, Intent.notify)

#: Twilio answers these itself and blocks (or unblocks) the number; we only record it.
TWILIO_OPT_OUT = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "END", "QUIT", "REVOKE", "OPTOUT", "CANCEL"}
)
TWILIO_OPT_IN = frozenset({"START", "YES", "UNSTOP"})

#: Poll answers: option key -> language -> aliases (phrases of several words allowed).
VOTES: dict[str, dict[str, tuple[str, ...]]] = {
    "yes": {
        "de": ("JA",),
        "en": ("YES", "Y"),
        "tr": ("EVET",),
        "ar": ("نعم",),
        "ru": ("ДА",),
        "uk": ("ТАК",),
        "pl": ("TAK",),
    },
    "no": {
        "de": ("NEIN",),
        "en": ("NO", "N"),
        "tr": ("HAYIR",),
        "ar": ("لا",),
        "ru": ("НЕТ",),
        "uk": ("НІ",),
        "pl": ("NIE",),
    },
    "undecided": {
        "de": ("UNENTSCHIEDEN", "WEISS NICHT", "VIELLEICHT"),
        "en": ("UNDECIDED", "MAYBE", "DON'T KNOW"),
        "tr": ("KARARSIZ", "BİLMİYORUM", "BILMIYORUM"),
        "ar": ("لا أعرف", "ربما"),
        "ru": ("НЕ ЗНАЮ", "ВОЗДЕРЖУСЬ"),
        "uk": ("НЕ ЗНАЮ", "УТРИМУЮСЬ"),
        "pl": ("NIE WIEM", "WSTRZYMUJĘ"),
    },
}

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_FOLD = str.maketrans(
    {
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "ı": "i",
        "ł": "l",
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ـ": "",
        "’": "'",
    }
)
# Around a word: punctuation and symbols of any script (Arabic comma and question mark too).
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_CODE = re.compile(r"^\d{4,6}$")


def fold(word: str) -> str:
    """The comparable form of a keyword: 'Löschen!' -> 'loeschen', 'SİL' -> 'sil'."""
    text = unicodedata.normalize("NFKC", word).translate(_DIGITS).casefold()
    text = text.translate(_FOLD)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return text.strip()


def _fold_token(token: str) -> str:
    # Only the edges: "don't" keeps its apostrophe, "4711-2093" its dash.
    return fold(_EDGE.sub("", token))


#: What a phrase means: an Intent for commands, "yes"/"no"/... for poll answers.
Meaning = TypeVar("Meaning")


def _index(
    table: dict[Meaning, dict[str, tuple[str, ...]]],
) -> dict[tuple[str, ...], tuple[Meaning, tuple[str, ...]]]:
    """Folded phrase (as words) -> (meaning, languages that use it)."""
    found: dict[tuple[str, ...], tuple[Meaning, list[str]]] = {}
    for meaning, by_language in table.items():
        for language, aliases in by_language.items():
            for alias in aliases:
                words = tuple(_fold_token(w) for w in alias.split())
                entry = found.setdefault(words, (meaning, []))
                if language not in entry[1]:
                    entry[1].append(language)
    return {words: (meaning, tuple(langs)) for words, (meaning, langs) in found.items()}


_COMMAND_INDEX = _index(COMMANDS)
_VOTE_INDEX = _index(VOTES)
_LONGEST_VOTE = max(len(words) for words in _VOTE_INDEX)


def keyword(intent: Intent, language: str) -> str:
    """The word replies suggest in that language ("LÖSCHEN", "SİL", ...)."""
    aliases = COMMANDS[intent].get(language) or COMMANDS[intent]["de"]
    return aliases[0]


def vote_word(key: str, language: str) -> str:
    aliases = VOTES.get(key, {}).get(language) or VOTES.get(key, {}).get("de") or ("",)
    return aliases[0]


@dataclass(frozen=True)
class ParsedSms:
    intent: Intent
    #: A consultation code written in the message ("4711"), digits only.
    code: str | None = None
    #: The person's own words, without code and keywords (the contribution or comment).
    text: str = ""
    #: A poll answer by keyword: "yes", "no", "undecided".
    vote: str | None = None
    #: A poll answer by number ("4711 2").
    option_number: int | None = None
    #: STATUS: the reference as digits; None when none was given or it is not valid.
    reference: str | None = None
    #: Languages the message is written in, most likely first; empty when it cannot tell.
    languages: tuple[str, ...] = ()
    #: The message was one of Twilio's own opt-out/opt-in words (Twilio replies itself).
    twilio_keyword: bool = False
    #: Why the text carries no words: "empty" (nothing or only emoji/punctuation).
    empty: bool = False
    #: Anything written after STATUS, when it is no valid reference.
    raw_argument: str = field(default="")
    #: LÖSCHEN JA (DELETE YES, SİL EVET, ...): the answer to the question LÖSCHEN asks.
    confirmed: bool = False


def _rest(text: str, skip: int) -> str:
    """The text after its first ``skip`` words, with the person's own spacing kept."""
    if skip <= 0:
        return text
    parts = re.split(r"(\s+)", text.strip())
    words = 0
    for index, part in enumerate(parts):
        if part and not part.isspace():
            words += 1
            if words == skip:
                return "".join(parts[index + 1 :]).strip()
    return ""


def _is_code(folded: str) -> bool:
    return bool(_CODE.match(folded))


def _match(
    index: Mapping[tuple[str, ...], tuple[Meaning, tuple[str, ...]]],
    folded: list[str],
    start: int,
    longest: int,
) -> tuple[Meaning | None, int, tuple[str, ...]]:
    """Longest phrase of ``index`` at ``start``: (meaning, words used, languages)."""
    for length in range(min(longest, len(folded) - start), 0, -1):
        words = tuple(folded[start : start + length])
        if words in index:
            meaning, languages = index[words]
            return meaning, length, languages
    return None, 0, ()


def parse_sms(body: str | None) -> ParsedSms:
    text = normalise_text(body)
    if not any(ch.isalnum() for ch in text):
        # Nothing, or only emoji, punctuation and symbols: there is nothing to read.
        return ParsedSms(Intent.unknown, empty=True)
    tokens = text.split()
    folded = [_fold_token(t) for t in tokens]
    words = [f for f in folded if f]
    script_languages = detect_languages(text)
    single = _EDGE.sub("", tokens[0]).upper() if len(words) == 1 else ""

    # STOP, START, LÖSCHEN: only as the whole message.
    if len(words) == 1:
        meaning, _used, languages = _match(_COMMAND_INDEX, words, 0, 1)
        if meaning in WHOLE_MESSAGE_COMMANDS:
            twilio = single in (TWILIO_OPT_OUT if meaning is Intent.stop else TWILIO_OPT_IN)
            return ParsedSms(meaning, languages=languages, twilio_keyword=twilio)

    # LÖSCHEN JA: the erasure word and a yes, in any of the languages, and nothing else.
    if len(words) == 2:
        meaning, _used, languages = _match(_COMMAND_INDEX, words, 0, 1)
        answer, _used, yes_languages = _match(_VOTE_INDEX, words, 1, 1)
        if meaning is Intent.delete and answer == "yes":
            both = _merge(languages, yes_languages)
            return ParsedSms(Intent.delete, languages=both, confirmed=True)

    # A reference on its own asks for that contribution's status.
    reference = parse_reference(text)
    if reference is not None:
        return ParsedSms(Intent.status, reference=reference, languages=script_languages)

    position, code = 0, None
    if _is_code(folded[0]):
        code, position = folded[0], 1

    if (started := _questionnaire_start(folded, words, script_languages)) is not None:
        return started
    # HILFE / INFO / STATUS / ERGEBNIS, before or after the code.
    if position < len(folded):
        command, used, languages = _match(_COMMAND_INDEX, folded, position, 1)
        if command in LEADING_COMMANDS:
            return _leading_command(command, text, tokens, folded, position + used, code, languages)

    # A poll answer: "4711 JA", "JA 4711", "4711 nein, weil ...", "4711 2".
    if position < len(folded):
        vote = _poll_answer(text, folded, position, code, single, script_languages)
        if vote is not None:
            return vote

    rest = _rest(text, position)
    if code is not None and not rest:
        # A code on its own ("4711") asks what that consultation is about.
        return ParsedSms(Intent.info, code=code, languages=script_languages)
    return ParsedSms(
        Intent.contribute,
        code=code,
        text=rest,
        languages=script_languages,
        empty=not any(ch.isalnum() for ch in rest),
    )


def _questionnaire_start(
    folded: list[str], words: list[str], script_languages: tuple[str, ...]
) -> ParsedSms | None:
    """ "4711 START" or "START 4711" (BAŞLA, ابدأ, ПОЧАТИ, ...): the code's questionnaire."""
    if len(words) != 2 or len(folded) != 2:
        return None
    for code_at, word_at in ((0, 1), (1, 0)):
        if not _is_code(folded[code_at]):
            continue
        meaning, _used, languages = _match(_COMMAND_INDEX, folded, word_at, 1)
        if meaning is Intent.start:
            return ParsedSms(
                Intent.questionnaire,
                code=folded[code_at],
                languages=_merge(languages, script_languages),
            )
    return None


def _poll_answer(
    text: str,
    folded: list[str],
    position: int,
    code: str | None,
    single: str,
    script_languages: tuple[str, ...],
) -> ParsedSms | None:
    """The message read as a poll answer from `position` on, or None if it is not one."""
    answer, used, languages = _match(_VOTE_INDEX, folded, position, _LONGEST_VOTE)
    if answer is not None:
        after = position + used
        if code is None and after < len(folded) and _is_code(folded[after]):
            code, after = folded[after], after + 1
        comment = _rest(text, after)
        if comment and position == 1:
            # "4711 Ja, aber ohne Parkplätze": the comment keeps its "Ja".
            comment = _rest(text, position)
        # Without a code, "No parking on the square!" is a comment, not a poll answer;
        # a bare "NEIN" answers the question the number was last asked.
        if code is not None or not comment:
            return ParsedSms(
                Intent.vote,
                code=code,
                vote=str(answer),
                text=comment,
                languages=_merge(languages, script_languages),
                twilio_keyword=single in TWILIO_OPT_IN,
            )
    elif len(folded) == position + 1 and re.fullmatch(r"[1-9]", folded[position]):
        return ParsedSms(Intent.vote, code=code, option_number=int(folded[position]), languages=())
    return None


def _leading_command(
    intent: Intent,
    text: str,
    tokens: list[str],
    folded: list[str],
    after: int,
    code: str | None,
    languages: tuple[str, ...],
) -> ParsedSms:
    langs = _merge(languages, detect_languages(text))
    if intent is Intent.status:
        argument = _rest(text, after)
        reference = parse_reference(argument) if argument else None
        return ParsedSms(Intent.status, reference=reference, languages=langs, raw_argument=argument)
    if code is None and after < len(folded) and _is_code(folded[after]):
        code, after = folded[after], after + 1
    if intent is Intent.info and after < len(folded):
        # "INFO 4711 JA": yes, send me the results -> a notification request.
        meaning, _used, _ = _match(_VOTE_INDEX, folded, after, _LONGEST_VOTE)
        if meaning == "yes":
            return ParsedSms(Intent.notify, code=code, languages=langs)
    return ParsedSms(intent, code=code, languages=langs, text=_rest(text, after))


def _merge(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    """Languages both signals agree on first, then the keyword's own, then the script's."""
    both = tuple(lang for lang in first if lang in second)
    rest = tuple(lang for lang in first + second if lang not in both)
    merged: list[str] = []
    for lang in both + rest:
        if lang not in merged:
            merged.append(lang)
    # A keyword in one language is stronger than a guess from the script.
    if len(first) == 1:
        merged.remove(first[0])
        merged.insert(0, first[0])
    return tuple(merged)
