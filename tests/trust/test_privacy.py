"""Data-subject requests: staff find everything stored for a reference number, a phone
number (through its keyed hash) or an e-mail address, export it as JSON (Art. 15) and
erase it (Art. 17) — the same erase function as the SMS command LÖSCHEN."""

from __future__ import annotations

import json

from sqlalchemy import func
from sqlmodel import select

from participation.accounts.models import Role
from participation.clock import utcnow
from participation.consultations.service import poll_options
from participation.contributions.models import Channel, Contribution, PollVote
from participation.contributions.reference import format_reference
from participation.db import session_scope
from participation.moderation.models import AuditEvent, ModerationDecision
from participation.moderation.service import approve
from participation.outbox.models import OutboundMessage
from participation.outbox.service import enqueue_sms
from participation.phones import phone_key
from participation.privacy import erase_phone_data, find_subject_data
from tests.conftest import TEST_SECRET
from tests.factories import csrf_token, login, make_consultation, make_contribution, soup

NUMBER = "+4915112345678"
KEY = phone_key(TEST_SECRET, NUMBER)
OTHER = phone_key(TEST_SECRET, "+4916099999999")


def _person(engine):
    consultation = make_consultation(engine, poll=["yes", "no"])
    with session_scope(engine) as session:
        yes = poll_options(session, consultation.id)[0]
    mine = make_contribution(
        engine,
        consultation,
        "Meine Meinung per SMS",
        Channel.sms,
        author_key=KEY,
        poll_option_id=yes.id,
        voter_key=KEY,
        external_id="SM" + "a" * 32,
    )
    theirs = make_contribution(
        engine,
        consultation,
        "Jemand anderes",
        Channel.sms,
        author_key=OTHER,
        external_id="SM" + "b" * 32,
    )
    with session_scope(engine, write=True) as session:
        approve(session, session.get(Contribution, mine.id), None)
        enqueue_sms(session, TEST_SECRET, NUMBER, "Danke für Ihre Nachricht")
    return consultation, mine, theirs


def _post(client, path: str, **data: str):
    token = csrf_token(client, "/en/staff/privacy")
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def test_find_export_and_erase_by_phone_number(client, engine):
    _consultation, mine, theirs = _person(engine)
    login(client, engine, Role.admin)

    # Typed the way people say it; matched through the keyed hash.
    found = _post(client, "/en/staff/privacy", phone="0151 1234 5678")
    assert found.status_code == 200
    page = soup(found.text)
    assert "Meine Meinung per SMS" in page.get_text()
    assert "Jemand anderes" not in page.get_text()
    captions = [c.get_text() for c in page.find_all("caption")]
    assert any(c.startswith("contribution") for c in captions)

    export = _post(client, "/en/staff/privacy/export", phone="0151 1234 5678")
    assert export.status_code == 200
    assert export.headers["content-disposition"].startswith("attachment")
    document = json.loads(export.text)
    data = document["data"]
    assert [c["body"] for c in data["contribution"]] == ["Meine Meinung per SMS"]
    assert data["contribution"][0]["reference"] == format_reference(mine.reference)
    assert len(data["poll_vote"]) == 1
    # The number we keep for sending is shown to the person, decrypted; hashes are not.
    assert data["outbound_message"][0]["to"] == NUMBER
    assert KEY not in export.text

    refused = _post(client, "/en/staff/privacy/erase", phone="0151 1234 5678")
    assert refused.status_code == 422  # the confirmation box was not ticked
    erased = _post(client, "/en/staff/privacy/erase", phone="0151 1234 5678", confirm="yes")
    assert erased.status_code == 200
    with session_scope(engine) as session:
        assert [c.id for c in session.exec(select(Contribution)).all()] == [theirs.id]
        assert session.exec(select(PollVote)).all() == []
        assert session.exec(select(ModerationDecision)).all() == []
        assert session.exec(select(OutboundMessage)).all() == []
        assert find_subject_data(session, client.app.state.settings, phone=NUMBER) == {}
        # In the order they happened: without ORDER BY, PostgreSQL may hand back rows in
        # any order (it did, once a table's emptied space was reused).
        events = session.exec(
            select(AuditEvent)
            .where(AuditEvent.action.startswith("privacy."))
            .order_by(AuditEvent.id)
        ).all()
    assert [e.action for e in events] == [
        "privacy.search",
        "privacy.export",
        "privacy.erase",
    ]
    erase = events[-1]
    assert erase.detail["via"] == "staff"
    assert erase.detail["counts"]["contribution"] == 1
    assert erase.detail["counts"]["outbound_message"] == 1
    # The trail never says whose data it was.
    for event in events:
        assert NUMBER not in str(event.detail) and KEY not in str(event.detail)
        assert "1234" not in str(event.detail)


def test_find_and_erase_by_reference_number(client, engine):
    consultation = make_consultation(engine, poll=["yes", "no"])
    with session_scope(engine) as session:
        no = poll_options(session, consultation.id)[1]
    # A letter with a vote, attested at the front desk: the vote goes with the text.
    mine = make_contribution(
        engine,
        consultation,
        "Per Brief geschrieben",
        Channel.paper,
        poll_option_id=no.id,
        voter_key="desk:0123",
    )
    other = make_contribution(engine, consultation, "Bleibt")
    login(client, engine, Role.admin)
    found = _post(client, "/en/staff/privacy", reference=format_reference(mine.reference))
    assert "Per Brief geschrieben" in found.text and "Bleibt" not in found.text
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(PollVote)).one() == 1
    _post(
        client,
        "/en/staff/privacy/erase",
        reference=mine.reference[:4] + " " + mine.reference[4:],
        confirm="yes",
    )
    with session_scope(engine) as session:
        assert [c.id for c in session.exec(select(Contribution)).all()] == [other.id]
        assert session.exec(select(func.count()).select_from(PollVote)).one() == 0


def test_e_mail_finds_staff_accounts_but_does_not_erase_them(client, engine):
    admin = login(client, engine, Role.admin)
    export = _post(client, "/en/staff/privacy/export", email=admin.email.upper())
    data = json.loads(export.text)["data"]
    assert data["staff_user"][0]["email"] == admin.email
    assert "password_hash" not in data["staff_user"][0]
    assert "totp_secret" not in data["staff_user"][0]
    _post(client, "/en/staff/privacy/erase", email=admin.email, confirm="yes")
    assert client.get("/en/staff/privacy").status_code == 200  # still logged in


def test_bad_identifiers_are_explained(client, engine):
    login(client, engine, Role.admin)
    for data in ({}, {"phone": "hello"}, {"reference": "1234-5678"}):
        response = _post(client, "/en/staff/privacy", **data)
        assert response.status_code == 422
        assert soup(response.text).find(class_="error-summary")


def test_erase_phone_data_counts_what_it_removed(engine, settings):
    _person(engine)
    with session_scope(engine, write=True) as session:
        counts = erase_phone_data(session, settings, KEY)
    assert counts["contribution"] == 1 and counts["poll_vote"] == 1
    assert counts["outbound_message"] == 1 and counts["moderation_decision"] == 1
    with session_scope(engine, write=True) as session:
        assert erase_phone_data(session, settings, KEY) == {}
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "privacy.erase")).all()
    assert [e.detail["via"] for e in events] == ["sms", "sms"]


def test_sms_loeschen_uses_the_same_erase(client, engine):
    from tests.channels.sms.conftest import send_sms

    consultation = make_consultation(engine, code="4711")
    first = send_sms(client, "4711 Mehr Bänke bitte", NUMBER)
    assert first.status == 200
    other = send_sms(client, "4711 Mehr Licht", "+4916099999999")
    assert other.status == 200
    asked = send_sms(client, "LÖSCHEN", NUMBER)
    assert asked.status == 200 and "LÖSCHEN JA" in asked.text
    reply = send_sms(client, "LÖSCHEN JA", NUMBER)
    assert reply.status == 200 and reply.text
    with session_scope(engine) as session:
        bodies = [c.body for c in session.exec(select(Contribution)).all()]
        assert bodies == ["Mehr Licht"]
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "privacy.erase")).all()
    assert [e.detail["via"] for e in events] == ["sms"]
    assert events[0].detail["counts"]["contribution"] == 1
    assert consultation.code == "4711"


def test_staff_erasure_keeps_a_stop_objection(engine, settings):
    from participation.outbox.consent import SmsContact

    _person(engine)
    with session_scope(engine, write=True) as session:
        session.add(SmsContact(phone_key=KEY, language="tr", opted_out=True))
        session.add(SmsContact(phone_key=OTHER, language="de"))
    with session_scope(engine, write=True) as session:
        erase_phone_data(session, settings, KEY, via="staff")
        erase_phone_data(session, settings, OTHER, via="staff")
    with session_scope(engine) as session:
        kept = session.exec(select(SmsContact)).all()
    assert [(c.phone_key, c.opted_out) for c in kept] == [(KEY, True)]
    # Nothing queued to that number afterwards is sent.
    with session_scope(engine, write=True) as session:
        message = enqueue_sms(session, TEST_SECRET, NUMBER, "Ergebnis der Befragung")
    from participation.outbox.worker import claim_due

    assert message.id not in [claim.message_id for claim in claim_due(engine)]


def test_staff_erasure_has_the_numbers_messages_deleted_at_twilio(client, engine):
    from participation.outbox.models import CarrierDeletion, CarrierKind, DeletionStatus

    _person(engine)
    sent, other = "SM" + "1" * 32, "SM" + "2" * 32
    with session_scope(engine, write=True) as session:
        message = session.exec(select(OutboundMessage)).one()
        message.provider_sid = sent
        enqueue_sms(session, TEST_SECRET, "+4916099999999", "Nicht betroffen").provider_sid = other
    login(client, engine, Role.admin)
    erased = _post(client, "/en/staff/privacy/erase", phone="0151 1234 5678", confirm="yes")
    assert erased.status_code == 200 and "at_twilio" in erased.text
    with session_scope(engine) as session:
        jobs = session.exec(select(CarrierDeletion)).all()
    assert [(j.kind, j.sid, j.status) for j in jobs] == [
        (CarrierKind.message, sent, DeletionStatus.queued)
    ]
    assert jobs[0].next_attempt_at <= utcnow()
