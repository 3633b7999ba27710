"""Webhooks signed with a SharedKey of Twilio's Webhooks configuration API: Twilio adds
X-Twilio-Webhooks-Signature-Settings ("key=<id>,algorithm=HMAC_SHA256") and signs with
that key instead of the auth token. The auth token's path stays."""

from __future__ import annotations

import logging

import pytest
from starlette.testclient import TestClient
from twilio.request_validator import HMAC_SHA256, RequestValidator

from participation.app import create_app
from tests.channels.sms.conftest import ALICE, WEBHOOK, parse_twiml, signature, twilio_params
from tests.conftest import PUBLIC_BASE, TEST_TWILIO_TOKEN
from tests.factories import make_consultation

URL = PUBLIC_BASE + WEBHOOK
KEY_ID = "webhooks_sharedkey_01jq2x7k9m3n5p8r"
KEY_SECRET = "shared-key-secret-of-the-council-0123"


@pytest.fixture
def settings(settings):
    return settings.with_(twilio_webhook_key_id=KEY_ID, twilio_webhook_key_secret=KEY_SECRET)


def post(client, params, secret: str, key_id: str | None = KEY_ID, algorithm=HMAC_SHA256):
    headers = {
        "X-Twilio-Signature": RequestValidator(secret).compute_signature(URL, params, algorithm)
    }
    if key_id is not None:
        headers["X-Twilio-Webhooks-Signature-Settings"] = f"key={key_id},algorithm={algorithm}"
    return client.post(WEBHOOK, data=params, headers=headers)


@pytest.fixture
def params(engine):
    make_consultation(engine, code="4711")
    return twilio_params("4711 Mehr Bänke", ALICE, "SM" + "b" * 32)


def test_a_shared_key_signature_is_accepted(client, params):
    response = post(client, params, KEY_SECRET)
    assert response.status_code == 200
    assert parse_twiml(response.text)


def test_sha1_with_the_shared_key_is_accepted_too(client, params):
    assert post(client, params, KEY_SECRET, algorithm="HMAC_SHA1").status_code == 200


@pytest.mark.parametrize(
    ("secret", "key_id"),
    [
        ("a-wrong-secret-0123456789abcdef", KEY_ID),
        # A key the council has not configured.
        (KEY_SECRET, "webhooks_sharedkey_someone_elses"),
    ],
    ids=["wrong-secret", "unknown-key"],
)
def test_a_wrong_shared_key_signature_is_refused(client, params, secret, key_id):
    assert post(client, params, secret, key_id=key_id).status_code == 403


def test_the_auth_token_path_stays(client, params):
    response = client.post(
        WEBHOOK, data=params, headers={"X-Twilio-Signature": signature(URL, params)}
    )
    assert response.status_code == 200


def test_without_a_configured_key_the_header_is_refused(settings, engine, params):
    plain = settings.with_(twilio_webhook_key_id="", twilio_webhook_key_secret="")
    with TestClient(create_app(plain, engine), base_url=PUBLIC_BASE) as other:
        assert post(other, params, KEY_SECRET).status_code == 403
        assert post(other, params, TEST_TWILIO_TOKEN, None, "HMAC_SHA1").status_code == 200


def test_a_mismatch_logs_the_url_checked_and_never_the_secret(client, params, caplog):
    caplog.set_level(logging.WARNING, logger="participation.twilio")
    response = client.post(
        WEBHOOK, data=params, headers={"X-Twilio-Signature": signature(URL + "x", params)}
    )
    assert response.status_code == 403
    logged = caplog.text
    assert URL in logged
    assert "auth token" in logged
    assert "HMAC_SHA1" in logged
    assert TEST_TWILIO_TOKEN not in logged and KEY_SECRET not in logged
