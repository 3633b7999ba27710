"""The voice fallback URL: an apology in German (and the caller's language), the SMS
number and the front desk; never Twilio's own English error message."""

from __future__ import annotations

from tests.channels.voice.phone import Call, open_line
from tests.conftest import PUBLIC_BASE

FALLBACK = PUBLIC_BASE + "/twilio/voice/fallback"
FAILURE = {"ErrorCode": "11200", "ErrorUrl": PUBLIC_BASE + "/twilio/voice"}


def test_a_failed_first_request_hears_german_with_the_other_ways_in(client, settings):
    call = Call(client)
    answer = call.post(FALLBACK, FAILURE, "fallback")
    assert answer.status == 200
    said = call.said()
    assert [language for _voice, language, _text in said] == ["de-DE"]
    text = call.text()
    assert "technische" in text or "technisches" in text
    assert "1 5 1" in text  # the council's SMS number, read digit by digit
    assert settings.front_desk_hours in text
    assert call.hung_up


def test_a_caller_who_chose_a_language_hears_it_after_the_german(client):
    call = open_line(client, "tr")
    call.post(FALLBACK, FAILURE, "fallback")
    languages = [language for _voice, language, _text in call.said()]
    assert languages == ["de-DE", "tr-TR"]
    german, turkish = (text for _voice, _language, text in call.said())
    assert german != turkish


def test_the_fallback_needs_twilios_signature(client):
    call = Call(client)
    assert call.post(FALLBACK, FAILURE, "forged", sign=False).status == 403
