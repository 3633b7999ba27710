"""Front-desk entry of a questionnaire: a paper form or a visitor's answers typed in on one
screen, stored through submit_response() as an attested voter, a receipt to print; and
what a lower role, another council and hostile input can make it do."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from participation.accounts.models import Role
from participation.clock import utcnow
from participation.contributions.models import Contribution, PollVote
from participation.councils.service import create_council
from participation.db import session_scope
from participation.moderation.models import AuditEvent
from participation.phones import phone_key
from participation.questionnaires.builder import options_of
from participation.questionnaires.models import QuestionnaireAnswer, QuestionnaireResponse
from tests.conftest import TEST_SECRET
from tests.factories import csrf_token, login, make_consultation, soup
from tests.moderation.helpers import form_data, page
from tests.questionnaires.helpers import five_questions

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def survey(engine):
    consultation = make_consultation(engine, poll=["yes", "no"])
    return consultation, five_questions(engine, consultation)


def _path(consultation, lang="de"):
    return f"/{lang}/staff/front-desk/{consultation.id}/questionnaire"


def _options(engine, question_id):
    with session_scope(engine) as session:
        return [o.id for o in options_of(session, [question_id])[question_id]]


def _form(client, consultation):
    index = page(client, "/de/staff/front-desk")
    link = index.find("a", href=lambda h: h and h.endswith(f"/{consultation.id}/questionnaire"))
    assert link is not None
    return page(client, link["href"]).find("form", action=lambda a: a and "questionnaire" in a)


def _answers(engine, ids):
    single, multi = _options(engine, ids["single"]), _options(engine, ids["multi"])
    return {
        f"q-{ids['single']}": str(single[1]),
        f"q-{ids['multi']}": [str(multi[0]), str(multi[2])],
        f"q-{ids['scale']}": "4",
        f"q-{ids['yes_no']}": "no",
        f"q-{ids['age']}": "67",
        f"q-{ids['text']}": "Mehr Bänke am Brunnen.",
    }


def _rows(engine):
    with session_scope(engine) as session:
        responses = session.exec(select(QuestionnaireResponse)).all()
        answers = session.exec(select(QuestionnaireAnswer)).all()
        return responses, answers


def test_paper_form_typed_in_is_stored_as_an_attested_response(client, engine, survey):
    consultation, ids = survey
    staff = login(client, engine, Role.moderator)
    form = _form(client, consultation)
    # One fieldset with a legend per question; the options carry their visible number.
    fieldsets = form.find_all("fieldset", class_="question")
    assert len(fieldsets) == 7  # the poll and six questions
    assert all(f.find("legend").get_text(strip=True) for f in fieldsets)
    single = form.find("fieldset", id=f"field-q-{ids['single']}")
    numbers = [s.get_text() for s in single.find_all(class_="option-number")]
    assert numbers == ["1", "2", "3"]
    received = utcnow().astimezone(BERLIN).date()
    assert form.find("input", attrs={"name": "received"})["value"] == received.isoformat()
    data = form_data(form, channel="paper", locale="tr", attested="on")
    data.update(_answers(engine, ids))
    response = client.post(form["action"], data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/tr/staff/front-desk/questionnaire-receipt/")
    responses, answers = _rows(engine)
    assert len(responses) == 1
    stored = responses[0]
    assert stored.channel == "paper" and stored.locale == "tr"
    assert stored.attested_by_id == staff.id and stored.voter_key.startswith("desk:")
    by_question: dict[int, list] = {}
    for row in answers:
        by_question.setdefault(row.question_id, []).append(row)
    multi = _options(engine, ids["multi"])
    assert [r.option_id for r in by_question[ids["single"]]] == [_options(engine, ids["single"])[1]]
    assert sorted(r.option_id for r in by_question[ids["multi"]]) == [multi[0], multi[2]]
    assert [r.number for r in by_question[ids["scale"]]] == [4]
    assert [r.number for r in by_question[ids["yes_no"]]] == [0]
    assert [r.number for r in by_question[ids["age"]]] == [67]
    with session_scope(engine) as session:
        text = session.exec(select(Contribution)).one()
        assert text.body == "Mehr Bänke am Brunnen." and text.entered_by_id == staff.id
        assert text.question_id == ids["text"]
        assert session.exec(select(PollVote)).all() == []
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "response.enter")).one()
        assert event.staff_id == staff.id and event.detail["reference"] == stored.reference
    receipt = soup(client.get(response.headers["location"]).text)
    shown = receipt.find(class_="receipt-reference").get_text(strip=True)
    assert shown.replace("-", "") == stored.reference
    assert receipt.find("html")["lang"] == "tr"
    assert receipt.find(class_="qr").find("svg") is not None
    assert "Marktplatz" in receipt.find(class_="receipt").get_text()
    # Ready for the next entry: a fresh form, nothing of the last one in it.
    next_link = receipt.find("a", href=lambda h: h and h.endswith(_path(consultation)))
    fresh = page(client, next_link["href"]).find(
        "form", action=lambda a: a and "questionnaire" in a
    )
    assert not fresh.find("textarea", attrs={"name": f"q-{ids['text']}"}).get_text()


def test_refused_answers_come_back_kept_with_a_message_beside_each(client, engine, survey):
    consultation, ids = survey
    login(client, engine, Role.admin)
    form = _form(client, consultation)
    multi = _options(engine, ids["multi"])
    data = form_data(form, attested="on")
    data.update(
        {
            f"q-{ids['single']}": "",  # required, left empty
            f"q-{ids['multi']}": [str(m) for m in multi],  # three of at most two
            f"q-{ids['age']}": "700",  # out of range
            f"q-{ids['text']}": "Bitte mehr Licht.",
        }
    )
    response = client.post(form["action"], data=data)
    assert response.status_code == 422
    html = soup(response.text)
    summary = html.find(class_="error-summary")
    targets = [a["href"] for a in summary.find_all("a")]
    for name in ("single", "multi", "yes_no", "age"):
        assert f"#field-q-{ids[name]}" in targets
        assert html.find("fieldset", id=f"field-q-{ids[name]}").find(class_="field-error")
    kept = html.find("form", action=lambda a: a and "questionnaire" in a)
    assert all(
        kept.find("input", attrs={"name": f"q-{ids['multi']}", "value": str(m)}).has_attr("checked")
        for m in multi
    )
    assert kept.find("input", attrs={"name": f"q-{ids['age']}"})["value"] == "700"
    assert (
        kept.find("textarea", attrs={"name": f"q-{ids['text']}"}).get_text() == "Bitte mehr Licht."
    )
    assert kept.find("input", attrs={"name": "attested"}).has_attr("checked")
    assert _rows(engine) == ([], [])


def test_a_phone_number_makes_the_resident_one_voter(client, engine, survey):
    consultation, ids = survey
    login(client, engine, Role.moderator)
    for age in ("30", "31"):
        form = _form(client, consultation)
        data = form_data(form, attested="on", voter_phone="0151 23456789")
        data.update(_answers(engine, ids))
        data[f"q-{ids['age']}"] = age
        assert client.post(form["action"], data=data, follow_redirects=False).status_code == 303
    responses, answers = _rows(engine)
    assert len(responses) == 1
    assert responses[0].voter_key == phone_key(TEST_SECRET, "+4915123456789")
    assert [a.number for a in answers if a.question_id == ids["age"]] == [31]


def test_without_attestation_nothing_is_stored(client, engine, survey):
    consultation, ids = survey
    login(client, engine, Role.moderator)
    form = _form(client, consultation)
    data = form_data(form)
    data.update(_answers(engine, ids))
    response = client.post(form["action"], data=data)
    assert response.status_code == 422
    html = soup(response.text)
    assert html.find(id="field-attested").find(class_="field-error")
    assert _rows(engine) == ([], [])


def test_roles_csrf_and_another_councils_consultation(client, engine, survey):
    consultation, ids = survey
    with session_scope(engine, write=True) as session:
        other = create_council(session, "beispieldorf", "Gemeinde Beispieldorf").id
    theirs = make_consultation(engine, title="Dorfteich", council_id=other)
    five_questions(engine, theirs, council_id=other)
    login(client, engine, Role.editor)
    assert client.get(_path(consultation)).status_code == 403
    token = csrf_token(client, "/de/staff/")
    assert client.post(_path(consultation), data={"csrf_token": token}).status_code == 403
    client.cookies.clear()
    login(client, engine, Role.moderator)
    assert client.get(_path(theirs)).status_code == 404
    token = csrf_token(client, _path(consultation))
    data = {"csrf_token": token, "attested": "on", "channel": "paper", "locale": "de"}
    assert client.post(_path(theirs), data=data).status_code == 404
    assert client.get("/de/staff/front-desk/questionnaire-receipt/12345678").status_code == 404
    # Without the form's token, nothing is stored.
    data = {"attested": "on", "channel": "paper", "locale": "de", **_answers(engine, ids)}
    assert client.post(_path(consultation), data=data).status_code == 403
    assert _rows(engine) == ([], [])


def _hostile(engine, ids, theirs_option):
    single, multi = _options(engine, ids["single"]), _options(engine, ids["multi"])
    return [
        {f"q-{ids['single']}": str(multi[0])},  # another question's option
        {f"q-{ids['single']}": str(theirs_option)},
        {f"q-{ids['single']}": [str(single[0]), str(single[1])]},  # repeated
        {f"q-{ids['single']}": "9" * 40},
        {f"q-{ids['multi']}": ["-1", "0", "1e9"]},
        {f"q-{ids['age']}": "9" * 300},
        {f"q-{ids['age']}": ["20", "21"]},
        {f"q-{ids['scale']}": "6"},
        {f"q-{ids['yes_no']}": "vielleicht"},
        {f"q-{ids['text']}": "x" * 100_000},
        {"channel": ["paper", "web"], "locale": "xx", "received": "2026-02-31"},
        {"channel": "web"},
        {"received": "9999-12-31"},
        {"voter_phone": "+" + "9" * 39},
    ]


def test_no_hostile_input_gives_an_error_page(client, engine, survey):
    consultation, ids = survey
    elsewhere = make_consultation(engine, poll=["a", "b"])
    elsewhere_ids = five_questions(engine, elsewhere)
    theirs_option = _options(engine, elsewhere_ids["single"])[0]
    login(client, engine, Role.moderator)
    form = _form(client, consultation)
    base = form_data(form, attested="on")
    base.update(_answers(engine, ids))
    for changes in _hostile(engine, ids, theirs_option):
        response = client.post(form["action"], data={**base, **changes})
        assert response.status_code == 422, (changes, response.status_code)
        assert soup(response.text).find(class_="error-summary") is not None
    # No answer at all: nothing to store.
    empty = {k: v for k, v in base.items() if not k.startswith("q-")}
    response = client.post(form["action"], data=empty)
    assert response.status_code == 422
    assert soup(response.text).find(id="field-questions") is not None
    # Fields missing altogether: only the token.
    response = client.post(form["action"], data={"csrf_token": base["csrf_token"]})
    assert response.status_code == 422
    assert _rows(engine) == ([], [])
    # Fields of no question and a key that is no key are left aside: the entry is stored.
    for changes in (
        {f"q-{'9' * 30}": "1", "q-": "1", "q-abc": "2"},
        {"submission_key": "x" * 500},
        {f"q-{ids['text']}": "Bänke\x00 bitte"},
    ):
        response = client.post(form["action"], data={**base, **changes}, follow_redirects=False)
        assert response.status_code == 303, (changes, response.status_code)
    assert len(_rows(engine)[0]) == 3
