"""The web questionnaire: one accessible page, the answers kept when refused, a code by
SMS naming the voter; and what an outsider, a curious resident and another council's
visitor can make it do."""

from __future__ import annotations

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from participation.contributions.models import Contribution, PollVote
from participation.councils.service import add_host, by_slug, create_council
from participation.db import session_scope
from participation.phones import phone_key
from participation.questionnaires.builder import options_of
from participation.questionnaires.models import QuestionnaireResponse
from participation.questionnaires.tallies import question_results
from tests.conftest import TEST_SECRET
from tests.contributions.test_votes import ALICE, last_code
from tests.factories import csrf_token, make_consultation, soup
from tests.moderation.helpers import form_data
from tests.questionnaires.helpers import five_questions, form_fields


@pytest.fixture
def survey(engine):
    consultation = make_consultation(engine, poll=["yes", "no"])
    return consultation, five_questions(engine, consultation)


def _path(consultation, lang="de"):
    return f"/{lang}/c/{consultation.slug}/questions"


def _options(engine, question_id):
    with session_scope(engine) as session:
        return [o.id for o in options_of(session, [question_id])[question_id]]


def _answers(engine, ids):
    single, multi = _options(engine, ids["single"]), _options(engine, ids["multi"])
    return {
        f"q-{ids['single']}": str(single[0]),
        f"q-{ids['multi']}": [str(multi[0]), str(multi[1])],
        f"q-{ids['scale']}": "5",
        f"q-{ids['yes_no']}": "yes",
        f"q-{ids['age']}": "42",
        f"q-{ids['text']}": "Mehr Schatten.",
    }


def _send(client, consultation, data, token=True):
    path = _path(consultation)
    if token:
        data = {"csrf_token": csrf_token(client, path), **data}
    return client.post(path, data=data)


def _responses(engine):
    with session_scope(engine) as session:
        return session.exec(select(QuestionnaireResponse)).all()


def test_every_question_is_a_fieldset_with_its_legend(client, engine, survey):
    consultation, ids = survey
    html = soup(client.get(_path(consultation)).text)
    fieldsets = html.select("form fieldset.question")
    # Seven questions (five kinds, a number and the poll): five on the first page.
    assert len(fieldsets) == 5
    assert all(f.find("legend") for f in fieldsets)
    numbers = [f.legend.get_text().strip().split(".")[0] for f in fieldsets]
    assert numbers == ["1", "2", "3", "4", "5"]
    assert "Wie kommen Sie?" in html.find(id=f"field-q-{ids['single']}").legend.get_text()
    english = soup(client.get(_path(consultation, "en")).text)
    scale = english.find(id=f"field-q-{ids['scale']}")
    assert scale.legend["lang"] == "de" and "Wie zufrieden?" in scale.legend.get_text()
    assert english.find(id=f"field-q-{ids['single']}").legend.get("lang") is None


def test_missing_answers_come_back_marked_with_what_was_given(client, engine, survey):
    consultation, ids = survey
    given = _answers(engine, ids)
    del given[f"q-{ids['single']}"]
    given[f"q-{ids['age']}"] = "7"
    refused = _send(client, consultation, {**given, "phone": ALICE})
    assert refused.status_code == 422
    html = soup(refused.text)
    # The first page with a problem, with only its own messages (their fields are here).
    summary = [a["href"] for a in html.select(".error-summary a")]
    assert summary == [f"#field-q-{ids['single']}"]
    single = html.find(id=f"field-q-{ids['single']}")
    assert f"error-q-{ids['single']}" in single["aria-describedby"]
    kept = html.find("input", attrs={"type": "hidden", "name": f"q-{ids['text']}"})
    assert kept["value"] == "Mehr Schatten."
    checked = html.select(f"input[name='q-{ids['multi']}'][checked]")
    assert len(checked) == 2
    assert html.find("input", attrs={"name": "phone"})["value"] == ALICE
    # Answered, the first page leads on to the second, where the age's message waits.
    form = html.find("form", action=lambda a: a and a.endswith("/questions"))
    chosen = str(_options(engine, ids["single"])[0])
    data = form_fields(form, go="next", **{f"q-{ids['single']}": chosen})
    second = soup(client.post(form["action"], data=data).text)
    form = second.find("form", action=lambda a: a and a.endswith("/questions"))
    refused = client.post(form["action"], data=form_fields(form, go="send"))
    assert refused.status_code == 422
    html = soup(refused.text)
    assert [a["href"] for a in html.select(".error-summary a")] == [f"#field-q-{ids['age']}"]
    assert html.find(id=f"error-q-{ids['age']}").get_text().strip()
    assert html.find("textarea", attrs={"name": f"q-{ids['text']}"}).get_text() == "Mehr Schatten."
    assert _responses(engine) == []


def test_a_response_confirmed_by_code_counts_as_that_numbers_voter(client, engine, survey):
    consultation, ids = survey
    asked = _send(client, consultation, {**_answers(engine, ids), "phone": ALICE})
    assert asked.status_code == 200, asked.text[-1500:]
    form = soup(asked.text).find("form", action=lambda a: a and a.endswith("/questions/confirm"))
    done = client.post(form["action"], data=form_data(form, code=last_code(engine, ALICE)))
    assert done.status_code == 200, done.text[-1500:]
    (response,) = _responses(engine)
    assert response.voter_key == phone_key(TEST_SECRET, ALICE)
    assert response.reference[:4] in done.text.replace("-", "")
    with session_scope(engine) as session:
        results = {r.question.id: r for r in question_results(session, consultation, "de")}
        text = session.exec(select(Contribution)).one()
    assert results[ids["scale"]].counts == {5: 1}
    assert text.question_id == ids["text"]
    # The code is spent: the same form again stores nothing more.
    again = client.post(form["action"], data=form_data(form, code=last_code(engine, ALICE)))
    assert again.status_code == 422 and len(_responses(engine)) == 1


def test_a_hostile_outsider_gets_nothing_stored(client, engine, survey):
    consultation, ids = survey
    other = make_consultation(engine)
    foreign = five_questions(engine, other)
    alien = _options(engine, foreign["single"])[0]
    tampered = {**_answers(engine, ids), f"q-{ids['single']}": str(alien), "phone": ALICE}
    refused = _send(client, consultation, tampered)
    assert refused.status_code == 422
    assert soup(refused.text).find(id=f"error-q-{ids['single']}")
    oversize = {**_answers(engine, ids), f"q-{ids['text']}": "x" * 50_000, "phone": ALICE}
    assert _send(client, consultation, oversize).status_code == 422
    assert (
        _send(
            client, consultation, {**_answers(engine, ids), "phone": ALICE}, token=False
        ).status_code
        == 403
    )
    # A signed answer set tampered with in the browser is refused as a whole.
    asked = _send(client, consultation, {**_answers(engine, ids), "phone": ALICE})
    form = soup(asked.text).find("form", action=lambda a: a and a.endswith("/questions/confirm"))
    data = form_data(form, code=last_code(engine, ALICE))
    data["answers"] = data["answers"][:-3] + "AAA"
    assert client.post(form["action"], data=data).status_code == 422
    with session_scope(engine) as session:
        assert session.exec(select(QuestionnaireResponse)).all() == []
        assert session.exec(select(Contribution)).all() == []
        assert session.exec(select(PollVote)).all() == []


def test_a_curious_resident_sees_no_draft_and_cannot_answer_other_questions(client, engine, survey):
    consultation, ids = survey
    draft = make_consultation(engine, phase="draft")
    five_questions(engine, draft)
    assert client.get(_path(draft)).status_code == 404
    bare = make_consultation(engine)
    assert client.get(_path(bare)).status_code == 404
    other = make_consultation(engine)
    foreign = five_questions(engine, other)
    extra = {**_answers(engine, ids), f"q-{foreign['text']}": "Fremd", "phone": ALICE}
    asked = _send(client, consultation, extra)
    form = soup(asked.text).find("form", action=lambda a: a and a.endswith("/questions/confirm"))
    assert (
        client.post(form["action"], data=form_data(form, code=last_code(engine, ALICE))).status_code
        == 200
    )
    with session_scope(engine) as session:
        assert session.exec(select(Contribution.body)).all() == ["Mehr Schatten."]


def test_another_councils_questionnaire_is_not_found_on_this_host(app, engine):
    with session_scope(engine, write=True) as session:
        add_host(session, by_slug(session, "council"), "musterstadt.localhost")
        other = create_council(
            session, "beispieldorf", "Gemeinde Beispieldorf", hosts=["beispieldorf.localhost"]
        ).id
    app.state.councils.expire()
    theirs = make_consultation(engine, title="Dorfteich", council_id=other)
    five_questions(engine, theirs, council_id=other)
    mine = make_consultation(engine, title="Marktplatz", council_id=1)
    five_questions(engine, mine, council_id=1)
    with TestClient(app, base_url="https://musterstadt.localhost") as ours:
        assert ours.get(_path(theirs)).status_code == 404
        token = csrf_token(ours, _path(mine))
        sent = ours.post(_path(theirs), data={"csrf_token": token, "phone": ALICE})
        assert sent.status_code == 404
    with TestClient(app, base_url="https://beispieldorf.localhost") as dorf:
        assert dorf.get(_path(theirs)).status_code == 200


def test_the_consultation_page_leads_to_the_questionnaire_and_back(client, engine, survey):
    consultation, _ids = survey
    page = soup(client.get(f"/de/c/{consultation.slug}").text)
    section = page.find(id="questionnaire-link")
    heading = section.find("h2")
    assert section["aria-labelledby"] == heading["id"]
    link = section.find("a")
    assert link["href"] == _path(consultation) and "7" in link.get_text()
    questionnaire = soup(client.get(link["href"]).text)
    back = questionnaire.find("a", href=f"/de/c/{consultation.slug}")
    assert back is not None and back.get_text().strip()
    # A poll alone is voted on the consultation's page: no link to a questionnaire.
    poll_only = make_consultation(engine, poll=["ja", "nein"])
    assert soup(client.get(f"/de/c/{poll_only.slug}").text).find(id="questionnaire-link") is None
