"""What the public sees of moderation: removed texts, the author's reference page, the
moderation log; and redaction with its audit trail."""

from __future__ import annotations

from sqlmodel import select

from participation.accounts.models import Role
from participation.contributions.models import Contribution
from participation.db import session_scope
from participation.moderation.models import AuditEvent, Decision, ModerationDecision
from participation.moderation.models import RejectionReason as Reason
from participation.moderation.service import approve, reject
from tests.factories import login, make_consultation, make_contribution, soup
from tests.moderation.helpers import HTMX, form_data, item_form, page


def _published(engine, consultation, body, staff_id=None):
    contribution = make_contribution(engine, consultation, body)
    with session_scope(engine, write=True) as session:
        approve(session, session.get(Contribution, contribution.id), staff_id)
    return contribution


def test_removed_after_publication_shows_the_reason_in_place_of_the_text(client, engine):
    consultation = make_consultation(engine)
    kept = _published(engine, consultation, "Mehr Bäume bitte")
    removed = _published(engine, consultation, "Der Bürgermeister ist ein Idiot")
    never = make_contribution(engine, consultation, "Kauft Uhren bei uns")
    login(client, engine, Role.moderator)
    for contribution, reason, note in (
        (removed, "insult", "Beleidigung einer Person"),
        (never, "advertising", ""),
    ):
        status = "published" if contribution is removed else "pending"
        form = item_form(
            page(client, f"/en/staff/moderation?status={status}"), contribution.id, "reject"
        )
        response = client.post(form["action"], data=form_data(form, reason=reason, note=note))
        assert response.status_code == 200
    client.cookies.clear()

    public = soup(client.get(f"/en/c/{consultation.slug}").text)
    items = {li["id"]: li for li in public.select("li.contribution")}
    assert "Mehr Bäume bitte" in items[f"c-{kept.reference}"].get_text()
    gone = items[f"c-{removed.reference}"].get_text(" ", strip=True)
    assert "Idiot" not in public.get_text()
    assert "Removed by moderation: Insult or abuse – Beleidigung einer Person" in gone
    # Never public, so not listed at all; its author still learns why.
    assert f"c-{never.reference}" not in items
    assert "Uhren" not in public.get_text()
    status = soup(client.get(f"/en/r/{never.reference}").text).get_text(" ", strip=True)
    assert "Removed by moderation: Advertising" in status

    log = soup(client.get(f"/en/c/{consultation.slug}/moderation").text)
    rows = [
        [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
        for row in log.select("table.log tbody tr")
    ]
    # Newest first: date, reference, decision, public reason; no staff names anywhere.
    decisions = [(r[1], r[2], r[3]) for r in rows]
    ref = lambda c: f"{c.reference[:4]}-{c.reference[4:]}"  # noqa: E731
    assert decisions == [
        (ref(never), "Removed by moderation", "Advertising"),
        (ref(removed), "Removed by moderation", "Insult or abuse – Beleidigung einer Person"),
        (ref(removed), "Published", ""),
        (ref(kept), "Published", ""),
    ]
    assert all(r[0] for r in rows)
    assert "@example.org" not in log.get_text()
    assert "moderator" not in log.get_text().lower().replace("moderators", "")


def test_moderation_log_pages_by_key(client, engine):
    consultation = make_consultation(engine)
    made = [_published(engine, consultation, f"Text {n}") for n in range(55)]
    first = soup(client.get(f"/de/c/{consultation.slug}/moderation").text)
    assert len(first.select("table.log tbody tr")) == 50
    older = first.find("a", href=lambda h: h and "before=" in h)["href"]
    second = soup(client.get(older).text)
    shown = [r.th.get_text(strip=True) for r in second.select("table.log tbody tr")]
    assert shown == [f"{c.reference[:4]}-{c.reference[4:]}" for c in reversed(made[:5])]


def test_redaction_keeps_the_original_for_admins_only_and_is_audited(client, engine):
    consultation = make_consultation(engine)
    original = "Herr Meier aus der Lindenstraße 4, Tel. 0151 2345678, parkt immer falsch."
    contribution = make_contribution(engine, consultation, original)
    moderator = login(client, engine, Role.moderator)
    form = item_form(page(client, "/en/staff/moderation"), contribution.id, "redact")
    assert form.find("textarea").get_text() == original
    redacted = "[…] parkt immer falsch."
    response = client.post(
        form["action"], data=form_data(form, body=redacted, then="approve"), headers=HTMX
    )
    assert response.status_code == 200
    with session_scope(engine) as session:
        stored = session.get(Contribution, contribution.id)
        assert stored.body == redacted
        assert stored.body_original == original
        assert stored.status.value == "published"
        kinds = [
            d.decision
            for d in session.exec(
                select(ModerationDecision).where(
                    ModerationDecision.contribution_id == contribution.id
                )
            )
        ]
        assert kinds == [Decision.redact, Decision.approve]
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "contribution.redact")
        ).one()
        assert event.staff_id == moderator.id
        assert event.object_id == str(contribution.id)
        assert event.detail["chars_before"] == len(original)
        # The trail records that and who, never the removed personal data itself.
        assert "Meier" not in str(event.detail)

    published = page(client, "/en/staff/moderation?status=published")
    assert "Meier" not in published.get_text()
    assert "edited by moderation" in published.get_text()

    client.cookies.clear()
    public = client.get(f"/en/c/{consultation.slug}").text
    assert redacted.replace("…", "") in public.replace("…", "")
    assert "Meier" not in public and "0151" not in public
    assert "Meier" not in client.get(f"/en/c/{consultation.slug}/moderation").text

    login(client, engine, Role.admin)
    as_admin = page(client, "/en/staff/moderation?status=published")
    original_box = as_admin.find(id=f"item-{contribution.id}").find("details", class_="original")
    assert original in original_box.get_text()


def test_emptying_a_text_is_refused(client, engine):
    consultation = make_consultation(engine)
    contribution = make_contribution(engine, consultation, "Ein Text")
    login(client, engine, Role.moderator)
    form = item_form(page(client, "/en/staff/moderation"), contribution.id, "redact")
    response = client.post(form["action"], data=form_data(form, body="   "), follow_redirects=False)
    assert response.status_code == 303
    after = page(client, response.headers["location"])
    assert "The text cannot be empty" in after.find(id="queue-status").get_text()
    with session_scope(engine) as session:
        assert session.get(Contribution, contribution.id).body == "Ein Text"


def test_service_reject_after_publication_keeps_the_publication_date(engine):
    consultation = make_consultation(engine)
    contribution = _published(engine, consultation, "Text")
    with session_scope(engine, write=True) as session:
        stored = session.get(Contribution, contribution.id)
        reject(session, stored, None, Reason.duplicate)
    with session_scope(engine) as session:
        stored = session.get(Contribution, contribution.id)
        assert stored.published_at is not None and stored.status.value == "rejected"
