"""What Twilio keeps is deleted there: inbound messages and their pictures, the messages
we send (replies in TwiML too), and everything of a number that asks for erasure; each
through the worker's retries, with the council's own account, against the fake Twilio
REST API on 127.0.0.1."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select
from twilio.request_validator import RequestValidator

from participation.carrier_deletions import MAX_ATTEMPTS, delete_due
from participation.clock import set_now, utcnow
from participation.councils.service import add_number, by_slug, create_council, set_twilio_account
from participation.db import session_scope
from participation.moderation.models import AuditEvent
from participation.outbox.carrier import forget_at_carrier, forget_inbound
from participation.outbox.models import (
    CarrierDeletion,
    CarrierKind,
    DeletionStatus,
    OutboundMessage,
)
from participation.outbox.service import enqueue_sms
from participation.outbox.worker import CouncilSenders, send_due
from tests.conftest import PUBLIC_BASE, TEST_SECRET, TEST_TWILIO_TOKEN
from tests.factories import make_consultation
from tests.fakes.twilio_api import StoredMessage

ACCOUNT = "AC" + "0" * 32
OUR_NUMBER = "+4915100000000"
ALICE = "+4915111111111"
BOB = "+4916022222222"
B_ACCOUNT = "AC" + "b" * 32
B_TOKEN = "beispieldorf-own-token-0123456789"
B_NUMBER = "+493023125516"


@pytest.fixture
def settings(settings, twilio_api):
    twilio_api.tokens[ACCOUNT] = TEST_TWILIO_TOKEN
    return settings.with_(twilio_api_base=twilio_api.base_url)


@pytest.fixture(autouse=True)
def _clock():
    yield
    set_now(None)


def later(**delta) -> None:
    set_now(utcnow() + timedelta(**delta))


def deletions(engine, settings) -> int:
    return delete_due(engine, CouncilSenders(engine, settings))


def jobs(engine) -> dict[str, CarrierDeletion]:
    with session_scope(engine) as session:
        return {job.sid: job for job in session.exec(select(CarrierDeletion)).all()}


def audited(engine, action: str = "carrier.deleted") -> dict[str, dict]:
    with session_scope(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == action)).all()
        return {event.object_id: event.detail for event in events}


def signed_post(client, path: str, params: dict[str, str], token: str = TEST_TWILIO_TOKEN):
    signature = RequestValidator(token).compute_signature(PUBLIC_BASE + path, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def text_us(client, api, body: str, number: str = ALICE, pictures: int = 0):
    sid, urls = api.receive(ACCOUNT, pictures=pictures)
    params = {
        "MessageSid": sid,
        "AccountSid": ACCOUNT,
        "From": number,
        "To": OUR_NUMBER,
        "Body": body,
        "NumMedia": str(pictures),
    }
    params.update({f"MediaUrl{i}": url for i, url in enumerate(urls)})
    response = signed_post(client, "/twilio/sms", params)
    assert response.status_code == 200
    return sid, urls, response


def test_an_inbound_message_and_its_pictures_go_a_minute_later(
    client, engine, settings, twilio_api
):
    make_consultation(engine, code="4711")
    sid, urls, _ = text_us(client, twilio_api, "4711 Ein Foto vom Schlagloch", pictures=2)
    media = [url.rsplit("/", 1)[1] for url in urls]

    assert deletions(engine, settings) == 0  # Twilio: not within the first minute
    later(minutes=2)
    assert deletions(engine, settings) == 3
    assert sorted(twilio_api.deleted("Media")) == sorted(media)
    assert twilio_api.deleted("Messages") == [sid]
    assert not any(twilio_api.held(s) for s in [sid, *media])
    for request in twilio_api.deletions:
        assert request.method == "DELETE" and request.auth == (ACCOUNT, TEST_TWILIO_TOKEN)
        assert request.path.startswith(f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}")
    assert {s for s, job in jobs(engine).items() if job.status is DeletionStatus.done} == {
        sid,
        *media,
    }
    trail = audited(engine)
    assert set(trail) == {sid, *media}
    assert trail[sid]["answer"] == 204 and not trail[sid]["already_gone"]


def test_a_reply_in_twiml_reports_its_sid_and_is_deleted(client, engine, settings, twilio_api):
    _sid, _urls, response = text_us(client, twilio_api, "HILFE")
    assert f'action="{PUBLIC_BASE}/twilio/sms/reply-status"' in response.text
    reply_sid = "SM" + "c" * 32
    twilio_api.messages.append(
        StoredMessage(reply_sid, ACCOUNT, ALICE, OUR_NUMBER, "Hilfe ...", utcnow())
    )
    status = {"MessageSid": reply_sid, "MessageStatus": "delivered", "From": OUR_NUMBER}
    status |= {"To": ALICE, "AccountSid": ACCOUNT}
    forged = signed_post(client, "/twilio/sms/reply-status", status, token="wrong-token-12345678")
    assert forged.status_code == 403 and reply_sid not in jobs(engine)
    assert signed_post(client, "/twilio/sms/reply-status", status).status_code == 204
    later(minutes=2)
    deletions(engine, settings)
    assert reply_sid in twilio_api.deleted("Messages")


def test_a_sent_message_goes_after_its_final_status_or_else_after_a_while(
    client, engine, settings, twilio_api
):
    with session_scope(engine, write=True) as session:
        first = enqueue_sms(session, TEST_SECRET, ALICE, "Erste Nachricht").id
        second = enqueue_sms(session, TEST_SECRET, BOB, "Zweite Nachricht").id
    send_due(engine, settings, CouncilSenders(engine, settings))
    sids = {m.id: m.provider_sid for m in _outbound(engine)}
    callback = {"MessageSid": sids[first], "MessageStatus": "delivered", "From": OUR_NUMBER}
    callback |= {"To": ALICE, "AccountSid": ACCOUNT}
    assert signed_post(client, f"/twilio/status/{first}", callback).status_code == 204

    later(minutes=2)
    deletions(engine, settings)
    assert twilio_api.deleted("Messages") == [sids[first]]
    later(minutes=15)
    deletions(engine, settings)
    assert twilio_api.deleted("Messages") == [sids[first], sids[second]]


def _outbound(engine) -> list[OutboundMessage]:
    with session_scope(engine) as session:
        return list(session.exec(select(OutboundMessage).order_by(col(OutboundMessage.id))))


def test_refusals_are_retried_with_backoff_and_404_counts_as_done(engine, settings, twilio_api):
    held, _ = twilio_api.receive(ACCOUNT)
    gone = "SM" + "d" * 32
    with session_scope(engine, write=True) as session:
        forget_at_carrier(session, CarrierKind.message, held)
    twilio_api.delete_failures.extend([(500, None), (429, 20429), (409, 20009)])
    waits = []
    for expected in ("500", "20429", "20009"):
        before = utcnow()
        assert deletions(engine, settings) == 1
        job = jobs(engine)[held]
        assert job.status is DeletionStatus.queued and job.error_code == expected
        waits.append(job.next_attempt_at - before)
        assert deletions(engine, settings) == 0  # not before its backoff ran out
        set_now(job.next_attempt_at)
    assert waits[0] >= timedelta(seconds=60) and waits[0] < waits[1] < waits[2]
    assert deletions(engine, settings) == 1
    assert jobs(engine)[held].status is DeletionStatus.done and not twilio_api.held(held)
    assert audited(engine)[held]["attempts"] == 4

    with session_scope(engine, write=True) as session:
        forget_at_carrier(session, CarrierKind.message, gone)
    deletions(engine, settings)
    assert jobs(engine)[gone].status is DeletionStatus.done
    assert audited(engine)[gone]["already_gone"] is True


def test_a_deletion_twilio_never_allows_is_given_up_and_audited(engine, settings, twilio_api):
    held, _ = twilio_api.receive(ACCOUNT)
    with session_scope(engine, write=True) as session:
        forget_at_carrier(session, CarrierKind.message, held).attempts = MAX_ATTEMPTS - 1
    twilio_api.delete_failures.append((503, None))
    deletions(engine, settings)
    assert jobs(engine)[held].status is DeletionStatus.failed
    assert audited(engine, "carrier.delete_failed")[held]["answer"] == 503


def test_loeschen_deletes_the_numbers_messages_at_twilio(client, engine, settings, twilio_api):
    make_consultation(engine, code="4711")
    mine, _, _ = text_us(client, twilio_api, "4711 Mehr Bänke bitte", ALICE)
    theirs, _, _ = text_us(client, twilio_api, "4711 Mehr Licht", BOB)
    with session_scope(engine, write=True) as session:
        enqueue_sms(session, TEST_SECRET, ALICE, "Danke für Ihren Beitrag")
        enqueue_sms(session, TEST_SECRET, BOB, "Danke auch Ihnen")
    send_due(engine, settings, CouncilSenders(engine, settings))
    sent = {m.to_masked: m.provider_sid for m in _outbound(engine)}
    alice_sent, bob_sent = sent["•••111"], sent["•••222"]

    asked, _, _ = text_us(client, twilio_api, "LÖSCHEN", ALICE)
    text_us(client, twilio_api, "LÖSCHEN JA", ALICE)
    # No waiting for the usual minute: the erasure makes them due now.
    deletions(engine, settings)
    assert {mine, asked, alice_sent} <= set(twilio_api.deleted("Messages"))
    assert twilio_api.held(theirs) and twilio_api.held(bob_sent)
    with session_scope(engine) as session:
        (erased,) = session.exec(select(AuditEvent).where(AuditEvent.action == "privacy.erase"))
    assert erased.detail["counts"]["at_twilio"] == 3


def test_each_council_deletes_with_its_own_account_only(app, engine, settings, twilio_api):
    twilio_api.tokens[B_ACCOUNT] = B_TOKEN
    with session_scope(engine, write=True) as session:
        add_number(session, by_slug(session, "council"), OUR_NUMBER)
        b = create_council(session, "beispieldorf", "Gemeinde Beispieldorf", numbers=[B_NUMBER])
        set_twilio_account(session, "beispieldorf", B_ACCOUNT, B_TOKEN, TEST_SECRET)
        b_id = b.id
    ours, _ = twilio_api.receive(ACCOUNT)
    theirs, _ = twilio_api.receive(B_ACCOUNT)
    with session_scope(engine, write=True, council_id=1) as session:
        forget_inbound(session, ours)
    with session_scope(engine, write=True, council_id=b_id) as session:
        forget_inbound(session, theirs)
        # A SID of council A's account, queued by council B: B's account cannot reach it.
        forget_at_carrier(session, CarrierKind.message, "SM" + "e" * 32)
    twilio_api.inbound["SM" + "e" * 32] = ACCOUNT
    later(minutes=2)
    assert deletions(engine, settings) == 3
    by_sid = {r.path.rsplit("/", 1)[1].removesuffix(".json"): r for r in twilio_api.deletions}
    assert by_sid[ours].auth == (ACCOUNT, TEST_TWILIO_TOKEN)
    assert by_sid[theirs].auth == (B_ACCOUNT, B_TOKEN)
    assert f"/Accounts/{B_ACCOUNT}/" in by_sid[theirs].path
    assert by_sid["SM" + "e" * 32].auth == (B_ACCOUNT, B_TOKEN)
    assert twilio_api.held("SM" + "e" * 32)
    assert not twilio_api.held(ours) and not twilio_api.held(theirs)
    with session_scope(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "carrier.deleted"))
        councils = {event.object_id: event.council_id for event in events}
    assert councils[ours] == 1 and councils[theirs] == b_id


def test_without_a_twilio_account_nothing_is_sent_anywhere(engine, settings, twilio_api):
    with session_scope(engine, write=True) as session:
        forget_at_carrier(session, CarrierKind.message, "SM" + "f" * 32)
    bare = settings.with_(twilio_account_sid="", twilio_auth_token="")
    assert deletions(engine, bare) == 1
    assert twilio_api.deletions == []
    assert audited(engine)["SM" + "f" * 32]["no_account"] is True


def test_the_worker_process_deletes_beside_sending(engine, settings, twilio_api):
    from participation.housekeeping import run_worker

    held, _ = twilio_api.receive(ACCOUNT)
    with session_scope(engine, write=True) as session:
        forget_at_carrier(session, CarrierKind.message, held)
    assert run_worker(settings, once=True, engine=engine) == 0
    assert twilio_api.deleted("Messages") == [held]


def test_another_councils_made_up_sid_cannot_take_the_place_of_our_job(
    app, engine, settings, twilio_api
):
    with session_scope(engine, write=True) as session:
        b_id = create_council(session, "beispieldorf", "Gemeinde Beispieldorf").id
        set_twilio_account(session, "beispieldorf", B_ACCOUNT, B_TOKEN, TEST_SECRET)
    twilio_api.tokens[B_ACCOUNT] = B_TOKEN
    ours, _ = twilio_api.receive(ACCOUNT)
    with session_scope(engine, write=True, council_id=b_id) as session:
        forget_at_carrier(session, CarrierKind.message, ours)
    with session_scope(engine, write=True, council_id=1) as session:
        forget_at_carrier(session, CarrierKind.message, ours)
    deletions(engine, settings)
    assert not twilio_api.held(ours)
    accounts = sorted(r.auth[0] for r in twilio_api.deletions if r.auth)
    assert accounts == sorted([ACCOUNT, B_ACCOUNT])


def test_many_deletions_build_one_tls_context(engine, settings, twilio_api, monkeypatch):
    # Each context parses the whole CA bundle (about 0.1 s of CPU); a worker that built one
    # per deletion spent most of its time on that while thousands of messages were due.
    import ssl

    built = []
    original = ssl.create_default_context

    def counted(*args, **kwargs):
        built.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(ssl, "create_default_context", counted)
    with session_scope(engine, write=True) as session:
        for _ in range(5):
            sid, _ = twilio_api.receive(ACCOUNT)
            forget_at_carrier(session, CarrierKind.message, sid)
    assert deletions(engine, settings) == 5
    assert len(twilio_api.deleted("Messages")) == 5
    assert len(built) <= 1
