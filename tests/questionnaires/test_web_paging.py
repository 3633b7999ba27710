"""A long questionnaire on the web, a page at a time: Next checks only its page, Back
keeps everything, the other pages' answers travel in the form, the whole response is
stored once at the end; and the form's guards against bots and floods of codes."""

from __future__ import annotations

import pytest
from sqlmodel import select

from participation.contributions import vote_codes
from participation.contributions.models import Contribution, PollVote
from participation.contributions.vote_codes import VoteCode
from participation.db import session_scope
from participation.questionnaires.builder import options_of
from participation.questionnaires.models import QuestionnaireAnswer, QuestionnaireResponse
from participation.questionnaires.pages import PAGE_SIZE
from tests.contributions.test_votes import ALICE, last_code
from tests.factories import csrf_token, make_consultation, soup
from tests.questionnaires.helpers import five_questions, form_fields


@pytest.fixture
def survey(engine):
    consultation = make_consultation(engine, poll=["ja", "nein"])
    return consultation, five_questions(engine, consultation)


def _path(consultation):
    return f"/de/c/{consultation.slug}/questions"


def _form(html):
    return html.find("form", action=lambda a: a and a.endswith("/questions"))


def _option(engine, question_id, index=0):
    with session_scope(engine) as session:
        return str(options_of(session, [question_id])[question_id][index].id)


def _all(engine, model):
    with session_scope(engine) as session:
        return session.exec(select(model)).all()


def _first_page(client, engine, consultation, ids):
    html = soup(client.get(_path(consultation)).text)
    return form_fields(
        _form(html),
        **{
            f"q-{ids['single']}": _option(engine, ids["single"], 1),
            f"q-{ids['scale']}": "2",
            f"q-{ids['yes_no']}": "no",
        },
    )


def test_pages_of_five_with_a_progress_heading_and_numbers_that_run_on(client, engine, survey):
    consultation, ids = survey
    html = soup(client.get(_path(consultation)).text)
    heading = html.find(id="page-heading")
    assert heading.name == "h2" and heading.has_attr("data-swap-focus")
    assert "1" in heading.get_text() and "2" in heading.get_text()
    assert len(html.select("fieldset.question")) == PAGE_SIZE
    assert html.find("input", attrs={"name": "phone"}) is None
    buttons = [(b["name"], b["value"]) for b in html.select("form button")]
    assert buttons == [("go", "next")]
    data = _first_page(client, engine, consultation, ids)
    data["go"] = ["next"]
    second = client.post(_path(consultation), data=data)
    assert second.status_code == 200
    page = soup(second.text)
    legends = [f.legend.get_text().strip() for f in page.select("fieldset.question")]
    assert [text.split(".")[0] for text in legends] == ["6", "7"]
    assert page.find("input", attrs={"name": "phone", "type": "tel"})
    assert [b["value"] for b in page.select("form button")] == ["send", "back"]
    # Nothing is stored while turning pages.
    assert _all(engine, QuestionnaireResponse) == [] and _all(engine, PollVote) == []


def test_back_keeps_every_answer_and_the_end_stores_all_pages_once(client, engine, survey):
    consultation, ids = survey
    data = _first_page(client, engine, consultation, ids)
    second = soup(client.post(_path(consultation), data={**data, "go": ["next"]}).text)
    data = form_fields(
        _form(second),
        go="back",
        phone=ALICE,
        **{f"q-{ids['age']}": "30", f"q-{ids['text']}": "Mehr Bänke."},
    )
    first = soup(client.post(_path(consultation), data=data).text)
    assert first.select_one(f"#q-{ids['yes_no']}-no").has_attr("checked")
    assert first.select_one(f"#q-{ids['scale']}-2").has_attr("checked")
    hidden = first.find("input", attrs={"type": "hidden", "name": f"q-{ids['text']}"})
    assert hidden["value"] == "Mehr Bänke."
    again = soup(client.post(_path(consultation), data=form_fields(_form(first), go="next")).text)
    assert again.find(id=f"q-{ids['age']}-value")["value"] == "30"
    assert again.find(id="field-phone")["value"] == ALICE
    asked = client.post(_path(consultation), data=form_fields(_form(again), go="send"))
    assert asked.status_code == 200, asked.text[-800:]
    confirm = soup(asked.text).find("form", action=lambda a: a and a.endswith("/confirm"))
    done = client.post(confirm["action"], data=form_fields(confirm, code=last_code(engine, ALICE)))
    assert done.status_code == 200
    assert len(_all(engine, QuestionnaireResponse)) == 1
    numbers = {a.question_id: a.number for a in _all(engine, QuestionnaireAnswer)}
    assert numbers[ids["scale"]] == 2 and numbers[ids["yes_no"]] == 0
    assert numbers[ids["age"]] == 30
    (text,) = _all(engine, Contribution)
    assert text.body == "Mehr Bänke." and text.question_id == ids["text"]


def test_next_checks_only_its_page(client, engine, survey):
    consultation, ids = survey
    data = _first_page(client, engine, consultation, ids)
    del data[f"q-{ids['single']}"]  # required, on this page
    data[f"q-{ids['age']}"] = ["7"]  # out of range, but on the next page
    refused = client.post(_path(consultation), data={**data, "go": ["next"]})
    assert refused.status_code == 422
    html = soup(refused.text)
    assert [a["href"] for a in html.select(".error-summary a")] == [f"#field-q-{ids['single']}"]
    assert html.find("input", attrs={"name": "page"})["value"] == "1"
    assert html.select_one(f"#q-{ids['scale']}-2").has_attr("checked")


def test_with_htmx_a_page_turn_swaps_only_the_form(client, engine, survey):
    consultation, ids = survey
    data = _first_page(client, engine, consultation, ids)
    turned = client.post(
        _path(consultation), data={**data, "go": ["next"]}, headers={"HX-Request": "true"}
    )
    assert turned.status_code == 200 and "HX-Request" in turned.headers["vary"]
    html = soup(turned.text)
    assert html.find("html") is None and html.find("h1") is None
    root = html.find(id="questionnaire")
    assert root.find(id="page-heading").has_attr("data-swap-focus")
    next_button = soup(client.get(_path(consultation)).text).find("button", value="next")
    assert next_button["hx-target"] == "#questionnaire" and next_button["hx-post"]


@pytest.mark.parametrize("page", ["", "abc", "0", "999", "-1", "9" * 50])
def test_any_page_number_gives_a_page_never_an_error(client, engine, survey, page):
    consultation, _ids = survey
    data = {"csrf_token": csrf_token(client, _path(consultation)), "page": page}
    for move in ("next", "back"):
        response = client.post(_path(consultation), data={**data, "go": move})
        assert response.status_code in (200, 422)
        assert soup(response.text).find(id="page-heading")


def test_turning_a_page_needs_the_form_token(client, engine, survey):
    consultation, ids = survey
    data = _first_page(client, engine, consultation, ids)
    data.pop("csrf_token")
    assert client.post(_path(consultation), data={**data, "go": ["next"]}).status_code == 403


def _last_page(client, engine, consultation, ids, phone):
    data = _first_page(client, engine, consultation, ids)
    second = soup(client.post(_path(consultation), data={**data, "go": ["next"]}).text)
    return form_fields(_form(second), go="send", phone=phone)


def test_a_bot_filling_the_hidden_field_gets_no_code_sent(client, engine, survey):
    consultation, ids = survey
    data = _last_page(client, engine, consultation, ids, ALICE)
    data["website"] = ["http://spam.example"]
    response = client.post(_path(consultation), data=data)
    assert soup(response.text).find("form", action=lambda a: a and a.endswith("/confirm")) is None
    assert _all(engine, VoteCode) == []


def test_a_flood_of_responses_from_one_address_is_stopped(client, engine, survey, monkeypatch):
    """Every web response needs a code by SMS, and one address gets only so many codes
    an hour (as for the poll's web vote): a script cannot send response after response."""
    consultation, ids = survey
    monkeypatch.setattr(vote_codes, "CODES_PER_CLIENT", 3)
    statuses = []
    for n in range(5):
        data = _last_page(client, engine, consultation, ids, f"+4915111111{n:03d}")
        statuses.append(client.post(_path(consultation), data=data).status_code)
    assert statuses == [200, 200, 200, 422, 422]
    refused = soup(client.post(_path(consultation), data=data).text)
    assert refused.find(id="error-phone").get_text().strip()
    assert refused.find(id="field-phone")  # on the last page, beside the number
    assert len(_all(engine, VoteCode)) == 3
