"""A questionnaire answered one question at a time: kept encrypted, checked per answer,
stored once at the end, forgotten after a day, erased with the number."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from participation.clock import utcnow
from participation.contributions.models import Channel
from participation.contributions.votes import Voter
from participation.db import session_scope
from participation.privacy import erase_phone_data, find_subject_data
from participation.questionnaires.models import QuestionnaireProgress, QuestionnaireResponse
from participation.questionnaires.progress import (
    Holder,
    answers_so_far,
    check_answer,
    current_progress,
    finish_progress,
    record_answer,
    start_progress,
    step_back,
)
from participation.questionnaires.responses import ResponseRefused
from participation.retention import apply_retention
from tests.factories import make_consultation
from tests.questionnaires.helpers import five_questions

KEY = "c" * 64
HOLDER = Holder("sms", KEY, KEY)


@pytest.fixture
def survey(engine):
    consultation = make_consultation(engine, poll=["yes", "no"])
    return consultation, five_questions(engine, consultation)


def test_answers_wait_encrypted_and_are_stored_once_at_the_end(engine, settings, survey):
    consultation, ids = survey
    secret = settings.secret_key
    with session_scope(engine, write=True) as session:
        progress = start_progress(session, consultation, HOLDER, "tr", secret)
        record_answer(session, progress, ids["text"], ["Gizli metin"], secret)
        record_answer(session, progress, ids["yes_no"], ["yes"], secret)
        assert "Gizli" not in progress.answers
        step_back(session, progress)
        assert progress.position == 1
        record_answer(session, progress, ids["yes_no"], ["no"], secret)
        assert session.exec(select(QuestionnaireResponse)).all() == []
    with session_scope(engine, write=True) as session:
        progress = current_progress(session, HOLDER)
        assert progress is not None and progress.position == 2
        assert answers_so_far(progress, secret) == {
            ids["text"]: ["Gizli metin"],
            ids["yes_no"]: ["no"],
        }
        with pytest.raises(ResponseRefused):  # the required single choice is missing
            finish_progress(session, consultation, progress, Channel.sms, Voter(KEY), secret)
    with session_scope(engine, write=True) as session:
        progress = current_progress(session, HOLDER)
        assert progress is not None
        options = check_answer(session, consultation, ids["single"], ["999999"])
        assert options is not None and options.code == "invalid_option"
        assert check_answer(session, consultation, ids["age"], ["42"]) is None
        assert check_answer(session, consultation, ids["age"], ["7"]).code == "out_of_range"
        single = session.exec(
            select(QuestionnaireProgress)
        ).one()  # one conversation, not one per message
        assert single.id == progress.id
    with session_scope(engine) as session:
        from participation.questionnaires.builder import options_of

        first = options_of(session, [ids["single"]])[ids["single"]][0].id
    with session_scope(engine, write=True) as session:
        progress = current_progress(session, HOLDER)
        record_answer(session, progress, ids["single"], [str(first)], secret)
        recorded = finish_progress(session, consultation, progress, Channel.sms, Voter(KEY), secret)
    with session_scope(engine) as session:
        assert session.exec(select(QuestionnaireProgress)).all() == []
        (response,) = session.exec(select(QuestionnaireResponse)).all()
    assert response.reference == recorded.reference and response.locale == "tr"


def test_a_day_after_the_last_answer_the_place_is_forgotten(engine, settings, survey):
    consultation, ids = survey
    with session_scope(engine, write=True) as session:
        progress = start_progress(session, consultation, HOLDER, "de", settings.secret_key)
        record_answer(session, progress, ids["scale"], ["3"], settings.secret_key)
    later = utcnow() + timedelta(hours=23)
    with session_scope(engine, write=True) as session:
        assert current_progress(session, HOLDER, later) is not None
        assert current_progress(session, HOLDER, later + timedelta(hours=2)) is None
    with session_scope(engine, write=True) as session:
        start_progress(session, consultation, HOLDER, "de", settings.secret_key)
        counts = apply_retention(session, settings, utcnow() + timedelta(hours=25))
        assert session.exec(select(QuestionnaireProgress)).all() == []
    assert counts.get("questionnaire_progress") == 1


def test_erasure_and_access_reach_a_conversation_in_progress(engine, settings, survey):
    consultation, ids = survey
    with session_scope(engine, write=True) as session:
        progress = start_progress(session, consultation, HOLDER, "de", settings.secret_key)
        record_answer(session, progress, ids["text"], ["Meine Adresse"], settings.secret_key)
    with session_scope(engine) as session:
        found = find_subject_data(session, settings, phone=KEY)
    assert len(found["questionnaire_progress"]) == 1
    with session_scope(engine, write=True) as session:
        erase_phone_data(session, settings, KEY)
    with session_scope(engine) as session:
        assert session.exec(select(QuestionnaireProgress)).all() == []


def test_another_conversation_is_its_own(engine, settings, survey):
    consultation, ids = survey
    other = Holder("phone", "CA" + "1" * 32)
    with session_scope(engine, write=True) as session:
        start_progress(session, consultation, HOLDER, "de", settings.secret_key)
        mine = start_progress(session, consultation, other, "ar", settings.secret_key)
        record_answer(session, mine, ids["scale"], ["5"], settings.secret_key)
    with session_scope(engine) as session:
        sms = current_progress(session, HOLDER)
        assert sms is not None and sms.position == 0 and sms.locale == "de"
