"""Twilio's webhooks find their council by the number texted or called, and are checked
with that council's own Twilio token: a request signed with council A's token for
council B's number is refused, and nothing of it is stored."""

from __future__ import annotations

import secrets

import pytest
from sqlmodel import select

from participation.contributions.models import Contribution
from participation.councils.service import add_number, by_slug, create_council, set_twilio_account
from participation.db import session_scope
from tests.channels.sms.conftest import parse_twiml, signature, twilio_params
from tests.conftest import PUBLIC_BASE, TEST_SECRET, TEST_TWILIO_TOKEN
from tests.factories import make_consultation

A_NUMBER = "+4915100000000"
B_NUMBER = "+493023125516"
B_TOKEN = "beispieldorf-own-token-0123456789"
RESIDENT = "+4915111111111"


@pytest.fixture
def numbered(app, engine):
    with session_scope(engine, write=True) as session:
        add_number(session, by_slug(session, "council"), A_NUMBER)
        b = create_council(session, "beispieldorf", "Gemeinde Beispieldorf", numbers=[B_NUMBER])
        set_twilio_account(session, "beispieldorf", "AC" + "b" * 32, B_TOKEN, TEST_SECRET)
        b_id = b.id
    app.state.councils.expire()
    ours = make_consultation(engine, code="4711", council_id=1)
    theirs = make_consultation(engine, code="4711", council_id=b_id)
    return ours, theirs, b_id


def _sms(client, body: str, to: str, token: str):
    params = {**twilio_params(body, RESIDENT, "SM" + secrets.token_hex(16)), "To": to}
    return client.post(
        "/twilio/sms",
        data=params,
        headers={"X-Twilio-Signature": signature(PUBLIC_BASE + "/twilio/sms", params, token)},
    )


def _texts(engine, consultation_id: int) -> list[str]:
    with session_scope(engine) as session:
        return list(
            session.exec(
                select(Contribution.body).where(Contribution.consultation_id == consultation_id)
            ).all()
        )


def test_each_number_reaches_its_own_council(client, engine, numbered):
    ours, theirs, _b = numbered
    to_b = _sms(client, "4711 Bitte einen Steg am Teich", B_NUMBER, B_TOKEN)
    assert to_b.status_code == 200 and parse_twiml(to_b.text)
    to_a = _sms(client, "4711 Mehr Bänke am Markt", A_NUMBER, TEST_TWILIO_TOKEN)
    assert to_a.status_code == 200
    assert _texts(engine, theirs.id) == ["Bitte einen Steg am Teich"]
    assert _texts(engine, ours.id) == ["Mehr Bänke am Markt"]


def test_a_request_signed_with_another_councils_token_is_refused(client, engine, numbered):
    ours, theirs, _b = numbered
    forged = _sms(client, "4711 untergeschoben", B_NUMBER, TEST_TWILIO_TOKEN)
    assert forged.status_code == 403
    also_forged = _sms(client, "4711 untergeschoben", A_NUMBER, B_TOKEN)
    assert also_forged.status_code == 403
    assert _texts(engine, theirs.id) == [] and _texts(engine, ours.id) == []


def test_a_number_no_council_has_is_not_served(client, engine, numbered):
    response = _sms(client, "4711 wohin?", "+4930231255999", TEST_TWILIO_TOKEN)
    assert response.status_code == 404
    assert "Beispieldorf" not in response.text and "Musterstadt" not in response.text


def test_each_councils_messages_leave_with_its_own_number_and_account(engine, settings, numbered):
    from participation.outbox.service import enqueue_sms
    from participation.outbox.worker import CouncilSenders, send_due
    from tests.fakes.twilio_api import running_fake_twilio

    _ours, _theirs, b = numbered
    with session_scope(engine, write=True, council_id=1) as session:
        enqueue_sms(session, TEST_SECRET, RESIDENT, "Musterstadt: Ihr Beitrag ist da.")
    with session_scope(engine, write=True, council_id=b) as session:
        enqueue_sms(session, TEST_SECRET, RESIDENT, "Beispieldorf: Ihr Beitrag ist da.")
    with running_fake_twilio() as api:
        configured = settings.with_(twilio_api_base=api.base_url)
        assert send_due(engine, configured, CouncilSenders(engine, configured)) == 2
        sent = {r.form["Body"]: r for r in api.accepted}
        with session_scope(engine) as s:
            from participation.outbox.models import OutboundMessage as M

            print(
                [
                    (m.council_id, m.status, m.error_code, m.attempts)
                    for m in s.exec(select(M)).all()
                ]
            )
    musterstadt = sent["Musterstadt: Ihr Beitrag ist da."]
    beispieldorf = sent["Beispieldorf: Ihr Beitrag ist da."]
    assert musterstadt.form["From"] == settings.twilio_phone_number
    assert musterstadt.auth == (settings.twilio_account_sid, TEST_TWILIO_TOKEN)
    assert beispieldorf.form["From"] == B_NUMBER
    assert beispieldorf.auth == ("AC" + "b" * 32, B_TOKEN)
    assert f"/Accounts/{'AC' + 'b' * 32}/" in beispieldorf.path


def test_a_council_without_a_number_never_sends_with_another_ones(engine, settings, numbered):
    from participation.outbox.models import OutboundMessage, OutboundStatus
    from participation.outbox.service import enqueue_sms
    from participation.outbox.worker import CouncilSenders, send_due
    from tests.fakes.twilio_api import running_fake_twilio

    with session_scope(engine, write=True) as session:
        quiet = create_council(session, "stillbach", "Gemeinde Stillbach").id
    with session_scope(engine, write=True, council_id=quiet) as session:
        enqueue_sms(session, TEST_SECRET, RESIDENT, "Stillbach: Ihr Beitrag ist da.")
    with running_fake_twilio() as api:
        configured = settings.with_(twilio_api_base=api.base_url)
        send_due(engine, configured, CouncilSenders(engine, configured))
        assert api.requests == []
    with session_scope(engine, council_id=quiet) as session:
        message = session.exec(select(OutboundMessage)).one()
    assert message.status is not OutboundStatus.sent
    assert message.error_code == "no_council_number"


def _call(client, to: str, token: str):
    params = {
        "CallSid": "CA" + secrets.token_hex(16),
        "AccountSid": "AC" + "b" * 32,
        "From": RESIDENT,
        "To": to,
        "CallStatus": "ringing",
    }
    url = PUBLIC_BASE + "/twilio/voice"
    return client.post(
        "/twilio/voice",
        data=params,
        headers={"X-Twilio-Signature": signature(url, params, token)},
    )


def test_a_suspended_councils_line_and_number_say_so_and_take_nothing(
    app, client, engine, numbered
):
    from participation.councils.models import CouncilStatus
    from participation.councils.service import set_status

    _ours, theirs, _b = numbered
    with session_scope(engine, write=True) as session:
        council = by_slug(session, "beispieldorf")
        council.address = "Dorfstraße 1, 31199 Beispieldorf"
        session.add(council)
        set_status(
            session, "beispieldorf", CouncilStatus.suspended, "Die Beteiligung ruht bis März."
        )
    app.state.councils.expire()

    first = _sms(client, "4711 Ein Steg wäre schön", B_NUMBER, B_TOKEN)
    assert first.status_code == 200
    [notice] = parse_twiml(first.text)
    assert "Die Beteiligung ruht bis März." in notice and "Dorfstraße 1" in notice
    again = _sms(client, "4711 Hallo?", B_NUMBER, B_TOKEN)
    assert again.status_code == 200 and parse_twiml(again.text) == []  # once a day
    assert _texts(engine, theirs.id) == []

    call = _call(client, B_NUMBER, B_TOKEN)
    assert call.status_code == 200
    assert "Die Beteiligung ruht bis März." in call.text and "<Hangup" in call.text
    assert _call(client, B_NUMBER, TEST_TWILIO_TOKEN).status_code == 403


def test_a_status_callback_cannot_reach_another_councils_message(client, engine, numbered):
    from participation.outbox.models import OutboundMessage, OutboundStatus
    from participation.outbox.service import enqueue_sms

    _ours, _theirs, b = numbered
    with session_scope(engine, write=True, council_id=b) as session:
        message = enqueue_sms(session, TEST_SECRET, RESIDENT, "Beispieldorf: Ihr Beitrag ist da.")
        message_id = message.id
    path = f"/twilio/status/{message_id}"
    callback = {
        "MessageSid": "SM" + secrets.token_hex(16),
        "MessageStatus": "undelivered",
        "ErrorCode": "21610",  # the resident opted out: would stop every later message
        "AccountSid": "AC" + "0" * 32,
    }
    for sender, token in ((A_NUMBER, TEST_TWILIO_TOKEN), (B_NUMBER, TEST_TWILIO_TOKEN)):
        params = {**callback, "From": sender, "To": RESIDENT}
        response = client.post(
            path,
            data=params,
            headers={"X-Twilio-Signature": signature(PUBLIC_BASE + path, params, token)},
        )
        # As council A: not A's message, nothing done; as B with A's token: refused.
        assert response.status_code == (204 if sender == A_NUMBER else 403)
    with session_scope(engine, council_id=b) as session:
        kept = session.get(OutboundMessage, message_id)
        assert kept.status is OutboundStatus.queued and kept.error_code is None
        from participation.outbox.consent import opted_out_keys

        assert opted_out_keys(session, {kept.to_key}) == set()
