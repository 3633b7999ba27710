"""X-Twilio-Signature: checked against PUBLIC_BASE_URL + path + query, never against what
the request says about its host; a missing or wrong signature stores nothing."""

import pytest
from sqlalchemy import func
from sqlmodel import Session, select
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from participation.app import create_app
from participation.channels.sms.models import InboundSms
from participation.contributions.models import Contribution
from participation.outbox.consent import SmsContact
from participation.twilio import webhook_token
from tests.channels.sms.conftest import ALICE, WEBHOOK, parse_twiml, signature, twilio_params
from tests.conftest import PUBLIC_BASE
from tests.factories import make_consultation

URL = PUBLIC_BASE + WEBHOOK


def stored(engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        return tuple(  # type: ignore[return-value]
            session.exec(select(func.count()).select_from(model)).one()
            for model in (InboundSms, Contribution, SmsContact)
        )


@pytest.fixture
def params():
    return twilio_params("4711 Bitte mehr Bänke", ALICE, "SM" + "a" * 32)


def test_correct_signature_is_accepted(client, engine, params):
    make_consultation(engine, code="4711")
    response = client.post(
        WEBHOOK, data=params, headers={"X-Twilio-Signature": signature(URL, params)}
    )
    assert response.status_code == 200
    assert parse_twiml(response.text)
    assert stored(engine) == (1, 1, 1)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Twilio-Signature": ""},
        {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
    ],
    ids=["missing", "empty", "garbage"],
)
def test_missing_or_wrong_signature_is_refused_and_stores_nothing(client, engine, params, headers):
    make_consultation(engine, code="4711")
    response = client.post(WEBHOOK, data=params, headers=headers)
    assert response.status_code == 403
    assert "<Message>" not in response.text
    assert stored(engine) == (0, 0, 0)


def test_signature_with_another_token_or_for_other_content_is_refused(client, engine, params):
    make_consultation(engine, code="4711")
    other_token = RequestValidator("someone-elses-token").compute_signature(URL, params)
    assert (
        client.post(WEBHOOK, data=params, headers={"X-Twilio-Signature": other_token}).status_code
        == 403
    )
    tampered = dict(params, Body="4711 Etwas ganz anderes")
    good_for_original = signature(URL, params)
    response = client.post(
        WEBHOOK, data=tampered, headers={"X-Twilio-Signature": good_for_original}
    )
    assert response.status_code == 403
    assert stored(engine) == (0, 0, 0)


def test_account_sid_is_no_authentication(client, engine, params):
    # Some intake tools compare the AccountSid: it is not a secret. Correct SID, no signature.
    response = client.post(WEBHOOK, data=params)
    assert params["AccountSid"].startswith("AC")
    assert response.status_code == 403
    assert stored(engine) == (0, 0, 0)


def test_url_with_explicit_443_port(client, engine, params):
    make_consultation(engine, code="4711")
    with_port = "https://beteiligung.musterstadt.example:443" + WEBHOOK
    response = client.post(
        WEBHOOK, data=params, headers={"X-Twilio-Signature": signature(with_port, params)}
    )
    assert response.status_code == 200


def test_behind_a_proxy_the_public_url_counts_not_the_internal_one(settings, engine, params):
    """The app sees http://10.0.0.5:8000; Twilio signed https://beteiligung.../twilio/sms."""
    make_consultation(engine, code="4711")
    app = create_app(settings, engine)
    with TestClient(app, base_url="http://10.0.0.5:8000") as internal:
        proxy_headers = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "beteiligung.musterstadt.example",
            "X-Forwarded-For": "54.172.60.1",
        }
        ok = internal.post(
            WEBHOOK,
            data=params,
            headers={"X-Twilio-Signature": signature(URL, params), **proxy_headers},
        )
        assert ok.status_code == 200
        # What a validator built from the request's own URL would have accepted:
        naive = internal.post(
            WEBHOOK,
            data=dict(params, MessageSid="SM" + "b" * 32),
            headers={
                "X-Twilio-Signature": signature(
                    "http://10.0.0.5:8000" + WEBHOOK, dict(params, MessageSid="SM" + "b" * 32)
                )
            },
        )
        assert naive.status_code == 403
        # Forged forwarding headers do not make an attacker's URL count either.
        forged = dict(params, MessageSid="SM" + "c" * 32)
        attack = internal.post(
            WEBHOOK,
            data=forged,
            headers={
                "X-Twilio-Signature": signature("https://evil.example" + WEBHOOK, forged),
                "X-Forwarded-Host": "evil.example",
                "X-Forwarded-Proto": "https",
            },
        )
        assert attack.status_code == 403
    assert stored(engine)[0] == 1


def test_query_string_is_part_of_the_signed_url(client, engine, params):
    make_consultation(engine, code="4711")
    signed_with_query = signature(URL + "?channel=main", params)
    assert (
        client.post(
            WEBHOOK + "?channel=main",
            data=params,
            headers={"X-Twilio-Signature": signed_with_query},
        ).status_code
        == 200
    )
    other = dict(params, MessageSid="SM" + "d" * 32)
    assert (
        client.post(
            WEBHOOK + "?channel=main",
            data=other,
            headers={"X-Twilio-Signature": signature(URL, other)},
        ).status_code
        == 403
    )


def test_hmac_sha256_signature_announced_in_settings_header(client, engine, params):
    make_consultation(engine, code="4711")
    from participation.settings import Settings  # noqa: F401 - the token is the test token

    sha256 = RequestValidator("test-twilio-auth-token-0123456789").compute_signature(
        URL, params, "HMAC_SHA256"
    )
    headers = {
        "X-Twilio-Signature": sha256,
        "X-Twilio-Webhooks-Signature-Settings": "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256",
    }
    assert client.post(WEBHOOK, data=params, headers=headers).status_code == 200
    # The same signature without the header is read as SHA-1 and fails.
    again = dict(params, MessageSid="SM" + "e" * 32)
    sha256_again = RequestValidator("test-twilio-auth-token-0123456789").compute_signature(
        URL, again, "HMAC_SHA256"
    )
    assert (
        client.post(WEBHOOK, data=again, headers={"X-Twilio-Signature": sha256_again}).status_code
        == 403
    )


def test_without_twilio_credentials_the_local_token_signs(settings, engine, params):
    """Demo and training: no Twilio account, the simulator signs with a key from SECRET_KEY."""
    make_consultation(engine, code="4711")
    local = settings.with_(twilio_account_sid="", twilio_auth_token="")
    token = webhook_token(local)
    assert token and token != settings.twilio_auth_token
    assert webhook_token(local.with_(secret_key="another")) != token
    with TestClient(create_app(local, engine), base_url=PUBLIC_BASE) as client:
        good = RequestValidator(token).compute_signature(URL, params)
        assert (
            client.post(WEBHOOK, data=params, headers={"X-Twilio-Signature": good}).status_code
            == 200
        )
        old = dict(params, MessageSid="SM" + "f" * 32)
        with_test_token = signature(URL, old)
        assert (
            client.post(
                WEBHOOK, data=old, headers={"X-Twilio-Signature": with_test_token}
            ).status_code
            == 403
        )
