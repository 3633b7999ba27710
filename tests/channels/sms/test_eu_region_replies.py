"""A council in Twilio's EU region (ie1) cannot answer in TwiML (<Message> is US1 only,
error 13803): its webhook answers <Response/> and the reply goes through the outbox, at
once, with the council's own account, region and sender, and is deleted at Twilio after."""

from __future__ import annotations

import secrets
import threading
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from sqlmodel import col, select
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from participation.app import create_app
from participation.carrier_deletions import delete_due
from participation.channels.sms.answer import answer_sms
from participation.clock import set_now, utcnow
from participation.contributions.models import Contribution
from participation.councils.models import CouncilStatus
from participation.councils.service import (
    add_number,
    by_slug,
    create_council,
    set_status,
    set_twilio_account,
    set_twilio_options,
)
from participation.crypto import decrypt
from participation.db import session_scope
from participation.outbox.models import (
    REPLY,
    CarrierDeletion,
    CarrierKind,
    OutboundMessage,
    OutboundStatus,
)
from participation.outbox.service import can_retry
from participation.outbox.worker import PER_NUMBER_PER_HOUR, CouncilSenders, send_due
from tests.channels.sms.conftest import ALICE, BOB, WEBHOOK, signature, twilio_params
from tests.conftest import PUBLIC_BASE, TEST_SECRET, TEST_TWILIO_TOKEN
from tests.factories import make_consultation
from tests.fakes.twilio_api import FakeTwilioApi, running_fake_twilio

IE1_HOST = "api.ie1.twilio.com"
SERVICE = "MG" + "4" * 32
B_ACCOUNT = "AC" + "b" * 32
B_TOKEN = "beispieldorf-own-token-0123456789"
B_NUMBER = "+493023125516"


@pytest.fixture
def twilio_api():
    with running_fake_twilio() as api:
        yield api


@pytest.fixture
def settings(settings, twilio_api: FakeTwilioApi):
    """The installation (and so the first council) in ie1, the fake API standing in."""
    return settings.with_(twilio_region="ie1", twilio_api_base=twilio_api.base_url)


@pytest.fixture(autouse=True)
def _clock():
    yield
    set_now(None)


def post(client, body: str, number: str = ALICE, *, sid=None, to=None, token=TEST_TWILIO_TOKEN):
    """The signed webhook; returns (the TwiML's root element, the MessageSid)."""
    sid = sid or "SM" + secrets.token_hex(16)
    params = twilio_params(body, number, sid)
    if to:
        params["To"] = to
    response = client.post(
        WEBHOOK,
        data=params,
        headers={"X-Twilio-Signature": signature(PUBLIC_BASE + WEBHOOK, params, token)},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return ET.fromstring(response.text), sid  # noqa: S314 - our own TwiML


def one_pass(engine, settings) -> int:
    """One round of the worker: one batch claimed and sent."""
    return send_due(engine, settings, CouncilSenders(engine, settings))


def outbox(engine) -> list[OutboundMessage]:
    with session_scope(engine) as session:
        return list(session.exec(select(OutboundMessage).order_by(col(OutboundMessage.id))).all())


def test_the_reply_goes_through_the_outbox_to_the_region_host(client, engine, settings, twilio_api):
    make_consultation(engine, code="4711")
    root, inbound = post(client, "4711 Bitte mehr Bänke am Markt")
    # An empty answer: Twilio would refuse <Message> outside US1 (13803).
    assert root.tag == "Response" and list(root) == []
    [queued] = outbox(engine)
    assert queued.channel == REPLY and queued.status is OutboundStatus.queued
    assert twilio_api.requests == []  # nothing left the webhook itself

    assert one_pass(engine, settings) == 1
    [sent] = twilio_api.accepted
    assert sent.host == IE1_HOST
    assert sent.auth == (settings.twilio_account_sid, TEST_TWILIO_TOKEN)
    assert f"/Accounts/{settings.twilio_account_sid}/Messages.json" in sent.path
    assert sent.form["From"] == settings.twilio_phone_number and sent.form["To"] == ALICE
    with session_scope(engine) as session:
        reference = session.exec(select(Contribution.reference)).one()
    # The reference number the resident needs for STATUS later.
    assert reference[:4] in sent.form["Body"] and queued.body == sent.form["Body"]
    [stored] = outbox(engine)
    assert stored.status is OutboundStatus.sent and stored.provider_sid == sent.sid
    # Twilio has it: the number is no longer kept (a TwiML reply is never stored at all).
    assert stored.to_encrypted == ""
    # Twilio's record of the reply is deleted like every message we send.
    with session_scope(engine) as session:
        kinds = {job.sid: job.kind for job in session.exec(select(CarrierDeletion)).all()}
    assert kinds[sent.sid] is CarrierKind.message and kinds[inbound] is CarrierKind.message


def test_the_replys_record_is_deleted_at_twilio_in_the_region(client, engine, settings, twilio_api):
    post(client, "HILFE")
    one_pass(engine, settings)
    [sent] = twilio_api.accepted
    [message] = outbox(engine)
    params = {"MessageSid": sent.sid, "MessageStatus": "delivered", "To": ALICE}
    path = f"/twilio/status/{message.id}"
    token = RequestValidator(TEST_TWILIO_TOKEN).compute_signature(PUBLIC_BASE + path, params)
    assert client.post(path, data=params, headers={"X-Twilio-Signature": token}).status_code < 300
    set_now(utcnow() + timedelta(minutes=2))
    delete_due(engine, CouncilSenders(engine, settings))
    assert sent.sid in twilio_api.deleted("Messages")
    assert {r.host for r in twilio_api.deletions} == {IE1_HOST}


def test_a_messaging_service_is_the_replys_sender(client, engine, settings, twilio_api, app):
    with session_scope(engine, write=True) as session:
        set_twilio_options(
            session, "council", {"twilio_messaging_service_sid": SERVICE}, {}, TEST_SECRET
        )
    app.state.councils.expire()
    post(client, "INFO")
    one_pass(engine, settings)
    [sent] = twilio_api.accepted
    assert sent.form["MessagingServiceSid"] == SERVICE and "From" not in sent.form
    assert sent.host == IE1_HOST


@pytest.mark.parametrize("region", ["", "us1"])
def test_a_us1_council_still_replies_in_twiml(engine, settings, twilio_api, region):
    us1 = settings.with_(twilio_region=region)
    with TestClient(create_app(us1, engine), base_url=PUBLIC_BASE) as client:
        root, _sid = post(client, "HILFE")
    [message] = root.iter("Message")
    assert message.text
    assert outbox(engine) == []
    assert one_pass(engine, us1) == 0 and twilio_api.requests == []


def test_stopp_is_confirmed_although_the_number_opted_out(client, engine, settings, twilio_api):
    root, _sid = post(client, "STOPP")
    assert list(root) == []
    assert one_pass(engine, settings) == 1
    [sent] = twilio_api.accepted
    assert sent.form["To"] == ALICE and sent.host == IE1_HOST
    [stored] = outbox(engine)
    assert stored.status is OutboundStatus.sent and stored.error_code is None
    # And then silence, as in US1: a contribution from the opted-out number gets no reply.
    make_consultation(engine, code="4711")
    post(client, "4711 noch eine Idee")
    assert one_pass(engine, settings) == 0 and len(twilio_api.accepted) == 1


def test_a_later_stopp_does_not_take_back_an_answer_already_given(
    client, engine, settings, twilio_api
):
    """INFO answered, then STOPP before the worker came round: as with TwiML (where the
    answer was on its way at once), both go out; the next message gets no answer."""
    post(client, "INFO")
    post(client, "STOPP")
    assert one_pass(engine, settings) == 2
    assert [r.form["To"] for r in twilio_api.accepted] == [ALICE, ALICE]
    assert all(m.status is OutboundStatus.sent for m in outbox(engine))


def test_a_retried_webhook_queues_one_reply(client, engine, settings, twilio_api):
    make_consultation(engine, code="4711")
    _root, sid = post(client, "4711 Ein Spielplatz am Teich")
    again, _same = post(client, "4711 Ein Spielplatz am Teich", sid=sid)
    assert list(again) == []
    assert len(outbox(engine)) == 1
    one_pass(engine, settings)
    assert len(twilio_api.accepted) == 1


def test_replies_pass_the_hourly_cap_and_do_not_count_towards_it(
    client, engine, settings, twilio_api
):
    from participation.outbox.service import enqueue_sms

    # Earlier messages to Alice this hour have used up the per-number cap.
    with session_scope(engine, write=True) as session:
        for index in range(PER_NUMBER_PER_HOUR):
            enqueue_sms(session, TEST_SECRET, ALICE, f"Ergebnis {index}")
    one_pass(engine, settings)
    assert len(twilio_api.accepted) == PER_NUMBER_PER_HOUR
    # Alice asks: every answer goes at once (the SMS door's own limit is higher).
    for _ in range(3):
        post(client, "HILFE")
    assert one_pass(engine, settings) == 3
    assert len(twilio_api.accepted) == PER_NUMBER_PER_HOUR + 3
    # A message she did not ask for still waits for the cap.
    with session_scope(engine, write=True) as session:
        enqueue_sms(session, TEST_SECRET, ALICE, "Ergebnis 4711")
    assert one_pass(engine, settings) == 0
    assert len(twilio_api.accepted) == PER_NUMBER_PER_HOUR + 3


def test_replies_do_not_use_up_the_cap_of_other_messages(client, engine, settings, twilio_api):
    from participation.outbox.service import enqueue_sms

    for _ in range(PER_NUMBER_PER_HOUR + 1):
        post(client, "HILFE", number=BOB)
    assert one_pass(engine, settings) == PER_NUMBER_PER_HOUR + 1
    with session_scope(engine, write=True) as session:
        enqueue_sms(session, TEST_SECRET, BOB, "Ergebnis 4711: angenommen.")
    assert one_pass(engine, settings) == 1
    assert twilio_api.accepted[-1].form["Body"] == "Ergebnis 4711: angenommen."


def test_replies_go_before_a_backlog(client, engine, settings, twilio_api):
    from participation.outbox.service import enqueue_sms

    with session_scope(engine, write=True) as session:
        for index in range(30):
            enqueue_sms(session, TEST_SECRET, f"+49151000{index:05d}", "Ergebnis da.")
    post(client, "HILFE")
    one_pass(engine, settings)
    assert twilio_api.accepted[0].form["To"] == ALICE


def test_twilios_advanced_opt_out_stays_the_only_answer(client, engine, settings, twilio_api, app):
    with session_scope(engine, write=True) as session:
        set_twilio_options(
            session,
            "council",
            {"twilio_messaging_service_sid": SERVICE},
            {},
            TEST_SECRET,
            advanced_opt_out=True,
        )
    app.state.councils.expire()
    params = twilio_params("STOPP", ALICE, "SM" + secrets.token_hex(16)) | {"OptOutType": "STOP"}
    response = client.post(
        WEBHOOK,
        data=params,
        headers={"X-Twilio-Signature": signature(PUBLIC_BASE + WEBHOOK, params)},
    )
    assert response.status_code == 200 and "<Message" not in response.text
    assert outbox(engine) == []


def test_each_council_replies_with_its_own_account_never_anothers(
    client, engine, settings, twilio_api, app
):
    with session_scope(engine, write=True) as session:
        add_number(session, by_slug(session, "council"), settings.twilio_phone_number)
        b = create_council(session, "beispieldorf", "Gemeinde Beispieldorf", numbers=[B_NUMBER])
        set_twilio_account(session, "beispieldorf", B_ACCOUNT, B_TOKEN, TEST_SECRET)
        set_twilio_options(session, "beispieldorf", {"twilio_region": "ie1"}, {}, TEST_SECRET)
        b_id = b.id
    app.state.councils.expire()
    root_b, _ = post(client, "HILFE", to=B_NUMBER, token=B_TOKEN)
    root_a, _ = post(client, "HILFE", number=BOB)
    assert list(root_b) == [] and list(root_a) == []
    assert one_pass(engine, settings) == 2
    sent = {r.form["To"]: r for r in twilio_api.accepted}
    theirs, ours = sent[ALICE], sent[BOB]
    assert theirs.auth == (B_ACCOUNT, B_TOKEN) and theirs.form["From"] == B_NUMBER
    assert f"/Accounts/{B_ACCOUNT}/" in theirs.path and theirs.host == IE1_HOST
    assert ours.auth == (settings.twilio_account_sid, TEST_TWILIO_TOKEN)
    assert ours.form["From"] == settings.twilio_phone_number
    assert B_TOKEN not in repr(ours) and B_ACCOUNT not in ours.path
    with session_scope(engine) as session:
        by_council = {m.to_masked: m.council_id for m in session.exec(select(OutboundMessage))}
        assert set(by_council.values()) == {by_slug(session, "council").id, b_id}


def test_a_webhook_delivered_twice_at_once_queues_one_reply(engine, settings, twilio_api):
    """Two app workers get the same delivery (on PostgreSQL they really race): one
    contribution, one reply in the outbox, one message sent."""
    make_consultation(engine, code="4711")
    sid = "SM" + "6" * 32
    barrier = threading.Barrier(4)
    results: list = []

    def deliver() -> None:
        barrier.wait()
        with session_scope(engine, write=True) as session:
            results.append(answer_sms(session, settings, ALICE, "4711 Mehr Licht im Park", sid))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [None] * 4  # nothing for TwiML: each delivery answers <Response/>
    [queued] = outbox(engine)
    assert queued.idempotency_key and queued.idempotency_key.endswith(sid)
    assert one_pass(engine, settings) == 1 and len(twilio_api.accepted) == 1


def test_a_suspended_councils_notice_goes_through_the_outbox(
    client, engine, settings, twilio_api, app
):
    with session_scope(engine, write=True) as session:
        set_status(session, "council", CouncilStatus.suspended, "Die Beteiligung ruht bis März.")
    app.state.councils.expire()
    root, _sid = post(client, "4711 Hallo?")
    assert list(root) == []
    post(client, "4711 Hallo?")  # once a day: no second notice
    assert one_pass(engine, settings) == 1
    [sent] = twilio_api.accepted
    assert "Die Beteiligung ruht bis März." in sent.form["Body"] and sent.host == IE1_HOST


def test_loeschen_ja_is_confirmed_and_the_number_is_not_kept_for_it(
    client, engine, settings, twilio_api
):
    make_consultation(engine, code="4711")
    post(client, "4711 Ein Brunnen am Markt")
    post(client, "LÖSCHEN")
    root, _sid = post(client, "LÖSCHEN JA")
    assert list(root) == []
    # Erased with the number: the earlier replies still queued, and the contribution.
    with session_scope(engine) as session:
        assert session.exec(select(Contribution)).all() == []
    [confirmation] = outbox(engine)
    assert one_pass(engine, settings) == 1
    [sent] = twilio_api.accepted
    assert sent.form["To"] == ALICE and sent.form["Body"] == confirmation.body
    assert all(decrypt(TEST_SECRET, m.to_encrypted) is None for m in outbox(engine))


def test_an_undelivered_reply_is_not_offered_to_staff_to_send_again(
    client, engine, settings, twilio_api
):
    post(client, "HILFE")
    one_pass(engine, settings)
    [sent] = twilio_api.accepted
    [message] = outbox(engine)
    params = {"MessageSid": sent.sid, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    path = f"/twilio/status/{message.id}"
    token = RequestValidator(TEST_TWILIO_TOKEN).compute_signature(PUBLIC_BASE + path, params)
    assert client.post(path, data=params, headers={"X-Twilio-Signature": token}).status_code < 300
    [undelivered] = outbox(engine)
    assert undelivered.status is OutboundStatus.undelivered
    # Its number went when Twilio took it; an answer is not sent again hours later.
    assert not can_retry(undelivered)
