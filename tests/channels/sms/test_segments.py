"""SMS segment counting, and: every reply in every language fits in two segments.

The replies are rendered with whatever the catalogs hold when the test runs (English
source text where a string is not translated yet), so a translation that makes a reply
too long fails here, naming the reply and the language.
"""

from datetime import UTC, datetime

import pytest

from participation.channels.sms import replies
from participation.consultations.service import standard_options
from participation.settings import LANGUAGES
from participation.sms_segments import (
    MAX_REPLY_SEGMENTS,
    count_segments,
    gsm_friendly,
    is_gsm7,
    segments,
)


def test_gsm7_single_and_multipart():
    assert count_segments("").segments == 0
    assert count_segments("a" * 160) == count_segments("a" * 160).__class__("GSM-7", 160, 1)
    assert segments("a" * 161) == 2
    assert segments("a" * 306) == 2
    assert segments("a" * 307) == 3
    # Umlauts and ß are in the GSM alphabet.
    assert count_segments("Bänke für Straßen, Öl, Übergänge").encoding == "GSM-7"


def test_extension_characters_take_two_septets_and_are_never_split():
    assert count_segments("€" * 80) == count_segments("€" * 80).__class__("GSM-7", 160, 1)
    assert segments("€" * 81) == 2
    # 152 plain characters, then "€": the pair does not fit in part one's last septet.
    assert segments("a" * 152 + "€" + "a" * 152) == 3


def test_ucs2_single_and_multipart():
    assert count_segments("ş" * 70) == count_segments("ş" * 70).__class__("UCS-2", 70, 1)
    assert segments("ş" * 71) == 2
    assert segments("ş" * 134) == 2
    assert segments("ş" * 135) == 3
    for text in ("Evet, teşekkürler", "Proszę, ławki", "Спасибо", "Дякую", "شكراً"):
        assert count_segments(text).encoding == "UCS-2", text


def test_one_typographic_quote_or_emoji_switches_to_ucs2():
    text = "Bitte mehr Bänke " * 5
    assert segments(text) == 1
    assert count_segments(text + "„Marktplatz“").encoding == "UCS-2"
    assert segments(text + "😀") == 2
    assert count_segments("😀").units == 2  # a surrogate pair


def test_gsm_friendly_replaces_punctuation_only():
    assert gsm_friendly("„Ja“ – sicher… ‚so‘") == "\"Ja\" - sicher... 'so'"
    assert is_gsm7(gsm_friendly("„Ja“ – sicher…"))
    assert gsm_friendly("Straße ğ ą я") == "Straße ğ ą я"


# -- every reply in every language -------------------------------------------------------

LONG_TITLES = {
    "de": "Soll der Marktplatz mit mehr Bäumen, Bänken und Trinkbrunnen neu gestaltet werden?",
    "en": "Should the market square be redesigned with more trees, benches and a fountain?",
    "tr": "Kuzey Sanayi Bölgesi'ne yeni otobüs hattı: hangi duraklara ihtiyaç var?",
    "ar": "خط حافلات جديد إلى المنطقة الصناعية الشمالية: ما المحطات التي تحتاجونها؟",
    "ru": "Новая автобусная линия в северную промышленную зону: какие остановки нужны?",
    "uk": "Нова автобусна лінія до північної промислової зони: які зупинки потрібні?",
    "pl": "Nowa linia autobusowa do północnej strefy przemysłowej: jakie przystanki są potrzebne?",
}
LONG_SUMMARY = {
    lang: (title + " ") * 12 for lang, title in LONG_TITLES.items()
}  # ~1000 characters: must be shortened to fit
CODE = "471199"  # six digits: the longest code there is
REFERENCE = "47112093"
MOMENT = datetime(2027, 9, 30, 18, 0, tzinfo=UTC)


def _sample(language: str) -> str:
    return "de" if language == "ls" else language


def _choices(language: str) -> list[tuple[str, str]]:
    title = LONG_TITLES[_sample(language)]
    return [("471101", title), ("471102", title), ("471103", title), ("471104", title)]


def _option(language: str) -> str:
    # The longest standard label ("Ich weiß es noch nicht", "Затрудняюсь ответить", ...).
    return (
        max(standard_options()["undecided"].values(), key=len)
        if language == "ls"
        else (standard_options()["undecided"][LANGUAGES[language]])
    )


def all_replies(language: str) -> dict[str, str]:
    """Every reply the SMS channel can give, with the longest realistic values."""
    lang = _sample(language)
    options = [
        (1, standard_options()["yes"][LANGUAGES[language]]),
        (2, standard_options()["no"][LANGUAGES[language]]),
        (3, standard_options()["undecided"][LANGUAGES[language]]),
    ]
    r = replies
    return {
        "received": r.received(language, code=CODE, reference=REFERENCE),
        "received+media": r.received(language, code=CODE, reference=REFERENCE, media=True),
        "received+vote+media": r.received(
            language, code=CODE, reference=REFERENCE, option=_option(language), media=True
        ),
        "unassigned": r.unassigned(language, reference=REFERENCE, choices=_choices(language)),
        "unassigned+unknown+media": r.unassigned(
            language,
            reference=REFERENCE,
            choices=_choices(language),
            unknown_code=CODE,
            media=True,
        ),
        "unassigned+nothing-open": r.unassigned(
            language, reference=REFERENCE, choices=[], media=True
        ),
        "voted": r.voted(language, code=CODE, option=_option(language)),
        "vote_options": r.vote_options(language, code=CODE, options=options),
        "no_poll": r.no_poll(language, code=CODE),
        "choose:vote": r.choose(language, purpose="vote", choices=_choices(language)),
        "choose:info": r.choose(language, purpose="info", choices=_choices(language)),
        "choose:notify": r.choose(language, purpose="notify", choices=_choices(language)),
        "choose:none": r.choose(language, purpose="info", choices=[]),
        "not_open:closed": r.not_open(
            language, code=CODE, phase="closed", choices=_choices(language)
        ),
        "not_open:upcoming": r.not_open(
            language, code=CODE, phase="upcoming", opens_at=MOMENT, choices=_choices(language)
        ),
        "unknown_code": r.unknown_code(language, code=CODE, choices=_choices(language)),
        "unknown_code:none-open": r.unknown_code(language, code=CODE, choices=[]),
        "help": r.help_text(language, code=CODE),
        "info:open": r.info(
            language,
            code=CODE,
            title=LONG_TITLES[lang],
            summary=LONG_SUMMARY[lang],
            phase="open",
            closes_at=MOMENT,
        ),
        "info:upcoming": r.info(
            language,
            code=CODE,
            title=LONG_TITLES[lang],
            summary=LONG_SUMMARY[lang],
            phase="upcoming",
        ),
        "info:closed": r.info(
            language, code=CODE, title=LONG_TITLES[lang], summary=LONG_SUMMARY[lang], phase="closed"
        ),
        "results": r.results(
            language,
            code=CODE,
            title=LONG_TITLES[lang],
            summary=LONG_SUMMARY[lang],
            link=f"https://beteiligung.musterstadt.example/{language}/c/marktplatz-neu/results",
        ),
        "notify": r.notify_confirmed(language, code=CODE),
        "notify:impossible": r.notify_impossible(language),
        "status:pending": r.status(language, reference=REFERENCE, state="pending"),
        "status:published+answered": r.status(
            language, reference=REFERENCE, state="published", answered=True
        ),
        "status:rejected": r.status(
            language, reference=REFERENCE, state="rejected", reason="personal_data"
        ),
        "status_unknown:ref": r.status_unknown(language, reference=REFERENCE),
        "status_unknown:invalid": r.status_unknown(language, invalid=True),
        "status_unknown:none": r.status_unknown(language),
        "stopped": r.stopped(language),
        "started": r.started(language),
        "deleted": r.deleted(language, texts=12, votes=3, requests=2, kept=5),
        "deleted:nothing": r.deleted(language, texts=0, votes=0, requests=0, kept=0),
        "erase_question": r.erase_question(language, minutes=15),
        "shared_sender": r.shared_sender(language),
        "too_long": r.too_long(language, length=1_601, limit=1_600),
        "rate_limited": r.rate_limited(language),
        "empty": r.empty(language, media=False, code=CODE),
        "empty:media": r.empty(language, media=True, code=CODE),
    }


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_reply_fits_in_two_segments(language):
    too_long = {}
    for name, text in all_replies(language).items():
        assert text.strip(), f"{name} ({language}) is empty"
        count = count_segments(text)
        if count.segments > MAX_REPLY_SEGMENTS:
            too_long[name] = f"{count.segments} {count.encoding} segments: {text!r}"
    assert not too_long, f"replies in {language} longer than {MAX_REPLY_SEGMENTS} SMS: {too_long}"


@pytest.mark.parametrize("language", ["de", "ls", "en"])
def test_german_and_english_replies_stay_in_gsm7(language):
    """No typographic quote or emoji slipped in: GSM-7 halves the price."""
    for name, text in all_replies(language).items():
        assert is_gsm7(text), f"{name} ({language}) is not GSM-7: {text!r}"


def test_a_long_summary_is_shortened_not_cut_off_mid_word():
    text = replies.info(
        "de",
        code="4711",
        title="Marktplatz",
        summary="Der Marktplatz soll neu gestaltet werden. " * 20,
        phase="open",
        closes_at=MOMENT,
    )
    assert segments(text) <= MAX_REPLY_SEGMENTS
    assert "..." in text
    assert "ERGEBNIS 4711" in text  # the fixed part survives, the summary gives way
