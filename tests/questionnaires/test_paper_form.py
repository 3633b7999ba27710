"""The printable questionnaire: every question and option with a box to tick, the code,
a QR code to the web questionnaire, the council's address with the freepost line; in
German and in Arabic (right to left, German marked where a question has no Arabic)."""

from __future__ import annotations

import pytest

from participation.accounts.models import Role
from participation.councils.service import create_council
from participation.db import session_scope
from participation.questionnaires.builder import options_of
from tests.factories import login, make_consultation
from tests.moderation.helpers import page
from tests.questionnaires.helpers import five_questions


@pytest.fixture
def survey(engine):
    consultation = make_consultation(engine, poll=["yes", "no"])
    ids = five_questions(engine, consultation)
    return consultation, ids


def _labels(engine, question_id):
    with session_scope(engine) as session:
        return [o.labels["de"] for o in options_of(session, [question_id])[question_id]]


def _check_form(html, engine, consultation, ids):
    form = html.find("article", class_="paper-form")
    questions = form.find_all("li", class_="paper-question")
    assert len(questions) == 7  # the poll and six questions
    by_id = {q["id"].removeprefix("paper-q-"): q for q in questions}
    for name in ("single", "multi"):
        shown = by_id[str(ids[name])]
        choices = shown.find_all("li", class_="paper-choice")
        assert [c.find_all("span")[-1].get_text() for c in choices] == _labels(engine, ids[name])
        assert all(c.find("span", class_="paper-box") for c in choices)
        numbers = [c.find(class_="paper-option-number").get_text() for c in choices]
        assert numbers == ["1", "2", "3"]
    poll = questions[0]
    assert len(poll.find_all("span", class_="paper-box")) == 2
    scale = by_id[str(ids["scale"])]
    assert [c["data-value"] for c in scale.find_all("li", class_="paper-choice")] == [
        "1",
        "2",
        "3",
        "4",
        "5",
    ]
    ends = [e.get_text() for e in scale.find_all(class_="paper-scale-end")]
    assert ends == ["gar nicht", "sehr"]
    yes_no = by_id[str(ids["yes_no"])]
    assert len(yes_no.find_all("span", class_="paper-box")) == 2
    # 14 to 120: three boxes for the digits.
    assert len(by_id[str(ids["age"])].find_all("span", class_="paper-digit")) == 3
    assert len(by_id[str(ids["text"])].find_all("span", class_="paper-line")) >= 4
    assert form.find(class_="qr-code").find("svg") is not None
    assert form.find(class_="paper-code").get_text(strip=True).endswith(consultation.code)
    address = form.find("address", class_="paper-address").get_text(" ", strip=True)
    assert "Marktplatz 1" in address and "31134 Musterstadt" in address
    url = form.find(class_="paper-url").get_text()
    assert url.endswith(f"/c/{consultation.slug}/questions")
    return by_id


def test_paper_form_in_german(client, engine, survey):
    consultation, ids = survey
    questionnaire = page(client, f"/de/c/{consultation.slug}/questions")
    link = questionnaire.find("a", href=f"/de/c/{consultation.slug}/questions/paper")
    assert link is not None
    html = page(client, link["href"])
    assert html.find("html")["lang"] == "de" and html.find("html")["dir"] == "ltr"
    by_id = _check_form(html, engine, consultation, ids)
    assert "/de/c/" in html.find(class_="paper-url").get_text()
    assert html.find(class_="paper-freepost").get_text(strip=True) == "Porto zahlt Empfänger"
    rule = by_id[str(ids["multi"])].find(class_="paper-rule").get_text(strip=True)
    assert rule == "Kreuzen Sie höchstens 2 Kästchen an."
    assert not html.find_all(class_="paper-fallback")


def test_paper_form_in_arabic_is_right_to_left_with_german_marked(client, engine, survey):
    consultation, ids = survey
    html = page(client, f"/ar/c/{consultation.slug}/questions/paper")
    assert html.find("html")["lang"] == "ar" and html.find("html")["dir"] == "rtl"
    by_id = _check_form(html, engine, consultation, ids)
    assert "/ar/c/" in html.find(class_="paper-url").get_text()
    # No Arabic words for the questions yet: the German ones, marked as German.
    single = by_id[str(ids["single"])]
    prompt = single.find(class_="paper-prompt").find("span", lang="de")
    assert prompt is not None and prompt["dir"] == "ltr" and prompt.get_text() == "Wie kommen Sie?"
    assert single.find(class_="paper-fallback") is not None
    assert html.find(class_="paper-freepost").get_text(strip=True) != "Porto zahlt Empfänger"


def test_a_question_in_the_readers_language_is_not_marked(client, engine, survey):
    consultation, ids = survey
    html = page(client, f"/en/c/{consultation.slug}/questions/paper")
    single = html.find("li", id=f"paper-q-{ids['single']}")
    assert (
        single.find(class_="paper-prompt")
        .get_text(" ", strip=True)
        .startswith("2. How do you come?")
    )
    assert single.find(class_="paper-fallback") is None


def test_staff_print_the_form_in_each_language_in_any_phase(client, engine):
    consultation = make_consultation(engine, phase="draft", poll=["yes", "no"])
    ids = five_questions(engine, consultation)
    # Not public yet: the residents' address has no form, the staff's has.
    assert client.get(f"/de/c/{consultation.slug}/questions/paper").status_code == 404
    login(client, engine, Role.editor)
    builder = page(client, f"/de/staff/consultations/{consultation.id}/questions")
    link = builder.find("a", href=f"/de/staff/consultations/{consultation.id}/questions/paper")
    assert link is not None
    html = page(client, link["href"])
    _check_form(html, engine, consultation, ids)
    switch = html.find(class_="paper-tools").find("a", lang="ar")
    arabic = page(client, switch["href"])
    assert arabic.find("html")["dir"] == "rtl"
    _check_form(arabic, engine, consultation, ids)


def test_staff_form_of_another_council_or_without_questions_is_not_found(client, engine):
    with session_scope(engine, write=True) as session:
        other = create_council(session, "beispieldorf", "Gemeinde Beispieldorf").id
    theirs = make_consultation(engine, title="Dorfteich", council_id=other)
    five_questions(engine, theirs, council_id=other)
    # The poll alone is a questionnaire of one question.
    bare = make_consultation(engine, poll=["yes", "no"])
    anonymous = client.get(
        f"/de/staff/consultations/{bare.id}/questions/paper", follow_redirects=False
    )
    assert anonymous.status_code == 303 and "/staff/login" in anonymous.headers["location"]
    login(client, engine, Role.moderator)
    assert client.get(f"/de/staff/consultations/{theirs.id}/questions/paper").status_code == 404
    assert client.get(f"/de/staff/consultations/{bare.id}/questions/paper").status_code == 200
    empty = make_consultation(engine)
    assert client.get(f"/de/staff/consultations/{empty.id}/questions/paper").status_code == 404
