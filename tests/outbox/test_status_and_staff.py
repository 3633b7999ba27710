"""Twilio's status callbacks (signed, forward only) and the staff page of failed messages."""

import pytest
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from participation.accounts.models import Role
from participation.db import session_scope
from participation.outbox.consent import SmsContact
from participation.outbox.models import OutboundMessage, OutboundStatus
from participation.outbox.service import enqueue_sms
from participation.phones import phone_key
from tests.conftest import PUBLIC_BASE, TEST_SECRET, TEST_TWILIO_TOKEN
from tests.factories import csrf_token, login, soup

ALICE = "+4915111111111"


def queued(engine, status: OutboundStatus = OutboundStatus.sending, **fields) -> int:
    with session_scope(engine, write=True) as session:
        message = enqueue_sms(session, TEST_SECRET, ALICE, "Das Ergebnis ist da.")
        message.status = status
        for name, value in fields.items():
            setattr(message, name, value)
        session.add(message)
        session.flush()
        return message.id


def callback(client, message_id: int, status: str, token: str = TEST_TWILIO_TOKEN, **extra):
    path = f"/twilio/status/{message_id}"
    params = {
        "MessageSid": "SM" + "7" * 32,
        "MessageStatus": status,
        "AccountSid": "AC" + "0" * 32,
        "To": ALICE,
        **extra,
    }
    signature = RequestValidator(token).compute_signature(PUBLIC_BASE + path, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def status_of(engine, message_id: int) -> OutboundMessage:
    with Session(engine) as session:
        return session.get(OutboundMessage, message_id)


def test_callbacks_move_forward_only(client, engine):
    message_id = queued(engine, OutboundStatus.sent)
    assert callback(client, message_id, "delivered").status_code == 204
    assert status_of(engine, message_id).status is OutboundStatus.delivered
    # Late, out-of-order callbacks change nothing.
    for late in ("sent", "sending", "queued", "undelivered", "failed"):
        assert callback(client, message_id, late).status_code == 204
        assert status_of(engine, message_id).status is OutboundStatus.delivered, late


def test_delivered_before_the_worker_recorded_sent(client, engine):
    """The callback can beat the worker's own bookkeeping; the SID comes from the URL id."""
    from participation.outbox.worker import Claim, SendResult, record_result

    message_id = queued(engine, OutboundStatus.sending)
    callback(client, message_id, "delivered")
    current = status_of(engine, message_id)
    assert current.status is OutboundStatus.delivered
    assert current.provider_sid == "SM" + "7" * 32
    claim = Claim(message_id, current.to_key, current.to_encrypted, current.body, 1)
    record_result(engine, claim, SendResult(ok=True, provider_sid="SM" + "7" * 32))
    after = status_of(engine, message_id)
    assert after.status is OutboundStatus.delivered
    assert after.sent_at is not None


def test_undelivered_with_21610_marks_the_person_opted_out(client, engine):
    message_id = queued(engine, OutboundStatus.sent)
    callback(client, message_id, "undelivered", ErrorCode="21610")
    message = status_of(engine, message_id)
    assert message.status is OutboundStatus.undelivered and message.error_code == "21610"
    with Session(engine) as session:
        contact = session.exec(
            select(SmsContact).where(SmsContact.phone_key == phone_key(TEST_SECRET, ALICE))
        ).one()
    assert contact.opted_out


@pytest.mark.parametrize("token", ["", "wrong-token"])
def test_unsigned_callbacks_are_refused(client, engine, token):
    message_id = queued(engine, OutboundStatus.sent)
    if token:
        response = callback(client, message_id, "failed", token=token)
    else:
        response = client.post(f"/twilio/status/{message_id}", data={"MessageStatus": "failed"})
    assert response.status_code == 403
    assert status_of(engine, message_id).status is OutboundStatus.sent


def test_callback_for_an_erased_message_is_accepted(client, engine):
    assert callback(client, 999_999, "delivered").status_code == 204


def test_staff_see_failed_messages_with_the_masked_number(client, engine):
    failed_id = queued(
        engine, OutboundStatus.failed, error_code="21211", error_message="Invalid 'To'"
    )
    retryable_id = queued(engine, OutboundStatus.failed, error_code="network", attempts=6)
    queued(engine, OutboundStatus.delivered)
    login(client, engine, Role.moderator)
    page = client.get("/de/staff/outbox")
    assert page.status_code == 200
    html = soup(page.text)
    rows = html.select("table.outbox tbody tr")
    assert {row["id"] for row in rows} == {f"message-{failed_id}", f"message-{retryable_id}"}
    assert "•••111" in page.text and "15111111111" not in page.text
    # An invalid number cannot be retried; a network failure can.
    assert html.select_one(f"#message-{failed_id} form") is None
    form = html.select_one(f"#message-{retryable_id} form")
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    retried = client.post(form["action"], data={"csrf_token": token}, follow_redirects=False)
    assert retried.status_code == 303
    message = status_of(engine, retryable_id)
    assert message.status is OutboundStatus.queued and message.attempts == 0


def test_outbox_page_is_for_moderators(client, engine):
    assert client.get("/de/staff/outbox", follow_redirects=False).status_code == 303
    login(client, engine, Role.editor)
    assert client.get("/de/staff/outbox").status_code == 403
    message_id = queued(engine, OutboundStatus.failed, error_code="network")
    token = csrf_token(client, "/de/staff/")
    response = client.post(f"/de/staff/outbox/{message_id}/retry", data={"csrf_token": token})
    assert response.status_code == 403
    assert status_of(engine, message_id).status is OutboundStatus.failed


@pytest.fixture
def eu_settings(settings):
    return settings.with_(twilio_region="ie1", twilio_edge="dublin")


def test_a_sender_outside_the_region_is_explained_on_the_outbox_page(eu_settings, engine):
    from starlette.testclient import TestClient

    from participation.app import create_app

    message_id = queued(engine, OutboundStatus.failed, error_code="21663", error_message="")
    with TestClient(create_app(eu_settings, engine), base_url=PUBLIC_BASE) as eu_client:
        login(eu_client, engine, Role.moderator)
        page = eu_client.get("/en/staff/outbox")
    problem = soup(page.text).select_one(f"#message-{message_id}").get_text(" ")
    assert "region ie1" in problem and "TWILIO_REGION" in problem
    assert "Error 21663" not in problem
