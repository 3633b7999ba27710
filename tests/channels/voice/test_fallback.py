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


def test_a_council_signing_with_a_shared_key_reaches_the_fallback(settings, engine):
    from starlette.testclient import TestClient
    from twilio.request_validator import RequestValidator

    from participation.app import create_app

    keyed = settings.with_(
        twilio_webhook_key_id="webhooks_sharedkey_voice1",
        twilio_webhook_key_secret="voice-shared-key-secret-0123",
    )
    params = {"CallSid": "CA" + "c" * 32, "AccountSid": "AC" + "0" * 32, **FAILURE}
    settings_header = "key=webhooks_sharedkey_voice1,algorithm=HMAC_SHA256"
    header = {"X-Twilio-Webhooks-Signature-Settings": settings_header}
    with TestClient(create_app(keyed, engine), base_url=PUBLIC_BASE) as client:
        for secret, status in (
            ("voice-shared-key-secret-0123", 200),
            ("another-secret-0123456", 403),
        ):
            signed = RequestValidator(secret).compute_signature(FALLBACK, params, "HMAC_SHA256")
            headers = header | {"X-Twilio-Signature": signed}
            response = client.post("/twilio/voice/fallback", data=params, headers=headers)
            assert response.status_code == status
