"""Front-desk entry: staff type in a letter or a visit for a resident, through the one
write path, and print a receipt with the reference number."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from participation.accounts.models import Role
from participation.clock import utcnow
from participation.contributions.models import Channel, Contribution, PollVote, Status
from participation.db import session_scope
from participation.moderation.models import AuditEvent
from tests.factories import login, make_consultation, soup
from tests.moderation.helpers import form_data, page, queue_ids

BERLIN = ZoneInfo("Europe/Berlin")


def _form(client, consultation):
    index = page(client, "/de/staff/front-desk")
    link = index.find("a", href=lambda h: h and h.endswith(f"/front-desk/{consultation.id}"))
    assert link is not None
    return page(client, link["href"]).find("form", action=lambda a: a and "front-desk" in a)


def test_letter_entered_with_date_poll_answer_and_pseudonym(client, engine):
    consultation = make_consultation(engine, poll=["yes", "no"])
    with session_scope(engine, write=True) as session:
        consultation.opens_at = utcnow() - timedelta(days=10)
        session.add(consultation)
    staff = login(client, engine, Role.moderator)
    form = _form(client, consultation)
    yes = form.find("label", string="Ja")["for"].removeprefix("option-")
    received = (utcnow().astimezone(BERLIN) - timedelta(days=3)).date()
    response = client.post(
        form["action"],
        data=form_data(
            form,
            channel="paper",
            received=received.isoformat(),
            locale="tr",
            poll_option=yes,
            # A vote counts only with the staff member's attestation (issue 15).
            attested="on",
            pseudonym="Familie Yılmaz",
            body="Lütfen daha fazla bank koyun.",
        ),
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    # The receipt comes in the resident's language, ready to print.
    assert response.headers["location"].startswith("/tr/staff/front-desk/receipt/")
    receipt_page = client.get(response.headers["location"])
    receipt = soup(receipt_page.text)
    with session_scope(engine) as session:
        stored = session.exec(select(Contribution)).one()
        assert stored.channel is Channel.paper and stored.locale == "tr"
        assert stored.entered_by_id == staff.id
        assert stored.pseudonym == "Familie Yılmaz"
        assert stored.status is Status.pending
        assert stored.received_at.astimezone(BERLIN).date() == received
        vote = session.exec(select(PollVote)).one()
        assert vote.option_id == int(yes) and vote.channel is Channel.paper
        assert vote.attested_by_id == staff.id and vote.contribution_id == stored.id
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "contribution.enter")
        ).one()
        assert event.staff_id == staff.id and event.object_id == str(stored.id)
        assert event.detail["channel"] == "paper"
        assert event.detail["received"] == received.isoformat()
    shown = receipt.find(class_="receipt-reference").get_text(strip=True)
    assert shown == f"{stored.reference[:4]}-{stored.reference[4:]}"
    assert receipt.find("html")["lang"] == "tr"
    assert "Lütfen daha fazla bank koyun." in receipt.find(class_="receipt").get_text()
    assert receipt.find(class_="qr").find("svg") is not None
    assert f"/tr/r/{stored.reference}" in receipt.find(class_="receipt-url").get_text()
    stylesheet = receipt.find("link", href=lambda h: h and "council" in h)["href"]
    assert "@media print" in client.get(stylesheet).text

    # It waits in the queue like every other contribution, marked as entered by staff.
    queue = page(client, "/en/staff/moderation?channel=paper")
    assert queue_ids(queue) == [stored.id]
    assert "entered by" in queue.find(id=f"item-{stored.id}").get_text()


def test_letter_received_before_closing_can_be_entered_after_it(client, engine):
    consultation = make_consultation(engine, phase="closed")
    login(client, engine, Role.moderator)
    form = _form(client, consultation)
    before_closing = (consultation.closes_at.astimezone(BERLIN) - timedelta(days=1)).date()
    ok = client.post(
        form["action"],
        data=form_data(form, received=before_closing.isoformat(), body="Rechtzeitig."),
        follow_redirects=False,
    )
    assert ok.status_code == 303
    today = utcnow().astimezone(BERLIN).date()
    late = client.post(
        form["action"], data=form_data(form, received=today.isoformat(), body="Zu spät.")
    )
    assert late.status_code == 422
    summary = soup(late.text).find(class_="error-summary")
    assert summary.find("a")["href"] == "#field-received"
    # The typed text is kept for correcting the date.
    assert soup(late.text).find("textarea", id="field-body").get_text() == "Zu spät."


def test_front_desk_refuses_future_dates_and_empty_entries(client, engine):
    consultation = make_consultation(engine)
    login(client, engine, Role.moderator)
    form = _form(client, consultation)
    tomorrow = (utcnow().astimezone(BERLIN) + timedelta(days=1)).date()
    future = client.post(
        form["action"], data=form_data(form, received=tomorrow.isoformat(), body="Text")
    )
    assert future.status_code == 422
    assert soup(future.text).find(id="error-received") is not None
    empty = client.post(form["action"], data=form_data(form, body=""))
    assert empty.status_code == 422
    assert soup(empty.text).find(id="error-body") is not None
    with session_scope(engine) as session:
        assert session.exec(select(Contribution)).all() == []


def test_consultations_not_taking_entries_are_not_offered(client, engine):
    draft = make_consultation(engine, phase="draft")
    done = make_consultation(engine, phase="results")
    open_one = make_consultation(engine)
    login(client, engine, Role.moderator)
    index = page(client, "/de/staff/front-desk")
    links = {a["href"] for a in index.select("main a")}
    assert any(h.endswith(f"/front-desk/{open_one.id}") for h in links)
    assert not any(h.endswith(f"/front-desk/{draft.id}") for h in links)
    assert client.get(f"/de/staff/front-desk/{done.id}").status_code == 404


def test_a_letter_entered_twice_by_a_double_click_is_one_contribution(client, engine):
    consultation = make_consultation(engine)
    login(client, engine, Role.moderator)
    form = _form(client, consultation)
    data = form_data(
        form,
        channel="paper",
        received=utcnow().astimezone(BERLIN).date().isoformat(),
        locale="de",
        body="Bitte mehr Bänke am Markt.",
    )
    answers = [client.post(form["action"], data=data, follow_redirects=False) for _ in "12"]
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[1].headers["location"] == answers[0].headers["location"]
    with session_scope(engine) as session:
        assert len(session.exec(select(Contribution)).all()) == 1
    # The next letter typed into a fresh form is its own contribution.
    again = form_data(
        _form(client, consultation),
        **{k: v for k, v in data.items() if k in ("channel", "received", "locale", "body")},
    )
    assert client.post(form["action"], data=again, follow_redirects=False).status_code == 303
    with session_scope(engine) as session:
        assert len(session.exec(select(Contribution)).all()) == 2
