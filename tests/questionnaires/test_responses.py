"""submit_response() and the results per question, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from participation.accounts.models import Role
from participation.contributions.errors import ConsultationNotOpen
from participation.contributions.models import Channel, Contribution, PollVote, Status
from participation.contributions.votes import Voter, submit_vote
from participation.db import session_scope
from participation.questionnaires.models import QuestionnaireResponse, QuestionOption
from participation.questionnaires.pages import shown_questions
from participation.questionnaires.responses import ResponseRefused, submit_response
from participation.questionnaires.tallies import question_results
from participation.retention import apply_retention, retention_ends
from tests.factories import login, make_consultation, soup
from tests.questionnaires.helpers import five_questions

ALICE, BOB = Voter("a" * 64), Voter("b" * 64)


def _options(engine, question_id):
    with session_scope(engine) as session:
        return [
            o.id
            for o in session.exec(
                select(QuestionOption)
                .where(QuestionOption.question_id == question_id)
                .order_by(QuestionOption.position)
            )
        ]


def _submit(engine, consultation, answers, voter=ALICE, channel=Channel.web, locale="de"):
    with session_scope(engine, write=True) as session:
        return submit_response(session, consultation, answers, channel, locale, voter)


def _results(engine, consultation, locale="de"):
    with session_scope(engine) as session:
        return {r.question.id: r for r in question_results(session, consultation, locale)}


@pytest.fixture
def survey(engine):
    consultation = make_consultation(engine, poll=["yes", "no"])
    ids = five_questions(engine, consultation)
    return consultation, ids


def _full(engine, ids, overrides=None):
    single = _options(engine, ids["single"])
    multi = _options(engine, ids["multi"])
    answers = {
        ids["single"]: [str(single[1])],
        ids["multi"]: [str(multi[0]), str(multi[2])],
        ids["scale"]: ["4"],
        ids["yes_no"]: ["yes"],
        ids["age"]: ["42"],
        ids["text"]: ["Mehr Schatten am Brunnen."],
    }
    answers.update(overrides or {})
    return answers


def test_a_response_is_stored_counted_and_its_text_queued_beside_its_question(engine, survey):
    consultation, ids = survey
    recorded = _submit(engine, consultation, _full(engine, ids))
    assert len(recorded.reference) == 8 and not recorded.replaced
    results = _results(engine, consultation)
    single, multi = _options(engine, ids["single"]), _options(engine, ids["multi"])
    assert results[ids["single"]].counts == {single[1]: 1}
    assert results[ids["multi"]].counts == {multi[0]: 1, multi[2]: 1}
    assert results[ids["multi"]].share(multi[0]) == 1.0
    assert results[ids["scale"]].counts == {4: 1}
    assert results[ids["yes_no"]].counts == {1: 1}
    assert results[ids["age"]].counts == {42: 1}
    assert results[ids["text"]].respondents == 1
    with session_scope(engine) as session:
        text = session.exec(select(Contribution)).one()
    assert (text.body, text.status, text.question_id) == (
        "Mehr Schatten am Brunnen.",
        Status.pending,
        ids["text"],
    )
    assert text.id in recorded.contribution_ids


def test_the_latest_response_of_a_voter_wins_and_others_add_up(engine, survey):
    consultation, ids = survey
    first = _submit(engine, consultation, _full(engine, ids))
    single = _options(engine, ids["single"])
    again = _submit(engine, consultation, _full(engine, ids, {ids["single"]: [str(single[0])]}))
    _submit(engine, consultation, _full(engine, ids), voter=BOB, channel=Channel.sms)
    assert again.replaced and again.reference == first.reference
    results = _results(engine, consultation)
    assert results[ids["single"]].counts == {single[0]: 1, single[1]: 1}
    assert results[ids["scale"]].counts == {4: 2}
    assert results[ids["single"]].share(single[0]) == 0.5
    with session_scope(engine) as session:
        assert len(session.exec(select(QuestionnaireResponse)).all()) == 2


def test_the_poll_question_is_a_vote_counted_with_the_other_doors(engine, survey):
    consultation, ids = survey
    with session_scope(engine) as session:
        poll = next(q for q in shown_questions(session, consultation, "de") if q.is_poll)
    yes, no = (o.id for o in poll.options)
    with session_scope(engine, write=True) as session:
        # Alice voted by SMS before; her questionnaire's answer replaces that vote.
        submit_vote(
            session, consultation=consultation, option_id=no, channel=Channel.sms, voter=ALICE
        )
    _submit(engine, consultation, _full(engine, ids, {poll.id: [str(yes)]}))
    assert _results(engine, consultation)[poll.id].counts == {yes: 1}
    # Her next response leaves the poll empty: the latest response is her whole answer.
    _submit(engine, consultation, _full(engine, ids))
    with session_scope(engine) as session:
        assert session.exec(select(PollVote)).all() == []


@pytest.mark.parametrize(
    ("name", "given", "code"),
    [
        ("single", [], "missing"),
        ("yes_no", ["vielleicht"], "invalid_option"),
        ("scale", ["6"], "out_of_range"),
        ("scale", ["drei"], "not_a_number"),
        ("age", ["9"], "out_of_range"),
        ("age", ["9" * 400], "not_a_number"),
        ("text", ["x" * 2001], "too_long"),
        ("single", ["99999999999999999999"], "invalid_option"),
    ],
)
def test_each_answer_is_checked_against_its_question(engine, survey, name, given, code):
    consultation, ids = survey
    with pytest.raises(ResponseRefused) as refused:
        _submit(engine, consultation, _full(engine, ids, {ids[name]: given}))
    assert {q: p.code for q, p in refused.value.problems.items()} == {ids[name]: code}
    with session_scope(engine) as session:
        assert session.exec(select(QuestionnaireResponse)).all() == []
        assert session.exec(select(Contribution)).all() == []


def test_too_many_choices_and_options_of_other_questions_are_refused(engine, survey):
    consultation, ids = survey
    multi = _options(engine, ids["multi"])
    single = _options(engine, ids["single"])
    other = make_consultation(engine)
    other_ids = five_questions(engine, other)
    foreign = _options(engine, other_ids["single"])[0]
    answers = _full(
        engine,
        ids,
        {ids["multi"]: [str(i) for i in multi], ids["single"]: [str(multi[0])]},
    )
    with pytest.raises(ResponseRefused) as refused:
        _submit(engine, consultation, answers)
    problems = refused.value.problems
    assert problems[ids["multi"]].code == "too_many" and problems[ids["multi"]].values == {
        "limit": 2
    }
    assert problems[ids["single"]].code == "invalid_option"
    with pytest.raises(ResponseRefused):
        _submit(engine, consultation, _full(engine, ids, {ids["single"]: [str(foreign)]}))
    with pytest.raises(ResponseRefused):
        _submit(
            engine,
            consultation,
            _full(engine, ids, {ids["single"]: [str(single[0]), str(single[1])]}),
        )
    # Answers to another consultation's questions are no part of this response.
    recorded = _submit(engine, consultation, {**_full(engine, ids), other_ids["text"]: ["fremd"]})
    with session_scope(engine) as session:
        texts = session.exec(select(Contribution.body)).all()
    assert texts == ["Mehr Schatten am Brunnen."] and recorded.id


def test_a_closed_consultation_takes_no_response(engine):
    consultation = make_consultation(engine, phase="closed")
    ids = five_questions(engine, consultation)
    with pytest.raises(ConsultationNotOpen):
        _submit(engine, consultation, {ids["yes_no"]: ["yes"]})


def test_words_fall_back_to_german_and_say_so(engine, survey):
    consultation, ids = survey
    with session_scope(engine) as session:
        shown = {q.id: q for q in shown_questions(session, consultation, "en")}
    assert (shown[ids["single"]].prompt, shown[ids["single"]].fallback) == ("How do you come?", "")
    assert (shown[ids["scale"]].prompt, shown[ids["scale"]].fallback) == ("Wie zufrieden?", "de")
    assert shown[ids["multi"]].options[0].fallback == "de"


def test_a_free_text_answer_waits_in_the_queue_with_its_question(client, engine, survey):
    consultation, ids = survey
    recorded = _submit(engine, consultation, _full(engine, ids))
    login(client, engine, Role.moderator)
    html = soup(client.get("/de/staff/moderation").text)
    item = html.find(id=f"item-{recorded.contribution_ids[0]}")
    assert item is not None
    assert "Was noch?" in item.select_one("p.question").get_text()
    assert "Mehr Schatten am Brunnen." in item.select_one("p.body").get_text()


def test_retention_keeps_the_response_but_forgets_whose_it_was(engine, settings, survey):
    consultation, ids = survey
    _submit(engine, consultation, _full(engine, ids))
    ends = retention_ends(consultation)
    with session_scope(engine, write=True) as session:
        counts = apply_retention(session, settings, ends + timedelta(minutes=1))
        (response,) = session.exec(select(QuestionnaireResponse)).all()
    assert counts["response_phone_links"] == 1
    assert response.voter_key == f"anon:{response.id}"
    assert _results(engine, consultation)[ids["scale"]].counts == {4: 1}
