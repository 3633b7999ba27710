"""A council whose Messaging Service answers opt-out, opt-in and help keywords itself
(Twilio's Advanced Opt-Out): we record what they mean and never answer them too."""

from __future__ import annotations

import secrets

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from participation.app import create_app
from participation.outbox.consent import SmsContact
from tests.channels.sms.conftest import (
    ALICE,
    WEBHOOK,
    Reply,
    parse_twiml,
    signature,
    twilio_params,
)
from tests.conftest import PUBLIC_BASE
from tests.factories import make_consultation

SERVICE = "MG" + "1" * 32


@pytest.fixture
def settings(settings):
    return settings.with_(twilio_messaging_service_sid=SERVICE, twilio_advanced_opt_out=True)


def send(client, body: str, opt_out_type: str | None = None) -> Reply:
    sid = "SM" + secrets.token_hex(16)
    params = twilio_params(body, ALICE, sid) | {"MessagingServiceSid": SERVICE}
    if opt_out_type:
        params["OptOutType"] = opt_out_type
    response = client.post(
        WEBHOOK,
        data=params,
        headers={"X-Twilio-Signature": signature(PUBLIC_BASE + WEBHOOK, params)},
    )
    assert response.status_code == 200
    return Reply(200, parse_twiml(response.text), sid)


def opted_out(engine) -> bool:
    with Session(engine) as session:
        return session.exec(select(SmsContact.opted_out)).one()


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        # Configured German keywords: only OptOutType tells us Twilio answered them.
        ("ABBESTELLEN", "STOP"),
        ("STOPP", "STOP"),
        ("HILFE", "HELP"),
        ("INFO", "HELP"),
        ("ANMELDEN", "START"),
        # Twilio's defaults, with OptOutType as Twilio sends it.
        ("STOP", "STOP"),
        ("HELP", "HELP"),
        ("START", "START"),
    ],
)
def test_a_keyword_twilio_answered_gets_no_second_answer(client, engine, body, kind):
    assert send(client, body, opt_out_type=kind).messages == []


@pytest.mark.parametrize("body", ["STOP", "HELP", "INFO", "START", "UNSUBSCRIBE", "unstop"])
def test_twilio_default_keywords_stay_silent_even_without_opt_out_type(client, body):
    assert send(client, body).messages == []


def test_an_opt_out_twilio_answered_is_recorded_and_an_opt_in_lifts_it(client, engine):
    send(client, "ABBESTELLEN", opt_out_type="STOP")
    assert opted_out(engine)
    send(client, "ANMELDEN", opt_out_type="START")
    assert not opted_out(engine)


def test_our_own_words_are_still_answered(client, engine):
    make_consultation(engine, code="4711")
    # HILFE without OptOutType: Twilio did not take it, so the help text is ours to send.
    assert send(client, "HILFE").messages
    assert send(client, "4711 Mehr Bänke am Markt").messages
    # INFO with a code is no keyword for Twilio (whole message only): ours.
    assert send(client, "INFO 4711").messages


def test_without_advanced_opt_out_help_is_answered_by_us(settings, engine):
    plain = settings.with_(twilio_advanced_opt_out=False)
    with TestClient(create_app(plain, engine), base_url=PUBLIC_BASE) as other:
        assert send(other, "HELP").messages
