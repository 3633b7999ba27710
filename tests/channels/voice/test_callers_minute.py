"""A caller's minute: how long the line talks before the caller can choose, and whether
every menu moves on as soon as its key is pressed.

Seconds of speech are counted from the TwiML itself (twiml_reader.SPEAKING_RATE: words
of each <Say> at a per-language reading-aloud pace, plus a pause per sentence and comma).
"""

from __future__ import annotations

import pytest

from participation.channels.voice.speech import spoken
from participation.channels.voice.twiml_reader import Spoken, read_twiml
from tests.channels.voice.phone import ALL_LANGUAGES, LANGUAGE_KEYS, LOCALES, Call, to_consultation
from tests.factories import make_consultation

#: The issue's promise: from the first ring to choosing a consultation.
LIMIT_SECONDS = 25.0

#: "Should the market square be redesigned?" as each language's text would name it.
TITLES = {
    "en": "Should the market square be redesigned?",
    "tr": "Pazar meydanı yeniden düzenlensin mi?",
    "ar": "هل يجب إعادة تصميم ساحة السوق؟",
    "ru": "Перестроить ли рыночную площадь?",
    "uk": "Чи перебудувати ринкову площу?",
    "pl": "Czy przebudować rynek?",
    "ls": "Soll der Markt-Platz neu werden?",
}


def one_consultation(engine):
    texts = {LOCALES.get(lang, lang): {"title": title} for lang, title in TITLES.items()}
    return make_consultation(engine, texts=texts)


def heard_until_key(said: list[Spoken], key: str) -> list[Spoken]:
    """What plays before the caller hears their own option and presses it (every <Say> is
    inside the <Gather>, so the key cuts the rest off)."""
    for index, line in enumerate(said):
        if key in line.text.split() or f"{key}." in line.text.split():
            return said[: index + 1]
    raise AssertionError(f"no option with key {key}")


def seconds(said: list[Spoken]) -> float:
    return round(sum(line.seconds for line in said), 1)


def callers_minute(client, language: str) -> tuple[float, float]:
    """(seconds to choosing a consultation, seconds if the caller listens to both menus to
    their end)."""
    call = Call(client)
    greeting = read_twiml(call.dial().twiml)
    key = LANGUAGE_KEYS[language]
    menu = read_twiml(call.press(key).twiml)
    assert menu.menu is not None and menu.menu.num_digits == 1
    # In both menus the caller presses as soon as they hear their option (every <Say> is
    # inside the <Gather>): their language, then, after the notice, the consultation.
    to_choice = seconds(heard_until_key(greeting.said, key)) + seconds(
        heard_until_key(menu.said, "1")
    )
    return to_choice, seconds(greeting.said) + seconds(menu.said)


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_from_the_first_ring_to_choosing_a_consultation_in_under_25_seconds(
    client, engine, language
):
    one_consultation(engine)
    to_choice, everything = callers_minute(client, language)
    print(f"{language}: {to_choice} s to the choice, {everything} s hearing both menus whole")
    assert to_choice < LIMIT_SECONDS


def test_the_greeting_and_language_menu_are_short(client, engine):
    one_consultation(engine)
    greeting = read_twiml(Call(client).dial().twiml)
    # Greeting plus eight languages, each in its own voice, when nobody presses early.
    assert seconds(greeting.said) < 17.0  # 25 s before
    assert seconds(greeting.said[:2]) < 5.0  # German callers press 1 after this


def test_the_privacy_notice_sits_inside_the_menu_so_a_key_skips_it(client, engine):
    one_consultation(engine)
    call = Call(client)
    call.dial()
    call.press("1")
    gather = call.gather
    said_in_menu = ["".join(s.itertext()).strip() for s in gather.iter("Say")]
    assert said_in_menu[0] == spoken("notice", "de")
    # Nothing is said before the menu starts listening.
    assert [s for s in call.last.root.findall("Say")] == []
    # A key pressed during the notice chooses at once.
    call.press("1")
    assert call.gather.get("action").split("?")[0].endswith("/action")


#: Menus answered with one key, and entries (codes, numbers) finished with "#".
SINGLE_KEY = {"language", "consultation", "action", "vote", "callback", "callback-check", "after"}
ENTRIES = {"code", "callback-number", "lookup"}


def walk_every_menu(client) -> Call:
    """One call that reaches every menu of the line at least once."""
    call = to_consultation(client, from_number="+4915112345678")
    for keys in (
        "2", "0",  # vote, back
        "3", "0",  # call-back, back
        "3", "2", "05121 987654#", "2", "05121 987654#", "1", "0",  # typed call-back number
        "4", "12345678#", "0#",  # status look-up, unknown, then back
        "0", "9", "4711#",  # to the consultations, then a code
        "1",  # record
    ):  # fmt: skip
        call.press(keys)
    call.record(12)
    call.press("0")
    return call


def test_every_single_key_menu_takes_one_key_and_every_entry_ends_with_hash(client, engine):
    make_consultation(engine, poll=["yes", "no"], code="4711")
    call = walk_every_menu(client)
    seen: dict[str, list] = {}
    for exchange in call.log:
        for gather in exchange.root.iter("Gather"):
            step = gather.get("action", "").split("?")[0].rsplit("/", 1)[1]
            seen.setdefault(step, []).append((gather, exchange))
    assert set(seen) == SINGLE_KEY | ENTRIES
    for step, gathers in seen.items():
        for gather, exchange in gathers:
            if step in SINGLE_KEY:
                assert gather.get("numDigits") == "1", (step, exchange.twiml)
            else:
                assert gather.get("numDigits") is None, step
                assert gather.get("finishOnKey") == "#", step
                text = " ".join("".join(s.itertext()) for s in gather.iter("Say"))
                assert "Rautetaste" in text, (step, text)


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_every_entry_prompt_says_how_to_finish_in_every_language(language):
    hash_words = {
        "de": "Rautetaste",
        "ls": "Raute-Taste",
        "en": "hash key",
        "tr": "kare tuşuna",
        "ar": "زر المربع",
        "ru": "решётку",
        "uk": "решітку",
        "pl": "krzyżyk",
    }
    for name in ("code_entry", "callback_number", "status_prompt"):
        assert hash_words[language] in spoken(name, language), (name, language)
