"""The admin's staff accounts page, and the overview of what waits and since when."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from participation.accounts.models import Role, StaffUser
from participation.clock import set_now, utcnow
from participation.contributions.models import Channel
from participation.db import session_scope
from participation.moderation.models import AuditEvent
from tests.factories import STAFF_PASSWORD, csrf_token, login, make_consultation, make_contribution
from tests.moderation.helpers import form_data, page


def test_admin_creates_and_deactivates_staff(client, engine):
    admin = login(client, engine, Role.admin)
    accounts = page(client, "/en/staff/accounts")
    form = accounts.find("form", action="/en/staff/accounts")
    short = client.post(
        form["action"],
        data=form_data(form, email="jonas@example.org", role="editor", password="kurz"),
    )
    assert short.status_code == 422
    assert "at least 12 characters" in short.text
    created = client.post(
        form["action"],
        data=form_data(
            form,
            email="Jonas@Example.org",
            name="Jonas Weber",
            role="editor",
            password=STAFF_PASSWORD,
        ),
        follow_redirects=False,
    )
    assert created.status_code == 303
    listing = page(client, "/en/staff/accounts")
    rows = {r.th.get_text(strip=True): r for r in listing.select("table.data tbody tr")}
    assert "jonas@example.org" in rows
    assert "editor" in rows["jonas@example.org"].get_text()

    # The new account can log in with its role.
    other = client.__class__(client.app, base_url=str(client.base_url))
    token = csrf_token(other, "/de/staff/login")
    response = other.post(
        "/de/staff/login",
        data={"email": "jonas@example.org", "password": STAFF_PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert other.get("/de/staff/consultations/new").status_code == 200
    assert other.get("/de/staff/moderation", follow_redirects=False).status_code == 403

    # Deactivated: the running session ends and no new login works.
    deactivate = rows["jonas@example.org"].find("form", action=lambda a: a.endswith("/deactivate"))
    assert client.post(deactivate["action"], data=form_data(deactivate)).status_code == 200
    assert other.get("/de/staff/", follow_redirects=False).status_code == 303
    token = csrf_token(other, "/de/staff/login")
    again = other.post(
        "/de/staff/login",
        data={"email": "jonas@example.org", "password": STAFF_PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert again.status_code == 401

    # An admin cannot lock themselves out.
    own = page(client, "/en/staff/accounts")
    own_row = next(r for r in own.select("table.data tbody tr") if admin.email in r.get_text())
    assert own_row.find("form", action=lambda a: a.endswith("/deactivate")) is None
    token = csrf_token(client, "/en/staff/accounts")
    refused = client.post(f"/en/staff/accounts/{admin.id}/deactivate", data={"csrf_token": token})
    assert "cannot deactivate your own account" in refused.text
    with session_scope(engine) as session:
        assert session.get(StaffUser, admin.id).is_active
        events = session.exec(select(AuditEvent).order_by(AuditEvent.id))  # type: ignore[arg-type]
        actions = [e.action for e in events if e.staff_id == admin.id]
    assert actions == ["staff.create", "staff.deactivate"]


def test_overview_shows_what_waits_per_consultation_and_its_age(client, engine):
    set_now(utcnow() - timedelta(days=3))
    market = make_consultation(engine, title="Marktplatz")
    make_contribution(engine, market, "Alt")
    set_now(None)
    make_contribution(engine, market, "Neu")
    quiet = make_consultation(engine, title="Ruhig")
    make_contribution(engine, None, "Ohne Code", Channel.sms, author_key="k")
    login(client, engine, Role.moderator)
    overview = page(client, "/en/staff/")
    rows = {
        r.th.get_text(strip=True): [c.get_text(" ", strip=True) for c in r.find_all("td")]
        for r in overview.select("table.overview tbody tr")
    }
    assert rows["Marktplatz"][2] == "2"  # waiting
    assert rows["Marktplatz"][3] == "3 days"  # the oldest waits since
    assert rows["Ruhig"][2] == "0" and rows["Ruhig"][3] == "–"
    notice = overview.find(class_="notice").get_text(" ", strip=True)
    assert "1 text message could not be placed" in notice
    links = [a["href"] for a in overview.select("table.overview a")]
    assert f"/en/staff/moderation?status=pending&consultation={market.id}" in links
    assert f"/en/staff/consultations/{quiet.id}/results" in links
