"""Role checks in templates ask the route's own guard: a staff member sees a link exactly
when the page behind it lets them in."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from participation.accounts.models import Role, StaffUser
from participation.accounts.permissions import may_use
from participation.settings import PROJECT_ROOT
from tests.conftest import PUBLIC_BASE
from tests.factories import login, make_consultation, soup
from tests.trust.routing import all_routes


def test_may_use_answers_as_the_endpoint_guard_does(app) -> None:
    for found in all_routes(app):
        for role in Role:
            staff = StaffUser(email="x@example.org", name="x", password_hash="", role=role)
            expected = found.allowed_roles is None or role in found.allowed_roles
            assert may_use(app, staff, found.route.name) is expected, (found.template, role)
            assert may_use(app, None, found.route.name) is (found.allowed_roles is None)
    with pytest.raises(KeyError):
        may_use(app, None, "no_such_route")


def test_no_template_spells_a_role_name() -> None:
    spelled = [
        str(path.relative_to(PROJECT_ROOT))
        for path in (PROJECT_ROOT / "templates").rglob("*.html")
        if "staff.role" in path.read_text()
    ]
    assert not spelled, spelled


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_staff_link_a_role_sees_opens_for_it(app, engine, role) -> None:
    make_consultation(engine, poll=["yes", "no"])
    client = TestClient(app, base_url=PUBLIC_BASE)
    login(client, engine, role)
    home = soup(client.get("/de/staff/").text)
    links = {
        a["href"]
        for a in home.select(".staff-nav a[href], .staff-actions a[href], .row-actions a[href]")
    }
    assert links
    for href in sorted(links):
        response = client.get(href, follow_redirects=False)
        assert response.status_code == 200, (role, href, response.status_code)
