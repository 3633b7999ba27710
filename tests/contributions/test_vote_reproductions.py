"""The poll could be stuffed and rewritten: the reproductions of the defect, end to end.

Each test drives the real doors (the web form, the signed SMS webhook, the phone line,
the staff form) on SQLite and PostgreSQL and counts what the result would say.
"""

from __future__ import annotations

from sqlmodel import func, select

from participation.accounts.models import Role
from participation.clock import set_now
from participation.contributions.models import Contribution, PollVote
from participation.db import session_scope
from participation.moderation.models import AuditEvent
from participation.results.service import summarise
from tests.channels.sms.conftest import send_sms
from tests.channels.voice.phone import to_consultation
from tests.factories import edit_consultation, login, make_consultation, soup


def _count(engine, model) -> int:
    with session_scope(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def _total_votes(engine, consultation) -> int:
    with session_scope(engine) as session:
        return summarise(session, consultation).total_votes


def test_a_hundred_anonymous_bare_web_answers_are_no_votes_and_no_queue_items(client, engine):
    consultation = make_consultation(engine, poll=["yes", "no"])
    page = soup(client.get(f"/de/c/{consultation.slug}").text)
    token = page.find("input", attrs={"name": "csrf_token"})["value"]
    with session_scope(engine) as session:
        first = session.exec(
            select(func.min(PollVote.option_id)).select_from(PollVote)
        ).one()  # no votes yet
    assert first is None
    for _ in range(100):
        response = client.post(
            f"/de/c/{consultation.slug}/contribute",
            data={"csrf_token": token, "body": "", "poll_option": "1"},
            follow_redirects=False,
        )
        assert response.status_code < 500
    assert _total_votes(engine, consultation) == 0
    assert _count(engine, PollVote) == 0
    assert _count(engine, Contribution) == 0


def test_phone_vote_makes_no_empty_queue_item(client, engine):
    from tests.channels.voice.conftest import WEDNESDAY_MORNING

    set_now(WEDNESDAY_MORNING)  # inside the phone line's hours
    consultation = make_consultation(engine, poll=["yes", "no"])
    call = to_consultation(client, from_number="+4915112345678")
    call.press("2")
    call.press("1")
    assert _total_votes(engine, consultation) == 1
    assert _count(engine, Contribution) == 0


def test_a_vote_whose_text_moderation_rejects_as_spam_is_not_counted(client, engine):
    consultation = make_consultation(engine, poll=["yes", "no"], code="4711")
    send_sms(client, "4711 JA billige Uhren unter uhren.example", "+4915111111111")
    send_sms(client, "4711 NEIN", "+4916022222222")
    assert _total_votes(engine, consultation) == 2
    login(client, engine, Role.moderator)
    with session_scope(engine) as session:
        spam = session.exec(select(Contribution)).one()
    page = soup(client.get("/de/staff/moderation").text)
    form = page.find("form", attrs={"action": f"/de/staff/moderation/{spam.id}/reject"})
    assert form is not None
    reasons = [o["value"] for o in form.find("select", attrs={"name": "reason"}).find_all("option")]
    assert "spam" in reasons
    rejected = client.post(
        form["action"],
        data={
            "csrf_token": form.find("input", attrs={"name": "csrf_token"})["value"],
            "reason": "spam",
        },
        follow_redirects=False,
    )
    assert rejected.status_code in (200, 303), rejected.text
    with session_scope(engine) as session:
        summary = summarise(session, consultation)
    assert summary.total_votes == 1
    assert {o.key: n for o, n in summary.poll} == {"yes": 0, "no": 1}


def test_switching_the_poll_off_keeps_every_vote(client, engine):
    consultation = make_consultation(engine, poll=["yes", "no"], code="4712")
    send_sms(client, "4712 JA", "+4915111111111")
    send_sms(client, "4712 NEIN", "+4916022222222")
    login(client, engine, Role.editor)
    response = edit_consultation(client, consultation, poll_kind="none")
    assert response.status_code == 422
    assert _count(engine, PollVote) == 2
    assert _total_votes(engine, consultation) == 2


def test_relabelling_an_option_after_publication_is_refused(client, engine):
    consultation = make_consultation(engine, poll=["yes", "no"], code="4713")
    send_sms(client, "4713 JA", "+4915111111111")
    # Own answers, so the labels are the staff's words.
    login(client, engine, Role.editor)
    own = edit_consultation(client, consultation, poll_kind="choices", poll_choices="Ja\nNein")
    assert own.status_code in (303, 422)
    with session_scope(engine, write=True) as session:
        from participation.clock import utcnow
        from participation.consultations.models import Consultation

        row = session.get(Consultation, consultation.id)
        row.results_published_at = utcnow()
        session.add(row)
    before = _count(engine, AuditEvent)
    response = edit_consultation(client, consultation, poll_kind="choices", poll_choices="Nein\nJa")
    assert response.status_code == 422
    with session_scope(engine) as session:
        summary = summarise(session, consultation)
    assert next((o.label("de"), n) for o, n in summary.poll)[1] == 1
    assert summary.poll[0][0].label("de") in ("Ja", "Yes")
    assert _count(engine, AuditEvent) == before
