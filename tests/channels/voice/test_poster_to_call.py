"""A caller who does exactly what the printed poster says reaches its consultation.

The keys are read from the poster's HTML, in the order the sentence names them, and
pressed one menu after the other through signed webhooks, as Twilio would send them.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import select

from participation.channels.voice.models import VoiceCall
from participation.phone_keys import CODE_KEY, FINISH_KEY
from tests.channels.voice.phone import ALL_LANGUAGES, Call, fetch, open_line
from tests.factories import make_consultation, soup


def poster_keys(client, slug: str, lang: str) -> list[str]:
    """What the poster's phone section says to press, in its order; "#" after the code."""
    html = soup(client.get(f"/{lang}/c/{slug}/poster").text)
    block = html.select_one("section[aria-labelledby=poster-phone] .phone-keys")
    marked = block.find_all("strong", class_=["phone-key", "phone-code"])
    assert [strong["class"][0] for strong in marked] == ["phone-key", "phone-key", "phone-code"]
    assert "(#)" in block.get_text()
    *keys, code = (strong.get_text() for strong in marked)
    return [*keys, code + FINISH_KEY]


@pytest.mark.parametrize("lang", ALL_LANGUAGES)
def test_the_posters_keys_pressed_literally_reach_its_consultation(client, engine, lang) -> None:
    # Listed before it, so that a first digit alone would choose another one.
    for n in range(5):
        make_consultation(engine, code=str(1000 + n))
    wanted = make_consultation(engine, code="4711", title="Neue Buslinie")
    keys = poster_keys(client, wanted.slug, lang)
    assert keys[1] == str(CODE_KEY)

    call = Call(client)
    call.dial()
    for key in keys:
        call.press(key)

    assert call.gather.get("action").split("?")[0].endswith("/action")
    assert call.gather.get("action").endswith(f"c={wanted.id}")
    (row,) = fetch(engine, select(VoiceCall).where(VoiceCall.call_sid == call.sid))
    assert row.language == lang and row.consultation_id == wanted.id
    assert row.tries == 0, call.transcript()


def test_typing_the_code_straight_away_takes_only_its_first_digit(client, engine) -> None:
    # Why the poster names the code key: the consultation menu moves on after one key.
    for n in range(5):
        make_consultation(engine, code=str(1000 + n))
    wanted = make_consultation(engine, code="4711")
    call = open_line(client, "de")
    menu = parse_qs(urlsplit(call.gather.get("action")).query)["m"][0].split(".")
    call.press("4711#")
    fourth = menu[3]
    assert fourth != str(wanted.id)
    assert call.gather.get("action").endswith(f"c={fourth}")
