"""'Text me the result' requests stored after the publication: the worker's housekeeping
answers them, once, and leaves the requests of consultations without a result alone."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from participation.consultations.models import Consultation
from participation.crypto import decrypt, encrypt
from participation.db import session_scope
from participation.housekeeping import housekeeping, run_worker
from participation.outbox.models import OutboundMessage
from participation.phones import phone_key
from participation.results.models import SmsNotifyRequest
from participation.results.service import publish_results
from tests.channels.sms.conftest import ALICE, BOB, send_sms
from tests.conftest import TEST_SECRET
from tests.factories import make_consultation
from tests.fakes.twilio_api import running_fake_twilio


def _request(engine, consultation, number: str, language: str = "de") -> None:
    """A request as the SMS conversation stores it."""
    with session_scope(engine, write=True) as session:
        session.add(
            SmsNotifyRequest(
                consultation_id=consultation.id,
                phone_key=phone_key(TEST_SECRET, number),
                number_encrypted=encrypt(TEST_SECRET, number),
                language=language,
            )
        )


def _outbox(engine) -> list[OutboundMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboundMessage).order_by(col(OutboundMessage.id))).all())


def _requests(engine) -> list[SmsNotifyRequest]:
    with Session(engine) as session:
        return list(session.exec(select(SmsNotifyRequest)).all())


def test_a_request_stored_after_the_publication_is_answered_once(engine, settings):
    consultation = make_consultation(engine, code="4711")
    with session_scope(engine, write=True) as session:
        publish_results(session, session.get(Consultation, consultation.id), None, settings)
    # Committed by the webhook after the publication had read the requests.
    _request(engine, consultation, ALICE, "tr")

    assert housekeeping(engine, settings).get("result_notifications") == 1
    assert "result_notifications" not in housekeeping(engine, settings)
    [message] = _outbox(engine)
    assert decrypt(TEST_SECRET, message.to_encrypted) == ALICE
    assert f"/tr/c/{consultation.slug}/results" in message.body
    assert message.idempotency_key == f"results:{consultation.id}:{phone_key(TEST_SECRET, ALICE)}"
    assert _requests(engine) == []

    # The same person's request again (a second worker read it before the first one
    # committed): the idempotency key finds the message already queued, nothing more goes.
    _request(engine, consultation, ALICE, "tr")
    housekeeping(engine, settings)
    assert [m.id for m in _outbox(engine)] == [message.id]
    assert _requests(engine) == []


def test_nothing_is_sent_for_consultations_without_a_published_result(engine, settings):
    open_ = make_consultation(engine, phase="open")
    closed = make_consultation(engine, phase="closed")
    withdrawn = make_consultation(engine, phase="results")
    with session_scope(engine, write=True) as session:
        row = session.get(Consultation, withdrawn.id)
        row.results_published_at = None
        session.add(row)
    for consultation in (open_, closed, withdrawn):
        _request(engine, consultation, ALICE)

    done = housekeeping(engine, settings)
    assert "result_notifications" not in done
    assert _outbox(engine) == []
    # The requests wait for their result.
    assert sorted(r.consultation_id for r in _requests(engine)) == sorted(
        [open_.id, closed.id, withdrawn.id]
    )


def test_a_request_racing_the_publication_gets_its_sms(client, engine, settings, backend):
    """On PostgreSQL the webhook does not wait for the publication's transaction: it reads
    the consultation as still open, and commits its request after the publication read
    the table. (SQLite lets one writer in at a time, so there the two cannot overlap.)"""
    if backend != "postgresql":
        pytest.skip("SQLite serialises the two transactions")
    consultation = make_consultation(engine, code="4711")
    assert send_sms(client, "4711 INFO JA", ALICE).messages
    with session_scope(engine, write=True) as session:
        queued = publish_results(
            session, session.get(Consultation, consultation.id), None, settings
        )
        racing = send_sms(client, "ERGEBNIS 4711", BOB)
    assert queued == 1
    assert racing.status == 200 and "4711" in racing.text
    [left] = _requests(engine)
    assert left.phone_key == phone_key(TEST_SECRET, BOB)

    with running_fake_twilio() as api:
        worker_settings = settings.with_(twilio_api_base=api.base_url)
        run_worker(worker_settings, once=True, engine=engine)
        run_worker(worker_settings, once=True, engine=engine)
        assert sorted(r.form["To"] for r in api.accepted) == sorted([ALICE, BOB])
    assert _requests(engine) == []
