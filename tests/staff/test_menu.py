"""The staff menu: the work grouped by task, only what a role may open, what waits, and
where one is; its counts kept per council and never past a staff member's own change."""

from __future__ import annotations

import dataclasses

import pytest
from starlette.testclient import TestClient

from participation.accounts.models import Role
from participation.app import create_app
from participation.councils.service import add_host, by_slug, create_council
from participation.db import session_scope
from tests.conftest import PUBLIC_BASE
from tests.factories import (
    csrf_token,
    log_in_as,
    login,
    make_consultation,
    make_contribution,
    make_staff,
    soup,
)

ALL_GROUPS = [
    "Beteiligungen",
    "Moderation",
    "Bürgerbüro",
    "Telefon und SMS",
    "Seiten der Gemeinde",
    "Zugänge und Sicherheit",
]


def _menu(page: str):
    nav = soup(page).select_one("nav.staff-nav")
    assert nav is not None
    return nav


def _groups(page: str) -> list[str]:
    return [g.get_text(strip=True) for g in _menu(page).select(".menu-group-name")]


def _count_beside(page: str, href_end: str) -> str | None:
    for link in _menu(page).select("a[href]"):
        if link["href"].endswith(href_end):
            count = link.select_one(".count")
            return count.get_text(strip=True) if count else None
    raise AssertionError(f"no link to {href_end}")


@pytest.mark.parametrize(
    ("role", "groups"),
    [
        (Role.admin, ALL_GROUPS),
        (Role.moderator, ALL_GROUPS),
        (
            Role.editor,
            ["Beteiligungen", "Telefon und SMS", "Seiten der Gemeinde", "Zugänge und Sicherheit"],
        ),
    ],
    ids=lambda v: v.value if isinstance(v, Role) else "",
)
def test_each_role_sees_the_groups_of_its_work_and_only_links_it_may_open(
    app, engine, role, groups
) -> None:
    client = TestClient(app, base_url=PUBLIC_BASE)
    login(client, engine, role)
    page = client.get("/de/staff/").text
    assert _groups(page) == groups
    for link in _menu(page).select("a[href]"):
        assert client.get(link["href"], follow_redirects=False).status_code == 200, link
    if role is Role.editor:
        assert "/staff/moderation" not in page and "/staff/front-desk" not in page


def test_the_page_one_is_on_is_marked_and_its_group_named_in_the_summary(client, engine) -> None:
    login(client, engine, Role.admin)
    for path, marked in [
        ("/de/staff/", "/de/staff/"),
        ("/de/staff/moderation", "/de/staff/moderation"),
        ("/de/staff/moderation?status=flagged", "/de/staff/moderation?status=flagged"),
        ("/de/staff/calls/callbacks", "/de/staff/calls/callbacks"),
    ]:
        menu = _menu(client.get(path).text)
        current = menu.select("a[aria-current=page]")
        assert [a["href"] for a in current] == [marked], path
    # A page below a group's link (a consultation's form) marks no link, names its group.
    consultation = make_consultation(engine)
    menu = _menu(client.get(f"/de/staff/consultations/{consultation.id}").text)
    assert not menu.select("a[aria-current]")
    assert (
        menu.select_one("summary")
        .get_text(" ", strip=True)
        .startswith("Menü für Mitarbeitende: Beteiligungen")
    )


def test_counts_show_what_waits_and_a_decision_shows_at_once_though_counts_are_kept(
    settings, engine
) -> None:
    app = create_app(dataclasses.replace(settings, staff_menu_seconds=600), engine)
    client = TestClient(app, base_url=PUBLIC_BASE)
    login(client, engine, Role.moderator)
    consultation = make_consultation(engine)
    first = make_contribution(engine, consultation, "Mehr Bäume!")
    make_contribution(engine, consultation, "Mehr Bänke!")
    page = client.get("/de/staff/moderation").text
    assert _count_beside(page, "/de/staff/moderation") == "2"
    assert _count_beside(page, "?status=flagged") is None
    # Kept: comments arriving by other doors show within STAFF_MENU_SECONDS, not at once ...
    make_contribution(engine, consultation, "Noch eine Idee")
    make_contribution(engine, consultation, "Und noch eine")
    assert _count_beside(client.get("/de/staff/").text, "/de/staff/moderation") == "2"
    # ... but the moderator's own decision drops the kept counts.
    token = csrf_token(client, "/de/staff/moderation")
    response = client.post(
        f"/de/staff/moderation/{first.id}/approve",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert _count_beside(client.get("/de/staff/").text, "/de/staff/moderation") == "3"


def test_another_councils_staff_never_see_this_councils_counts(settings, engine) -> None:
    with session_scope(engine, write=True) as session:
        add_host(session, by_slug(session, "council"), "musterstadt.localhost")
        other = create_council(
            session, "beispieldorf", "Gemeinde Beispieldorf", hosts=["beispieldorf.localhost"]
        ).id
    app = create_app(dataclasses.replace(settings, staff_menu_seconds=600), engine)
    ours = make_consultation(engine, council_id=1)
    for body in ("Eins", "Zwei", "Drei"):
        make_contribution(engine, ours, body)
    ours_admin = make_staff(engine, Role.admin, "admin@musterstadt.example", council_id=1)
    theirs_admin = make_staff(engine, Role.admin, "admin@beispieldorf.example", council_id=other)
    with TestClient(app, base_url="https://musterstadt.localhost") as musterstadt:
        assert log_in_as(musterstadt, ours_admin.email) == 303
        page = musterstadt.get("/de/staff/").text
        assert _count_beside(page, "/de/staff/moderation") == "3"
    with TestClient(app, base_url="https://beispieldorf.localhost") as dorf:
        assert log_in_as(dorf, theirs_admin.email) == 303
        page = dorf.get("/de/staff/").text
        assert _count_beside(page, "/de/staff/moderation") is None
