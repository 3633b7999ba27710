"""What the builder refuses once people answered, checked in the domain."""

from __future__ import annotations

import pytest

from participation.contributions.models import Channel
from participation.contributions.votes import Voter
from participation.db import session_scope
from participation.questionnaires.builder import (
    BuilderError,
    options_of,
    remove_question,
    update_question,
)
from participation.questionnaires.models import QuestionKind
from participation.questionnaires.responses import submit_response
from tests.factories import make_consultation
from tests.questionnaires.helpers import draft, five_questions, options


def _answer(engine, consultation, answers, voter="v" * 64):
    with session_scope(engine, write=True) as session:
        submit_response(session, consultation, answers, Channel.web, "de", Voter(voter))


@pytest.fixture
def answered(engine):
    consultation = make_consultation(engine)
    ids = five_questions(engine, consultation)
    with session_scope(engine) as session:
        single = [o.id for o in options_of(session, [ids["single"]])[ids["single"]]]
    _answer(
        engine,
        consultation,
        {ids["single"]: [str(single[0])], ids["yes_no"]: ["yes"], ids["text"]: ["Gut so."]},
    )
    return consultation, ids


def test_an_answered_option_cannot_take_another_options_words(engine, answered):
    consultation, ids = answered
    swapped = draft(
        QuestionKind.single_choice,
        "Wie kommen Sie?",
        required=True,
        options=options("Bus", "Rad", "Auto"),
    )
    with session_scope(engine, write=True) as session, pytest.raises(BuilderError) as refused:
        update_question(session, consultation, ids["single"], swapped, staff_id=None)
    assert refused.value.code == "answered"
    fixed = draft(
        QuestionKind.single_choice,
        "Wie kommen Sie?",
        required=True,
        options=options("Fahrrad", "Bus", "Auto"),
    )
    with session_scope(engine, write=True) as session:
        before = [o.id for o in options_of(session, [ids["single"]])[ids["single"]]]
        update_question(session, consultation, ids["single"], fixed, staff_id=None)
        after = options_of(session, [ids["single"]])[ids["single"]]
    assert [o.id for o in after] == before and after[0].labels == {"de": "Fahrrad"}


def test_a_free_text_of_a_replaced_response_still_holds_its_question(engine, answered):
    consultation, ids = answered
    # The same voter answers again without the text: the text stays in moderation.
    with session_scope(engine) as session:
        single = [o.id for o in options_of(session, [ids["single"]])[ids["single"]]]
    _answer(engine, consultation, {ids["single"]: [str(single[1])], ids["yes_no"]: ["no"]})
    with session_scope(engine, write=True) as session, pytest.raises(BuilderError):
        remove_question(session, consultation, ids["text"], staff_id=None)
    with session_scope(engine, write=True) as session, pytest.raises(BuilderError):
        update_question(
            session, consultation, ids["text"], draft(QuestionKind.scale, "Was noch?"), None
        )
    # An unanswered question may still go.
    with session_scope(engine, write=True) as session:
        remove_question(session, consultation, ids["age"], staff_id=None)
