"""The question builder's staff page: plain forms, editors and admins only, the council's own."""

from __future__ import annotations

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from participation.accounts.models import Role
from participation.contributions.models import Channel
from participation.contributions.votes import Voter
from participation.councils.service import add_host, by_slug, create_council
from participation.db import session_scope
from participation.moderation.models import AuditEvent
from participation.questionnaires.builder import questions_of, texts_of
from participation.questionnaires.models import Question
from participation.questionnaires.responses import submit_response
from tests.factories import csrf_token, log_in_as, login, make_consultation, make_staff, soup
from tests.moderation.helpers import form_data
from tests.questionnaires.helpers import five_questions


def _path(consultation, question_id=None, action=""):
    path = f"/de/staff/consultations/{consultation.id}/questions"
    if question_id is not None:
        path += f"/{question_id}"
    return path + (f"/{action}" if action else "")


def _add(client, consultation, **fields):
    path = _path(consultation)
    data = {"csrf_token": csrf_token(client, path), "kind": "single_choice", **fields}
    return client.post(path, data=data, follow_redirects=False)


def _questions(engine, consultation):
    with session_scope(engine) as session:
        questions = questions_of(session, consultation.id)
        texts = texts_of(session, [q.id for q in questions])
        return [
            (q.id, q.kind, next((t.prompt for t in texts.get(q.id, []) if t.locale == "de"), ""))
            for q in questions
        ]


def test_an_editor_builds_and_reorders_questions_without_javascript(client, engine):
    consultation = make_consultation(engine, phase="draft")
    login(client, engine, Role.editor)
    added = _add(
        client,
        consultation,
        **{"prompt:de": "Wie kommen Sie?", "options:de": "Rad\nBus\n", "options:en": "Bike\nBus"},
    )
    assert added.status_code == 303, added.text[:800]
    assert (
        _add(client, consultation, kind="scale", **{"prompt:de": "Wie zufrieden?"}).status_code
        == 303
    )
    first, second = _questions(engine, consultation)
    assert first[1:] == ("single_choice", "Wie kommen Sie?")
    path = _path(consultation, second[0], "move")
    moved = client.post(
        path, data={"csrf_token": csrf_token(client, _path(consultation)), "step": "up"}
    )
    assert moved.status_code == 200
    assert [q[0] for q in _questions(engine, consultation)] == [second[0], first[0]]
    page = soup(client.get(_path(consultation)).text)
    assert [li["id"] for li in page.select("ol.questions > li")] == [
        f"question-{second[0]}",
        f"question-{first[0]}",
    ]
    removed = client.post(
        _path(consultation, second[0], "remove"),
        data={"csrf_token": csrf_token(client, _path(consultation))},
    )
    assert removed.status_code == 200
    assert [q[0] for q in _questions(engine, consultation)] == [first[0]]


def test_a_refused_question_comes_back_with_what_was_typed(client, engine):
    consultation = make_consultation(engine, phase="draft")
    login(client, engine, Role.admin)
    refused = _add(client, consultation, **{"prompt:de": "Nur eine Option?", "options:de": "Ja"})
    assert refused.status_code == 422
    html = soup(refused.text)
    assert html.select_one(".error-summary a[href='#field-question']")
    assert html.find("input", attrs={"name": "prompt:de"})["value"] == "Nur eine Option?"
    bad = _add(client, consultation, kind="number", max_value="zwölf", **{"prompt:de": "Alter?"})
    assert bad.status_code == 422
    field = soup(bad.text).find("input", attrs={"name": "max_value"})
    assert field["aria-invalid"] == "true" and "error-max_value" in field["aria-describedby"]
    assert _questions(engine, consultation) == []


def test_once_answered_a_question_is_reworded_in_place_but_keeps_its_kind(client, engine):
    consultation = make_consultation(engine)
    ids = five_questions(engine, consultation)
    # One answer to the scale question (the required ones answered too).
    single = _option_ids(engine, ids["single"])
    with session_scope(engine, write=True) as session:
        submit_response(
            session,
            consultation,
            {ids["scale"]: ["3"], ids["single"]: [str(single[0])], ids["yes_no"]: ["no"]},
            Channel.sms,
            "de",
            Voter("v" * 64),
        )
    login(client, engine, Role.editor)
    path = _path(consultation, ids["scale"])
    form = soup(client.get(path).text).find("form", action=lambda a: a and a.endswith(path))
    data = form_data(form)
    reworded = client.post(
        path, data={**data, "prompt:de": "Wie zufrieden sind Sie?"}, follow_redirects=False
    )
    assert reworded.status_code == 303
    changed = client.post(path, data={**data, "kind": "free_text"})
    assert changed.status_code == 422
    removed = client.post(
        _path(consultation, ids["scale"], "remove"), data={"csrf_token": data["csrf_token"]}
    )
    assert removed.status_code == 409
    with session_scope(engine) as session:
        question = session.get_one(Question, ids["scale"])
        events = session.exec(
            select(AuditEvent).where(AuditEvent.action == "question.reword")
        ).all()
    assert question.kind == "scale"
    assert [q for q in _questions(engine, consultation) if q[0] == ids["scale"]] == [
        (ids["scale"], "scale", "Wie zufrieden sind Sie?")
    ]
    assert len(events) == 1 and events[0].object_id == str(ids["scale"])
    assert "Wie zufrieden?" in str(events[0].detail) and "Wie zufrieden sind Sie?" in str(
        events[0].detail
    )


def _option_ids(engine, question_id):
    from participation.questionnaires.builder import options_of

    with session_scope(engine) as session:
        return [o.id for o in options_of(session, [question_id]).get(question_id, [])]


def test_a_moderator_may_not_build_questions(client, engine):
    consultation = make_consultation(engine, phase="draft")
    login(client, engine, Role.moderator)
    assert client.get(_path(consultation)).status_code == 403
    token = csrf_token(client, "/de/staff/")
    sent = client.post(
        _path(consultation), data={"csrf_token": token, "kind": "yes_no", "prompt:de": "X?"}
    )
    assert sent.status_code == 403
    assert _questions(engine, consultation) == []


def test_without_a_form_token_nothing_is_added(client, engine):
    consultation = make_consultation(engine, phase="draft")
    login(client, engine, Role.admin)
    sent = client.post(
        _path(consultation), data={"kind": "yes_no", "prompt:de": "Wohnen Sie hier?"}
    )
    assert sent.status_code == 403
    assert _questions(engine, consultation) == []


def test_another_consultations_question_is_not_found_here(client, engine):
    ours = make_consultation(engine, phase="draft")
    other = make_consultation(engine, phase="draft")
    theirs = five_questions(engine, other)
    login(client, engine, Role.admin)
    assert client.get(_path(ours, theirs["scale"])).status_code == 404
    token = csrf_token(client, _path(ours))
    for action in ("move", "remove"):
        sent = client.post(
            _path(ours, theirs["scale"], action), data={"csrf_token": token, "step": "up"}
        )
        assert sent.status_code == 404
    assert len(_questions(engine, other)) == 6


@pytest.fixture
def two_councils(app, engine):
    with session_scope(engine, write=True) as session:
        add_host(session, by_slug(session, "council"), "musterstadt.localhost")
        other = create_council(
            session, "beispieldorf", "Gemeinde Beispieldorf", hosts=["beispieldorf.localhost"]
        ).id
    app.state.councils.expire()
    theirs = make_consultation(engine, title="Dorfteich", council_id=other, phase="draft")
    return theirs, other


def test_another_councils_staff_finds_no_questions_here(app, engine, two_councils):
    theirs, other = two_councils
    ids = five_questions(engine, theirs, council_id=other)
    admin = make_staff(engine, Role.admin, council_id=1)
    with TestClient(app, base_url="https://musterstadt.localhost") as ours:
        assert log_in_as(ours, admin.email) == 303
        assert ours.get(_path(theirs)).status_code == 404
        assert ours.get(_path(theirs, ids["scale"])).status_code == 404
        token = csrf_token(ours, "/de/staff/")
        sent = ours.post(
            _path(theirs), data={"csrf_token": token, "kind": "yes_no", "prompt:de": "X?"}
        )
        assert sent.status_code == 404
        sent = ours.post(_path(theirs, ids["text"], "remove"), data={"csrf_token": token})
        assert sent.status_code == 404
    with session_scope(engine) as session:
        assert len(questions_of(session, theirs.id)) == 6


def test_the_set_up_leads_to_its_questions(client, engine):
    # The "how people answer" step, where a clerk decides what to ask.
    consultation = make_consultation(engine, phase="draft")
    login(client, engine, Role.editor)
    html = soup(client.get(f"/de/staff/consultations/{consultation.id}/setup/answers").text)
    assert html.find("a", href=_path(consultation))
