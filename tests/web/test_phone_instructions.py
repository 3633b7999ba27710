"""What paper and pages tell a caller to press: every key, from the first menu on.

The line's consultation menu takes ONE key: a caller who types a poster's code straight
away has chosen a listed consultation with its first digit. So the poster and the "other
ways" block name the language key, the code key, the code and "#", in that order, from the
same constants the line's menus are built from (participation/phone_keys.py).
"""

from __future__ import annotations

import pytest

from participation.phone_keys import CODE_KEY, MENU_LANGUAGES, language_key
from participation.settings import LANGUAGES
from tests.factories import make_consultation, soup


def keys_in(block) -> list[tuple[str, str]]:
    """(class, text) of the marked keys and code, in the order a reader meets them."""
    return [
        (strong["class"][0], strong.get_text())
        for strong in block.find_all("strong", class_=["phone-key", "phone-code"])
    ]


def words(element) -> str:
    return " ".join(element.get_text().split())


def test_every_page_language_has_a_key_in_the_first_menu() -> None:
    assert set(MENU_LANGUAGES) == set(LANGUAGES)
    assert language_key("de") == 1 and language_key("ar") == 4
    # Leichte Sprache pages are "ls", their texts "de@easy": the same key either way.
    assert language_key("ls") == language_key("de@easy") == 8


def test_the_german_poster_says_every_key_to_press(client, engine, settings) -> None:
    consultation = make_consultation(engine, code="4711")
    html = soup(client.get(f"/de/c/{consultation.slug}/poster").text)
    phone = html.find("section", attrs={"aria-labelledby": "poster-phone"})
    assert phone.select_one(".poster-number").get_text() == settings.council_phone
    block = phone.select_one(".phone-keys")
    assert keys_in(block) == [
        ("phone-key", "1"),
        ("phone-key", str(CODE_KEY)),
        ("phone-code", "4711"),
    ]
    assert words(block) == (
        f"Anrufen, Taste 1 für Deutsch drücken, dann Taste {CODE_KEY}, dann 4711 und die "
        "Rautetaste (#)."
    )
    # The code is no longer printed as something to type straight after dialling.
    assert "Kennziffer 4711" not in phone.get_text(" ", strip=True)


def test_the_arabic_poster_says_every_key_to_press_left_to_right(client, engine) -> None:
    consultation = make_consultation(engine, code="4711")
    html = soup(client.get(f"/ar/c/{consultation.slug}/poster").text)
    assert html.find("html")["dir"] == "rtl"
    block = html.select_one("section[aria-labelledby=poster-phone] .phone-keys")
    assert keys_in(block) == [
        ("phone-key", "4"),
        ("phone-key", str(CODE_KEY)),
        ("phone-code", "4711"),
    ]
    # Digits inside a right-to-left sentence stay in their own left-to-right runs.
    assert all(strong["dir"] == "ltr" for strong in block.find_all("strong"))
    text = words(block)
    assert "للعربية" in text and "زر المربع (#)" in text


@pytest.mark.parametrize(("lang", "key"), [("de", "1"), ("ar", "4"), ("ls", "8")])
def test_the_consultation_pages_other_ways_say_every_key_to_press(
    client, engine, settings, lang, key
) -> None:
    consultation = make_consultation(engine, code="4711")
    html = soup(client.get(f"/{lang}/c/{consultation.slug}").text)
    ways = html.find("section", class_="other-ways")
    number = ways.find("a", href=f"tel:{settings.council_phone.replace(' ', '')}")
    assert number is not None
    block = ways.select_one("dd.phone-keys")
    # Right after the number, under the same "By phone".
    assert number.find_parent("dd").find_next_sibling("dd") is block
    assert keys_in(block) == [
        ("phone-key", key),
        ("phone-key", str(CODE_KEY)),
        ("phone-code", "4711"),
    ]
    assert "#" in block.get_text()


def test_the_home_pages_other_ways_say_the_keys_before_any_code(client, engine) -> None:
    make_consultation(engine, code="4711")
    for lang, key in (("de", "1"), ("ar", "4")):
        html = soup(client.get(f"/{lang}/").text)
        block = html.select_one("section.other-ways dd.phone-keys")
        # No consultation is chosen here: the list shows each one's code.
        assert keys_in(block) == [("phone-key", key), ("phone-key", str(CODE_KEY))]
        assert "#" in block.get_text()


def test_the_easy_read_page_says_the_keys_in_every_language(client) -> None:
    for lang in LANGUAGES:
        prose = soup(client.get(f"/{lang}/p/easy-read").text).find(class_="prose")
        items = [words(item) for item in prose.find_all("li")]
        phone = next(text for text in items if "(#)" in text)
        assert f" {language_key(lang)} " in phone, (lang, phone)
        assert f" {CODE_KEY}" in phone, (lang, phone)
        # In the order pressed: the language first, then the code key.
        first, second = phone.index(f" {language_key(lang)} "), phone.rindex(f" {CODE_KEY}")
        assert first < second, (lang, phone)
