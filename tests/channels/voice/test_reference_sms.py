"""The reference SMS after a call fits the segment budget like every SMS reply."""

from __future__ import annotations

import dataclasses

import pytest

from participation.channels.voice.reference_sms import reference_sms
from participation.sms_segments import MAX_REPLY_SEGMENTS, count_segments
from tests.channels.voice.phone import ALL_LANGUAGES

REFERENCE = "91047817"
LATIN = ("de", "ls", "en", "pl", "tr")


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_the_reference_sms_fits_in_every_language(settings, language):
    text = reference_sms(settings, language, REFERENCE)
    assert "9104-7817" in text and f"/{language}/r/{REFERENCE}" in text
    assert settings.council_name in text
    assert count_segments(text).segments <= MAX_REPLY_SEGMENTS


@pytest.mark.parametrize("language", ("de", "ls", "en"))
def test_typographic_punctuation_keeps_it_in_gsm7(settings, language):
    council = dataclasses.replace(settings, council_name="Gemeinde „Am See“ – Nord")
    text = reference_sms(council, language, REFERENCE)
    assert count_segments(text).encoding == "GSM-7", text
    assert '"Am See" - Nord' in text


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_a_long_council_name_is_shortened_before_the_budget_breaks(settings, language):
    name = "Verbandsgemeinde Südliche Weinstraße-Landau-Land und Umgebung " * 5
    long = dataclasses.replace(settings, council_name=name.strip())
    text = reference_sms(long, language, REFERENCE)
    assert count_segments(text).segments <= MAX_REPLY_SEGMENTS, text
    # The number and its link are never what gives way.
    assert "9104-7817" in text and f"/r/{REFERENCE}" in text
    assert name.strip() not in text
