"""Invalid keys, silence and the star key at every menu: a helpful re-prompt, and after the
third failure a goodbye with the SMS way in and the line's opening hours."""

from __future__ import annotations

import pytest
from sqlmodel import select

from participation.channels.voice.models import VoiceCall, VoiceCallEvent
from participation.channels.voice.speech import spoken
from tests.channels.voice.phone import (
    ALL_LANGUAGES,
    EXPECTED_VOICES,
    Call,
    fetch,
    open_line,
    to_consultation,
)
from tests.factories import make_consultation

#: How each menu is reached from the consultation's main menu, and a key it does not know.
MENUS = {
    "language": (None, "9"),
    "consultation": ("0", "7"),
    "code": ("0 9", "12#"),
    "action": ("", "5"),
    "vote": ("2", "8"),
    "callback": ("3", "7"),
    "callback-number": ("3 2", "12"),
    "callback-check": ("3 2 05121987654#", "5"),
    "lookup": ("4", "99"),
    "after": ("2 1", "7"),
}


def reach(client, menu: str, language: str = "de") -> Call:
    path, _bad = MENUS[menu]
    if path is None:
        call = Call(client)
        call.dial()
        return call
    call = to_consultation(client, language)
    for keys in path.split():
        call.press(keys)
    return call


def step_of(call: Call) -> str:
    return call.gather.get("action").split("?")[0].rsplit("/", 1)[1]


def assert_failed_goodbye(call: Call, language: str) -> None:
    assert call.hung_up
    assert call.gather is None
    text = call.text()
    # The SMS number, read digit by digit in groups and said twice, and the line's hours
    # in the caller's language.
    assert text.count("0 1 5 1 2, 3 4 5 6, 7 8 9") == 2
    weekdays = {"de": "Montag", "en": "Monday", "ar": "الاثنين", "tr": "Pazartesi"}
    if language in weekdays:
        assert weekdays[language] in text
    assert text.endswith(spoken("goodbye", language))


@pytest.mark.parametrize("menu", list(MENUS))
def test_three_failures_at_each_menu_end_the_call_politely(client, engine, menu):
    make_consultation(engine, poll=["yes", "no"], code="4711")
    call = reach(client, menu)
    assert step_of(call) == menu
    _path, bad = MENUS[menu]

    hint = spoken("reprompt", "de", message="X").removeprefix("X ")
    call.press(bad)
    assert call.said()[0][2].endswith(hint), "a re-prompt that says what to do"
    assert step_of(call) == menu, "the same menu again"
    call.press("*")
    assert step_of(call) == menu
    assert spoken("reprompt", "de", reason="star") in call.text()
    if menu == "after":
        # Silence after the work is done ends the call without counting as a failure.
        call.press("9")
    else:
        call.wait()
    assert_failed_goodbye(call, "de")
    (row,) = fetch(engine, select(VoiceCall))
    assert row.failed_out
    kinds = [e.kind for e in fetch(engine, select(VoiceCallEvent).order_by(VoiceCallEvent.id))]
    assert kinds[-1] == "failed_out"


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_reprompts_and_goodbye_in_every_language(client, engine, language):
    make_consultation(engine, poll=["yes", "no"])
    voice = EXPECTED_VOICES[language]
    call = to_consultation(client, language)
    call.press("7")
    assert call.said()[0][2] == spoken("reprompt", language, reason="invalid")
    call.wait()
    assert call.said()[0][2] == spoken("reprompt", language, reason="timeout")
    assert step_of(call) == "action"
    call.press("*")
    assert all((v, lang) == voice for v, lang, _t in call.said())
    assert_failed_goodbye(call, language)


def test_a_good_answer_resets_the_count(client, engine):
    make_consultation(engine, poll=["yes", "no"])
    call = to_consultation(client)
    call.press("7")
    call.press("7")
    call.press("2")  # to the vote: the failures at the main menu are forgiven
    call.press("0")
    call.press("7")
    call.press("7")
    assert not call.hung_up
    call.press("7")
    assert call.hung_up


def test_silence_at_the_language_menu_reprompts_in_german_with_every_language(client, engine):
    make_consultation(engine)
    call = Call(client)
    call.dial()
    call.wait()
    said = call.said()
    assert said[0][2] == spoken("reprompt", "de", reason="timeout")
    assert {(v, lang) for v, lang, _t in said[1:]} == set(EXPECTED_VOICES.values())


def test_unknown_code_three_times(client, engine):
    make_consultation(engine, code="4711")
    call = open_line(client)
    call.press("9")
    call.press("9999#")
    assert "9 9 9 9" in call.text()
    call.press("8888#")
    assert not call.hung_up
    call.press("77#")
    assert_failed_goodbye(call, "de")


def test_star_inside_a_typed_code_counts_as_star(client, engine):
    make_consultation(engine, code="4711")
    call = open_line(client)
    call.press("9")
    call.press("47*1#")
    assert spoken("reprompt", "de", reason="star") in call.text()
    assert step_of(call) == "code"


def test_zero_goes_back_from_each_submenu(client, engine):
    make_consultation(engine, poll=["yes", "no"])
    for path in ("2", "3", "4"):
        call = to_consultation(client)
        call.press(path)
        call.press("0")
        assert step_of(call) == "action", path
