"""The outbox worker: the real twilio client against a fake Twilio API on 127.0.0.1."""

import json
import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select
from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse

from participation.clock import set_now, utcnow
from participation.db import session_scope
from participation.housekeeping import run_worker
from participation.outbox import worker
from participation.outbox.consent import SmsContact
from participation.outbox.models import OutboundMessage, OutboundStatus
from participation.outbox.service import enqueue_sms
from participation.outbox.worker import (
    MAX_ATTEMPTS,
    PER_NUMBER_PER_HOUR,
    TwilioSender,
    send_due,
)
from participation.phones import phone_key
from tests.conftest import PUBLIC_BASE, TEST_SECRET

ALICE = "+4915111111111"
BOB = "+4916022222222"


def queue(engine, number: str = ALICE, body: str = "Das Ergebnis ist da.", key=None):
    with session_scope(engine, write=True) as session:
        return enqueue_sms(session, TEST_SECRET, number, body, idempotency_key=key)


def messages(engine) -> list[OutboundMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboundMessage).order_by(col(OutboundMessage.id))).all())


def test_sends_through_the_twilio_client(engine, worker_settings, twilio_api):
    message = queue(engine, body="Ergebnis 4711: Die Mehrheit ist dafür.")
    assert run_worker(worker_settings, once=True, engine=engine) == 0
    [sent] = twilio_api.accepted
    assert sent.path == f"/2010-04-01/Accounts/{worker_settings.twilio_account_sid}/Messages.json"
    assert sent.form["To"] == ALICE
    assert sent.form["From"] == worker_settings.twilio_phone_number
    assert sent.form["Body"] == "Ergebnis 4711: Die Mehrheit ist dafür."
    assert sent.form["StatusCallback"] == f"{PUBLIC_BASE}/twilio/status/{message.id}"
    assert sent.auth == (worker_settings.twilio_account_sid, worker_settings.twilio_auth_token)
    [stored] = messages(engine)
    assert stored.status is OutboundStatus.sent
    assert stored.provider_sid == sent.sid
    assert stored.sent_at is not None and stored.attempts == 1


def test_an_injected_http_client_sees_the_same_request(engine, settings):
    """The other documented way: a twilio.http.HttpClient subclass, no server at all."""

    class RecordingHttp(HttpClient):
        def __init__(self) -> None:
            super().__init__(logger=None, is_async=False)
            self.calls = []

        def request(self, method, uri, params=None, data=None, headers=None, auth=None, **kw):
            self.calls.append((method, uri, data, auth))
            return TwilioResponse(201, json.dumps({"sid": "SM" + "9" * 32, "status": "queued"}))

    http = RecordingHttp()
    queue(engine)
    assert send_due(engine, settings, TwilioSender(settings, http_client=http)) == 1
    [(method, uri, data, auth)] = http.calls
    assert method == "POST" and uri.startswith("https://api.twilio.com/2010-04-01/Accounts/")
    assert data["To"] == ALICE and auth[0] == settings.twilio_account_sid
    assert messages(engine)[0].provider_sid == "SM" + "9" * 32


@pytest.mark.parametrize("status", [429, 500, 503])
def test_429_and_5xx_are_retried_with_backoff(engine, worker_settings, twilio_api, status):
    queue(engine)
    twilio_api.fail(ALICE, status, 20429 if status == 429 else None)
    run_worker(worker_settings, once=True, engine=engine)
    [waiting] = messages(engine)
    assert waiting.status is OutboundStatus.queued
    assert waiting.attempts == 1
    assert waiting.error_code is not None
    delay = waiting.next_attempt_at - waiting.updated_at
    assert timedelta(seconds=59) < delay < timedelta(seconds=73)
    assert twilio_api.accepted == []
    # Twilio said no to a 429; after a 5xx it may still have the message: ask first.
    assert (waiting.unconfirmed_since is None) is (status == 429)
    # Not before its time.
    run_worker(worker_settings, once=True, engine=engine)
    assert len(twilio_api.requests) == 1
    set_now(waiting.next_attempt_at + timedelta(seconds=1))
    run_worker(worker_settings, once=True, engine=engine)
    [sent] = messages(engine)
    assert sent.status is OutboundStatus.sent and sent.attempts == 2
    assert len(twilio_api.accepted) == 1
    assert len(twilio_api.lookups) == (0 if status == 429 else 1)
    assert sent.unconfirmed_since is None


def test_the_backoff_grows_and_then_the_message_fails(engine, worker_settings, twilio_api):
    queue(engine)
    twilio_api.fail(ALICE, 503, times=MAX_ATTEMPTS)
    delays = []
    for _attempt in range(MAX_ATTEMPTS):
        run_worker(worker_settings, once=True, engine=engine)
        [message] = messages(engine)
        if message.status is OutboundStatus.failed:
            break
        delays.append(message.next_attempt_at - message.updated_at)
        set_now(message.next_attempt_at + timedelta(seconds=1))
    assert delays == sorted(delays) and len(delays) == MAX_ATTEMPTS - 1
    [message] = messages(engine)
    assert message.status is OutboundStatus.failed
    assert message.attempts == MAX_ATTEMPTS
    assert len(twilio_api.requests) == MAX_ATTEMPTS


@pytest.mark.parametrize("code", [21211, 21614])
def test_permanent_errors_are_not_retried(engine, worker_settings, twilio_api, code):
    queue(engine)
    twilio_api.fail(ALICE, 400, code)
    run_worker(worker_settings, once=True, engine=engine)
    set_now(utcnow() + timedelta(days=1))
    run_worker(worker_settings, once=True, engine=engine)
    [message] = messages(engine)
    assert message.status is OutboundStatus.failed
    assert message.error_code == str(code)
    assert len(twilio_api.requests) == 1


def test_21610_marks_the_person_opted_out_and_cancels_the_rest(engine, worker_settings, twilio_api):
    queue(engine, body="eins", key="a")
    queue(engine, body="zwei", key="b")
    twilio_api.fail(ALICE, 400, 21610)
    run_worker(worker_settings, once=True, engine=engine)
    first, second = messages(engine)
    assert first.status is OutboundStatus.failed and first.error_code == "21610"
    assert second.status is OutboundStatus.failed and second.error_code == "opted_out"
    assert len(twilio_api.requests) == 1  # the second one never went out
    with Session(engine) as session:
        contact = session.exec(
            select(SmsContact).where(SmsContact.phone_key == phone_key(TEST_SECRET, ALICE))
        ).one()
    assert contact.opted_out


def test_nothing_is_sent_to_someone_who_opted_out(engine, worker_settings, twilio_api):
    with session_scope(engine, write=True) as session:
        session.add(SmsContact(phone_key=phone_key(TEST_SECRET, ALICE), opted_out=True))
    queue(engine)
    queue(engine, number=BOB)
    run_worker(worker_settings, once=True, engine=engine)
    assert [r.form["To"] for r in twilio_api.requests] == [BOB]
    alice, _bob = messages(engine)
    assert alice.status is OutboundStatus.failed and alice.error_code == "opted_out"


def test_network_errors_are_retried(engine, settings):
    queue(engine)
    # Nothing listens on port 9 of 127.0.0.1: connection refused.
    broken = settings.with_(twilio_api_base="http://127.0.0.1:9")
    run_worker(broken, once=True, engine=engine)
    [message] = messages(engine)
    assert message.status is OutboundStatus.queued
    assert message.error_code == "network"


def test_per_number_send_limit(engine, worker_settings, twilio_api):
    for index in range(PER_NUMBER_PER_HOUR + 2):
        queue(engine, body=f"Nachricht {index}", key=f"m{index}")
    queue(engine, number=BOB, body="für Bob")
    run_worker(worker_settings, once=True, engine=engine)
    to_alice = [r for r in twilio_api.accepted if r.form["To"] == ALICE]
    assert len(to_alice) == PER_NUMBER_PER_HOUR
    assert [r.form["To"] for r in twilio_api.accepted].count(BOB) == 1
    waiting = [m for m in messages(engine) if m.status is OutboundStatus.queued]
    assert len(waiting) == 2 and all(m.next_attempt_at > utcnow() for m in waiting)
    set_now(utcnow() + timedelta(hours=1, minutes=1))
    run_worker(worker_settings, once=True, engine=engine)
    assert len([r for r in twilio_api.accepted if r.form["To"] == ALICE]) == PER_NUMBER_PER_HOUR + 2


def test_an_expired_lease_is_claimed_again(engine, worker_settings, twilio_api):
    queue(engine)
    claims = worker.claim_due(engine)  # a worker claims it and dies
    assert len(claims) == 1
    run_worker(worker_settings, once=True, engine=engine)
    assert twilio_api.requests == []  # still leased to the dead worker
    set_now(utcnow() + worker.LEASE + timedelta(seconds=1))
    run_worker(worker_settings, once=True, engine=engine)
    # The dead worker might have reached Twilio: the new one asked, found nothing, sent.
    [lookup] = twilio_api.lookups
    assert lookup.form == {
        "To": ALICE,
        "From": worker_settings.twilio_phone_number,
        "PageSize": "100",
    }
    assert len(twilio_api.accepted) == 1
    assert messages(engine)[0].status is OutboundStatus.sent


def die_after_twilio_took_it(engine, worker_settings) -> str:
    """A worker claims the message, Twilio accepts it, and the worker dies before it can
    record the SID. Then the lease runs out. Returns the SID Twilio gave."""
    [claim] = worker.claim_due(engine)
    result = TwilioSender(worker_settings).send(claim.id, ALICE, claim.body)
    assert result.ok
    set_now(utcnow() + worker.LEASE + timedelta(seconds=1))
    return result.provider_sid


def test_a_message_twilio_took_before_the_worker_died_is_not_sent_again(
    engine, worker_settings, twilio_api
):
    queue(engine)
    sid = die_after_twilio_took_it(engine, worker_settings)
    run_worker(worker_settings, once=True, engine=engine)
    assert len(twilio_api.accepted) == 1
    assert len(twilio_api.lookups) == 1
    [message] = messages(engine)
    assert message.status is OutboundStatus.sent
    assert message.provider_sid == sid
    assert message.attempts == 2 and message.sent_at is not None
    assert message.unconfirmed_since is None and message.locked_until is None


def test_one_still_waiting_in_twilios_queue_is_found(engine, worker_settings, twilio_api):
    """Twilio sets date_sent only when the message leaves its queue: a DateSent filter
    would miss this one, so the lookup filters by recipient and sender only."""
    twilio_api.keep_queued = True
    queue(engine)
    sid = die_after_twilio_took_it(engine, worker_settings)
    client = TwilioSender(worker_settings).client
    assert client.messages.list(to=ALICE, date_sent_after=utcnow() - timedelta(days=1)) == []
    run_worker(worker_settings, once=True, engine=engine)
    assert len(twilio_api.accepted) == 1
    [message] = messages(engine)
    assert message.status is OutboundStatus.sent and message.provider_sid == sid


@pytest.mark.parametrize(
    ("at_twilio", "ours"),
    [("delivered", OutboundStatus.delivered), ("undelivered", OutboundStatus.undelivered)],
)
def test_an_adopted_message_takes_twilios_status(
    engine, worker_settings, twilio_api, at_twilio, ours
):
    queue(engine)
    sid = die_after_twilio_took_it(engine, worker_settings)
    twilio_api.stored(sid).status = at_twilio
    twilio_api.stored(sid).error_code = 30003 if at_twilio == "undelivered" else None
    run_worker(worker_settings, once=True, engine=engine)
    [message] = messages(engine)
    assert message.status is ours and message.provider_sid == sid
    assert message.error_code == ("30003" if at_twilio == "undelivered" else None)
    assert len(twilio_api.accepted) == 1


def test_the_same_text_sent_for_another_cause_is_not_taken_for_it(
    engine, worker_settings, twilio_api
):
    queue(engine, body="Danke!", key="first")
    run_worker(worker_settings, once=True, engine=engine)
    queue(engine, body="Danke!", key="second")
    worker.claim_due(engine)  # claimed, and the worker dies before sending
    set_now(utcnow() + worker.LEASE + timedelta(seconds=1))
    run_worker(worker_settings, once=True, engine=engine)
    assert len(twilio_api.lookups) == 1  # it found the first one's message, held by it
    assert len(twilio_api.accepted) == 2
    first, second = messages(engine)
    assert second.status is OutboundStatus.sent
    assert {first.provider_sid, second.provider_sid} == {r.sid for r in twilio_api.accepted}


def test_a_lost_answer_after_twilio_took_the_message(engine, worker_settings, twilio_api):
    """A gateway error after Twilio took the message: retried, but found, not resent."""
    queue(engine)
    twilio_api.lost_answers.append(502)
    run_worker(worker_settings, once=True, engine=engine)
    [waiting] = messages(engine)
    assert waiting.status is OutboundStatus.queued and waiting.error_code == "502"
    assert waiting.unconfirmed_since is not None
    [taken] = twilio_api.accepted
    set_now(waiting.next_attempt_at + timedelta(seconds=1))
    run_worker(worker_settings, once=True, engine=engine)
    assert len(twilio_api.accepted) == 1
    [message] = messages(engine)
    assert message.status is OutboundStatus.sent and message.provider_sid == taken.sid


@pytest.mark.parametrize("status", [429, 503])
def test_nothing_is_sent_while_twilio_cannot_be_asked(engine, worker_settings, twilio_api, status):
    queue(engine)
    worker.claim_due(engine)  # claimed, and the worker dies before sending
    set_now(utcnow() + worker.LEASE + timedelta(seconds=1))
    twilio_api.lookup_failures.append(status)
    run_worker(worker_settings, once=True, engine=engine)
    assert twilio_api.requests == []
    [waiting] = messages(engine)
    assert waiting.status is OutboundStatus.queued and waiting.error_code == str(status)
    assert waiting.unconfirmed_since is not None  # still unknown: ask again next time
    set_now(waiting.next_attempt_at + timedelta(seconds=1))
    run_worker(worker_settings, once=True, engine=engine)
    assert len(twilio_api.lookups) == 2
    assert len(twilio_api.accepted) == 1
    assert messages(engine)[0].status is OutboundStatus.sent


def test_a_sid_from_a_status_callback_is_kept_without_asking(
    client, engine, worker_settings, twilio_api
):
    from tests.outbox.test_status_and_staff import callback

    queue(engine)
    sid = die_after_twilio_took_it(engine, worker_settings)
    [claimed] = messages(engine)
    assert callback(client, claimed.id, "queued", MessageSid=sid).status_code == 204
    run_worker(worker_settings, once=True, engine=engine)
    assert twilio_api.lookups == [] and len(twilio_api.accepted) == 1
    [message] = messages(engine)
    assert message.status is OutboundStatus.sent and message.provider_sid == sid


def test_without_twilio_credentials_the_simulator_receives(engine, settings):
    local = settings.with_(twilio_account_sid="", twilio_auth_token="")
    queue(engine)
    run_worker(local, once=True, engine=engine)
    [message] = messages(engine)
    assert message.status is OutboundStatus.sent
    assert message.provider_sid.startswith("SMsim")


def test_worker_runs_until_stopped(engine, worker_settings, twilio_api):
    stop = threading.Event()
    thread = threading.Thread(
        target=run_worker,
        args=(worker_settings,),
        kwargs={"engine": engine, "stop": stop, "idle_seconds": 0.05},
    )
    thread.start()
    try:
        queue(engine)
        for _ in range(200):
            if twilio_api.accepted:
                break
            threading.Event().wait(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert len(twilio_api.accepted) == 1


def test_two_workers_never_send_a_message_twice(engine, worker_settings, twilio_api, backend):
    """On PostgreSQL: FOR UPDATE SKIP LOCKED; on SQLite: one claiming writer at a time."""
    total = 60
    for index in range(total):
        queue(engine, number=f"+491510000{index:04d}", body=f"Nachricht {index}", key=f"k{index}")
    twilio_api.delay = 0.01  # so the workers' batches really overlap
    barrier = threading.Barrier(4)
    errors = []
    tried: dict[int, int] = {}

    def work(number: int) -> None:
        try:
            barrier.wait()
            sender = TwilioSender(worker_settings)
            while batch := send_due(engine, worker_settings, sender, limit=5):
                tried[number] = tried.get(number, 0) + batch
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    bodies = [r.form["Body"] for r in twilio_api.requests]
    assert len(bodies) == total, f"{len(bodies)} requests for {total} messages"
    assert len(set(bodies)) == total
    assert all(m.status is OutboundStatus.sent for m in messages(engine))
    assert sum(tried.values()) == total
    assert len(tried) >= 2, tried  # the workers really ran side by side


def test_results_requested_by_sms_arrive_by_sms(client, engine, worker_settings, twilio_api):
    """4711 INFO JA -> results published (same transaction queues the SMS) -> the worker
    sends it, and the plain number is gone from the request table."""
    from participation.consultations.models import Consultation
    from participation.results.models import SmsNotifyRequest
    from participation.results.service import publish_results
    from tests.channels.sms.conftest import send_sms
    from tests.factories import make_consultation

    consultation = make_consultation(engine, code="4711")
    assert send_sms(client, "4711 INFO JA", ALICE).messages
    with session_scope(engine, write=True) as session:
        queued_count = publish_results(
            session, session.get(Consultation, consultation.id), None, worker_settings
        )
    assert queued_count == 1
    with Session(engine) as session:
        assert session.exec(select(SmsNotifyRequest)).all() == []
    run_worker(worker_settings, once=True, engine=engine)
    [sent] = twilio_api.accepted
    assert sent.form["To"] == ALICE
    assert "4711" in sent.form["Body"]
    assert f"/c/{consultation.slug}/results" in sent.form["Body"]
