"""Gettext catalogs read from locales/*.po, and the current request's language.

The .po files are compiled in memory on first use, so a fresh checkout needs no
separate compile step; `pybabel compile` in CI still proves every catalog compiles.
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from functools import cache

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from participation.settings import DEFAULT_LANGUAGE, LANGUAGES, PROJECT_ROOT

LOCALES_DIR = PROJECT_ROOT / "locales"
current_language: ContextVar[str] = ContextVar("current_language", default=DEFAULT_LANGUAGE)


@cache
def translations(language: str) -> NullTranslations:
    locale = LANGUAGES.get(language, language)
    po_path = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


@cache
def babel_locale(language: str) -> Locale:
    locale = LANGUAGES.get(language, language)
    if locale == "de@easy":
        return Locale.parse("de")
    return Locale.parse(locale)


def N_(message: str) -> str:
    """Marks a message for extraction where it is translated later (gettext_noop)."""
    return message


def in_every_language(message: str) -> dict[str, str]:
    """{locale: translation} in each of our languages: for a text stored once for every
    reader, such as the labels of a poll's standard answers."""
    return {locale: translations(code).gettext(message) for code, locale in LANGUAGES.items()}


def gettext(message: str, **variables: object) -> str:
    text = translations(current_language.get()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations(current_language.get()).ngettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


def negotiate(accept_language: str | None) -> str:
    """Best of our languages for an Accept-Language header; German when nothing fits."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, index, tag))
    for _q, _i, tag in sorted(ranked):
        primary = tag.split("-")[0]
        if primary in LANGUAGES and primary != "ls":
            return primary
    return DEFAULT_LANGUAGE
