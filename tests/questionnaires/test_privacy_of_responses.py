"""Data-subject requests reach questionnaire responses: found and exported by the phone
number (the voter's keyed hash) or the response's reference number, with their answers,
free texts and poll answer; erased the same ways, the SMS ``LÖSCHEN`` included."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from participation.accounts.models import Role
from participation.contributions.models import Channel, Contribution, PollVote
from participation.contributions.reference import format_reference
from participation.contributions.votes import Voter
from participation.db import session_scope
from participation.phones import phone_key
from participation.privacy import erase_phone_data, erase_reference, find_subject_data
from participation.questionnaires.models import QuestionnaireAnswer, QuestionnaireResponse
from participation.questionnaires.pages import shown_questions
from participation.questionnaires.responses import submit_response
from tests.conftest import TEST_SECRET
from tests.factories import csrf_token, login, make_consultation
from tests.questionnaires.helpers import five_questions
from tests.questionnaires.test_responses import _full

NUMBER = "+4915112345678"
KEY = phone_key(TEST_SECRET, NUMBER)
OTHER = Voter(phone_key(TEST_SECRET, "+4916099999999"))
#: A front-desk attestation: no phone key; the reference is the only handle.
DESK = Voter("desk:7:1")


@pytest.fixture
def answered(engine):
    consultation = make_consultation(engine, poll=["ja", "nein"])
    ids = five_questions(engine, consultation)
    recorded = {}
    with session_scope(engine, write=True) as session:
        poll = next(q for q in shown_questions(session, consultation, "de") if q.is_poll)
        for name, voter in (("mine", Voter(KEY)), ("other", OTHER), ("desk", DESK)):
            answers = _full(engine, ids)
            answers[ids["text"]] = [f"Freitext {name}"]
            answers[poll.id] = [str(poll.options[0].id)]
            recorded[name] = submit_response(
                session, consultation, answers, Channel.web, "de", voter
            )
    return consultation, ids, recorded


def _rows(engine, model):
    with session_scope(engine) as session:
        return session.exec(select(model)).all()


def _mine(engine, recorded, name):
    with session_scope(engine) as session:
        return [
            a.id
            for a in session.exec(
                select(QuestionnaireAnswer).where(
                    QuestionnaireAnswer.response_id == recorded[name].id
                )
            )
        ]


def test_the_phone_number_finds_the_response_and_its_answers(engine, settings, answered):
    _consultation, _ids, recorded = answered
    with session_scope(engine) as session:
        found = find_subject_data(session, settings, phone="0151 1234 5678")
    assert [r["reference"] for r in found["questionnaire_response"]] == [
        format_reference(recorded["mine"].reference)
    ]
    assert sorted(r["id"] for r in found["questionnaire_answer"]) == sorted(
        _mine(engine, recorded, "mine")
    )
    assert [c["body"] for c in found["contribution"]] == ["Freitext mine"]
    assert len(found["poll_vote"]) == 1
    assert "voter_key" not in found["questionnaire_response"][0]


def test_the_reference_finds_a_front_desk_response(engine, settings, answered):
    _consultation, _ids, recorded = answered
    reference = format_reference(recorded["desk"].reference)
    with session_scope(engine) as session:
        found = find_subject_data(session, settings, reference=reference)
    assert [r["id"] for r in found["questionnaire_response"]] == [recorded["desk"].id]
    assert sorted(r["id"] for r in found["questionnaire_answer"]) == sorted(
        _mine(engine, recorded, "desk")
    )
    assert [c["body"] for c in found["contribution"]] == ["Freitext desk"]
    assert len(found["poll_vote"]) == 1


def test_erasing_a_number_takes_its_response_answers_and_free_text(engine, settings, answered):
    _consultation, _ids, recorded = answered
    answers = len(_mine(engine, recorded, "mine"))
    with session_scope(engine, write=True) as session:
        counts = erase_phone_data(session, settings, KEY)
    assert counts["questionnaire_response"] == 1 and counts["questionnaire_answer"] == answers
    left = {r.id for r in _rows(engine, QuestionnaireResponse)}
    assert left == {recorded["other"].id, recorded["desk"].id}
    assert {a.response_id for a in _rows(engine, QuestionnaireAnswer)} == left
    assert sorted(c.body for c in _rows(engine, Contribution)) == [
        "Freitext desk",
        "Freitext other",
    ]
    assert KEY not in {v.voter_key for v in _rows(engine, PollVote)}


def test_erasing_a_reference_takes_that_response_whole(engine, settings, answered):
    _consultation, _ids, recorded = answered
    answers = len(_mine(engine, recorded, "desk"))
    with session_scope(engine, write=True) as session:
        counts = erase_reference(
            session, settings, format_reference(recorded["desk"].reference), via="staff"
        )
    assert counts["questionnaire_response"] == 1 and counts["poll_vote"] == 1
    assert counts["questionnaire_answer"] == answers and counts["contribution"] == 1
    assert {r.id for r in _rows(engine, QuestionnaireResponse)} == {
        recorded["mine"].id,
        recorded["other"].id,
    }
    assert DESK.key not in {v.voter_key for v in _rows(engine, PollVote)}
    assert "Freitext desk" not in {c.body for c in _rows(engine, Contribution)}


def test_the_staff_export_holds_the_answers(client, engine, answered):
    _consultation, _ids, recorded = answered
    login(client, engine, Role.admin)
    token = csrf_token(client, "/en/staff/privacy")
    export = client.post(
        "/en/staff/privacy/export", data={"csrf_token": token, "phone": "0151 1234 5678"}
    )
    assert export.status_code == 200
    data = json.loads(export.text)["data"]
    assert {a["response_id"] for a in data["questionnaire_answer"]} == {recorded["mine"].id}


def test_sms_loeschen_erases_the_numbers_response(client, engine, answered):
    from tests.channels.sms.conftest import send_sms

    _consultation, _ids, recorded = answered
    assert send_sms(client, "LÖSCHEN", NUMBER).status == 200
    assert send_sms(client, "LÖSCHEN JA", NUMBER).status == 200
    left = {r.id for r in _rows(engine, QuestionnaireResponse)}
    assert left == {recorded["other"].id, recorded["desk"].id}
    assert {a.response_id for a in _rows(engine, QuestionnaireAnswer)} == left
