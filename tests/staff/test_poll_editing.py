"""Editors cannot destroy or rewrite what people answered.

Once anybody voted, the poll's options stay (no switching off, removing, adding or
swapping their meaning); a wording fix keeps the option and its votes and is audited
with before and after; a published result's poll is frozen until it is withdrawn.
"""

from __future__ import annotations

from sqlmodel import select

from participation.accounts.models import Role
from participation.clock import utcnow
from participation.consultations.models import Consultation, PollOption
from participation.contributions.models import PollVote
from participation.db import session_scope
from participation.moderation.models import AuditEvent
from participation.results.service import summarise
from tests.channels.sms.conftest import send_sms
from tests.factories import edit_consultation, login, make_consultation, soup


def _options(engine, consultation) -> list[tuple[int, dict]]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(PollOption)
            .where(PollOption.consultation_id == consultation.id)
            .order_by(PollOption.position)
        ).all()
        return [(o.id, dict(o.labels)) for o in rows]


def _events(engine, action: str) -> list[AuditEvent]:
    with session_scope(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def _own_answers_with_a_vote(client, engine, code):
    consultation = make_consultation(engine, code=code)
    login(client, engine, Role.editor)
    three = "Variante A\nVariante B\nVariante C"
    assert (
        edit_consultation(client, consultation, poll_kind="choices", poll_choices=three).status_code
        == 303
    )
    client.cookies.clear()
    send_sms(client, f"{code} 1", "+4915111111111")
    login(client, engine, Role.editor)
    return consultation


def test_poll_options_may_change_freely_before_anybody_votes(client, engine):
    consultation = make_consultation(engine, poll=["yes", "no"])
    login(client, engine, Role.editor)
    assert edit_consultation(client, consultation, poll_kind="yesnoundecided").status_code == 303
    assert len(_options(engine, consultation)) == 3
    assert edit_consultation(client, consultation, poll_kind="none").status_code == 303
    assert _options(engine, consultation) == []


def test_a_wording_fix_keeps_the_option_and_its_votes_and_is_audited(client, engine):
    consultation = _own_answers_with_a_vote(client, engine, "4731")
    form = soup(client.get(f"/en/staff/consultations/{consultation.id}/setup/answers").text)
    assert "can only be reworded" in form.find(id="field-poll_kind").get_text()
    before = _options(engine, consultation)
    fixed = "Variante A (mit Bäumen)\nVariante B\nVariante C"
    response = edit_consultation(client, consultation, poll_choices=fixed)
    assert response.status_code == 303, response.text
    after = _options(engine, consultation)
    assert [i for i, _labels in after] == [i for i, _labels in before]
    assert after[0][1] == {"de": "Variante A (mit Bäumen)"}
    with session_scope(engine) as session:
        (vote,) = session.exec(select(PollVote)).all()
        assert vote.option_id == before[0][0]
    (event,) = _events(engine, "poll_option.relabel")
    assert event.object_id == str(before[0][0])
    assert event.detail["before"] == {"de": "Variante A"}
    assert event.detail["after"] == {"de": "Variante A (mit Bäumen)"}
    assert event.staff_id is not None


def test_options_with_votes_cannot_be_removed_added_or_swapped(client, engine):
    consultation = _own_answers_with_a_vote(client, engine, "4732")
    before = _options(engine, consultation)
    for changes in (
        {"poll_choices": "Variante A\nVariante B"},  # removing C
        {"poll_choices": "Variante A\nVariante B\nVariante C\nVariante D"},  # adding D
        {"poll_choices": "Variante B\nVariante A\nVariante C"},  # moving A's votes to B
        {"poll_kind": "yesno"},  # another kind of poll
        {"poll_kind": "none"},  # switching it off
    ):
        response = edit_consultation(client, consultation, **changes)
        assert response.status_code == 422, changes
        summary = soup(response.text).find(class_="error-summary")
        assert summary.find("a")["href"] == "#field-poll_kind"
        assert _options(engine, consultation) == before
    # What was typed elsewhere is not saved half-way either.
    assert _events(engine, "poll_option.relabel") == []
    with session_scope(engine) as session:
        assert len(session.exec(select(PollVote)).all()) == 1


def test_a_published_result_is_frozen_until_withdrawn(client, engine):
    consultation = _own_answers_with_a_vote(client, engine, "4733")
    with session_scope(engine, write=True) as session:
        row = session.get(Consultation, consultation.id)
        row.closes_at = utcnow()
        row.results_published_at = utcnow()
        session.add(row)
    before = _options(engine, consultation)
    fix = edit_consultation(
        client, consultation, poll_choices="Variante A (neu)\nVariante B\nVariante C"
    )
    assert fix.status_code == 422
    assert "zurück" in soup(fix.text).find(id="error-poll_kind").get_text()
    assert _options(engine, consultation) == before
    public = soup(client.get(f"/de/c/{consultation.slug}/results").text)
    assert "Variante A" in public.find("table", class_="chart-data").get_text()

    # Withdrawn (audited), the wording can be fixed; the vote stays where it was.
    login(client, engine, Role.moderator)
    staff_page = soup(client.get(f"/de/staff/consultations/{consultation.id}/results").text)
    withdraw = staff_page.find("form", action=lambda a: a and a.endswith("/withdraw-results"))
    response = client.post(
        withdraw["action"],
        data={"csrf_token": withdraw.find("input", attrs={"name": "csrf_token"})["value"]},
        follow_redirects=False,
    )
    assert response.status_code == 303
    (event,) = _events(engine, "results.withdraw")
    assert event.object_id == str(consultation.id)
    login(client, engine, Role.editor)
    fixed = "Variante A (neu)\nVariante B\nVariante C"
    assert edit_consultation(client, consultation, poll_choices=fixed).status_code == 303
    with session_scope(engine) as session:
        summary = summarise(session, session.get(Consultation, consultation.id))
    assert [(o.label("de"), n) for o, n in summary.poll] == [
        ("Variante A (neu)", 1),
        ("Variante B", 0),
        ("Variante C", 0),
    ]
