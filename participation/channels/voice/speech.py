"""What the line says and in which voice: languages, voices, spoken texts from templates.

Every sentence the caller hears is a template under templates/voice/ with English source
strings in _(); it is rendered with the caller's language as the current language, so the
same catalogs that translate the web pages translate the phone line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from jinja2 import Environment
from twilio.twiml.voice_response import Gather, Say, VoiceResponse

from participation.i18n import catalogs
from participation.rendering import environment
from participation.settings import LANGUAGES


@dataclass(frozen=True)
class Voice:
    name: str
    #: The <Say language=...> value; Polly's Arabic voice Zeina speaks "arb".
    language: str
    #: SSML prosody rate; Leichte Sprache is spoken more slowly.
    rate: str | None = None


VOICES: dict[str, Voice] = {
    "de": Voice("Polly.Vicki", "de-DE"),
    "en": Voice("Polly.Amy", "en-GB"),
    "tr": Voice("Polly.Filiz", "tr-TR"),
    "ar": Voice("Polly.Zeina", "arb"),
    "ru": Voice("Polly.Tatyana", "ru-RU"),
    # Polly has no Ukrainian voice; Google's is the only one Twilio offers.
    "uk": Voice("Google.uk-UA-Standard-A", "uk-UA"),
    "pl": Voice("Polly.Ewa", "pl-PL"),
    "ls": Voice("Polly.Vicki", "de-DE", rate="85%"),
}

#: gettext locale ("de@easy") -> URL language code ("ls").
LANGUAGE_OF_LOCALE: dict[str, str] = {locale: code for code, locale in LANGUAGES.items()}


def language_of_locale(locale: str) -> str:
    return LANGUAGE_OF_LOCALE.get(locale, "de")


def voice_for(language: str) -> Voice:
    return VOICES.get(language, VOICES["de"])


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Render texts in ``language``; the previous language is restored afterwards."""
    token = catalogs.current_language.set(language)
    try:
        yield
    finally:
        catalogs.current_language.reset(token)


_SPACES = re.compile(r"\s+")


@cache
def _environment() -> Environment:
    # The page environment with its gettext, but keeping the line breaks after block tags:
    # they separate sentences once the text is joined onto one line.
    return environment.overlay(trim_blocks=False, lstrip_blocks=False)


def spoken(name: str, language: str, **context: object) -> str:
    """The text of templates/voice/<name>.txt in ``language``, on one line."""
    with speaking(language):
        text = _environment().get_template(f"voice/{name}.txt").render(**context)
    return _SPACES.sub(" ", text).strip()


def say(parent: VoiceResponse | Gather, text: str, language: str) -> Say:
    """A <Say> in the language's voice; slower speech through SSML where the voice asks."""
    voice = voice_for(language)
    element = parent.say(voice=voice.name, language=voice.language)
    if voice.rate:
        element.prosody(text, rate=voice.rate)
    else:
        element.value = text
    return element


def say_template(
    parent: VoiceResponse | Gather, name: str, language: str, **context: object
) -> str:
    text = spoken(name, language, **context)
    if text:
        say(parent, text, language)
    return text
