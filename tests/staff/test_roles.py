"""Every staff route against every role, found by walking app.routes.

For the council-side routes the expected roles are written down here, independently of
the decorators, so a decorator with the wrong roles fails; each allowed request must
succeed (200, or 303 after a POST) with real form data. Staff routes of other parts of
the app are checked against their own declared roles (refused or not refused). A new
staff route without @requires_role fails the first test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import count

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from participation.accounts.models import Role
from participation.contributions.models import Channel, Contribution
from participation.db import session_scope
from participation.moderation import flags
from participation.moderation.service import approve
from participation.results.models import Theme
from tests.conftest import PUBLIC_BASE
from tests.factories import csrf_token, login, make_consultation, make_contribution, make_staff

_themes = count(1)
ADMIN, MODERATOR, EDITOR = Role.admin, Role.moderator, Role.editor
EVERYONE = frozenset({ADMIN, MODERATOR, EDITOR})
MODERATION = frozenset({ADMIN, MODERATOR})
TEXTS = frozenset({ADMIN, EDITOR})
ADMINS = frozenset({ADMIN})

#: route name -> who may use it (the council side's part of the access table).
EXPECTED: dict[str, frozenset] = {
    "staff_home": EVERYONE,
    "staff_consultation_new": TEXTS,
    "staff_consultation_create": TEXTS,
    "staff_consultation_edit": TEXTS,
    "staff_consultation_update": TEXTS,
    "staff_consultation_all_fields": TEXTS,
    "staff_setup_step": TEXTS,
    "staff_setup_save": TEXTS,
    "staff_setup_counts": TEXTS,
    "staff_setup_readiness": TEXTS,
    "staff_setup_open": TEXTS,
    "staff_setup_draft": TEXTS,
    "staff_setup_preview": TEXTS,
    "staff_publish_results": MODERATION,
    "moderation_queue": MODERATION,
    "moderation_bulk": MODERATION,
    "moderation_approve": MODERATION,
    "moderation_reject": MODERATION,
    "moderation_keep": MODERATION,
    "moderation_redact": MODERATION,
    "moderation_assign": MODERATION,
    "frontdesk": MODERATION,
    "frontdesk_form": MODERATION,
    "frontdesk_enter": MODERATION,
    "frontdesk_receipt": MODERATION,
    "results_staff": MODERATION,
    "results_theme_add": MODERATION,
    "results_theme_update": MODERATION,
    "results_theme_delete": MODERATION,
    "results_summaries": MODERATION,
    "results_withdraw": MODERATION,
    "results_answers": MODERATION,
    "results_answer": MODERATION,
    "staff_accounts": ADMINS,
    "staff_account_create": ADMINS,
    "staff_account_deactivate": ADMINS,
    "staff_account_activate": ADMINS,
    "staff_account_logout": ADMINS,
    "staff_account_reset_link": ADMINS,
    "account_password": EVERYONE,
}
#: Pages that lead elsewhere: editing a consultation goes into its set-up steps.
REDIRECTS = {"staff_consultation_edit"}
_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-zA-Z_]+)?}")


@dataclass(frozen=True)
class StaffRoute:
    template: str
    route: Route
    method: str

    @property
    def name(self) -> str:
        return self.route.name

    @property
    def roles(self) -> frozenset:
        return getattr(self.route.endpoint, "allowed_roles", frozenset())


def _walk(routes: list, prefix: str = "") -> Iterator[tuple[str, Route]]:
    for route in routes:
        if isinstance(route, Mount):
            yield from _walk(route.routes or [], prefix + route.path)
        elif isinstance(route, Route):
            yield prefix + route.path, route


def staff_routes(app) -> list[StaffRoute]:
    found = []
    for template, route in _walk(app.routes):
        if getattr(route.endpoint, "allowed_roles", None) is None:
            continue
        for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
            found.append(StaffRoute(template, route, method))
    return found


class World:
    """Fresh objects for each request, so one POST never spoils the next."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.consultation = make_consultation(engine, poll=["yes", "no"])

    def contribution(self, **kwargs) -> Contribution:
        return make_contribution(self.engine, self.consultation, "Ein Beitrag", **kwargs)

    def published(self) -> Contribution:
        contribution = self.contribution()
        with session_scope(self.engine, write=True) as session:
            approve(session, session.get(Contribution, contribution.id), None)
        return contribution

    def reported(self) -> Contribution:
        contribution = self.published()
        with session_scope(self.engine, write=True) as session:
            flags.report_contribution(
                session,
                secret_key="x",
                contribution=session.get(Contribution, contribution.id),
                reason=flags.ReportReason.insult,
                note="",
                client_address=f"192.0.2.{contribution.id % 250}",
            )
        return contribution

    def theme(self) -> Theme:
        with session_scope(self.engine, write=True) as session:
            theme = Theme(consultation_id=self.consultation.id, name=f"Thema {next(_themes)}")
            session.add(theme)
            session.flush()
            return theme

    def request(self, name: str) -> tuple[dict[str, str], dict]:
        """(path parameters, form data) that make this route succeed."""
        c = self.consultation
        contribution_routes = {
            "moderation_approve": lambda: (self.contribution(), {}),
            "moderation_reject": lambda: (self.contribution(), {"reason": "duplicate"}),
            "moderation_keep": lambda: (self.reported(), {}),
            "moderation_redact": lambda: (self.contribution(), {"body": "Geschwärzt […]"}),
            "moderation_assign": lambda: (
                make_contribution(self.engine, None, "SMS", Channel.sms, author_key="k"),
                {"consultation": str(c.id)},
            ),
            "results_answer": lambda: (self.published(), {"answer": "Danke."}),
        }
        if name in contribution_routes:
            contribution, data = contribution_routes[name]()
            return {"id": str(contribution.id)}, data
        if name == "frontdesk_receipt":
            return {"reference": self.contribution().reference}, {}
        if name in ("results_theme_update", "results_theme_delete"):
            return {"id": str(self.theme().id)}, {"name": "Verkehr", "answer": "Ja."}
        if name in ("staff_publish_results", "results_withdraw", "staff_consultation_update"):
            # These change the consultation's phase or texts: one of their own.
            fresh = make_consultation(
                self.engine, phase="results" if "withdraw" in name else "open"
            )
            return {"id": str(fresh.id)}, {"title:de": "Geändert", "poll_kind": "none"}
        if name.startswith("staff_setup_"):
            # A step, a door and a short text that exist, on a consultation of its own.
            fresh = make_consultation(self.engine, phase="draft", poll=["yes", "no"])
            params = {"id": str(fresh.id), "step": "phone", "door": "phone"}
            return params, {"phone_summary:de": "Kurz.", "poll_question:de": "Dafür?"}
        if name.startswith("staff_account_") and name != "staff_account_create":
            return {"id": str(make_staff(self.engine, Role.moderator).id)}, {}
        forms: dict[str, dict] = {
            "moderation_bulk": {"ids": str(self.contribution().id), "action": "approve"},
            "frontdesk_enter": {
                "channel": "paper",
                "received": date.today().isoformat(),
                "locale": "de",
                "body": "Brief",
            },
            "results_theme_add": {"name": f"Neu {self.contribution().id}"},
            "results_summaries": {"summary:de": "Kurz."},
            "staff_account_create": {
                "email": f"neu{self.contribution().id}@example.org",
                "role": "editor",
                "password": "ein langes Passwort 123",
            },
            "staff_consultation_create": {"title:de": "Neu", "poll_kind": "none"},
            "staff_consultation_update": {"title:de": "Geändert", "poll_kind": "none"},
        }
        return {"id": str(c.id)}, forms.get(name, {})


def _path(template: str, params: dict[str, str]) -> str:
    values = {"lang": "de", "id": "1", "qid": "1", "reference": "47112093", **params}
    return _PARAM.sub(lambda m: values.get(m.group(1), "x"), template)


def test_every_staff_route_is_guarded_and_the_council_side_is_in_the_table(app):
    templates: dict[str, str] = {}
    for template, route in _walk(app.routes):
        # The reset link's page is for someone who cannot log in; its token is the key.
        anonymous = ("/login", "/login/code", "/logout", "/password-reset/{token}")
        if "/staff" in template and not template.endswith(anonymous):
            templates[template] = route.name
            assert getattr(route.endpoint, "allowed_roles", None), f"{template} is unguarded"
    names = {r.name for r in staff_routes(app)}
    missing = set(EXPECTED) - names
    assert not missing, f"routes in the table but not in the app: {missing}"
    for found in staff_routes(app):
        if found.name in EXPECTED:
            assert found.roles == EXPECTED[found.name], found.name


@pytest.mark.parametrize("role", [ADMIN, MODERATOR, EDITOR, None], ids=lambda r: r or "anonymous")
def test_each_role_against_each_staff_route(app, engine, role):
    world = World(engine)
    client = TestClient(app, base_url=PUBLIC_BASE)
    if role is None:
        token = csrf_token(client, "/de/staff/login")
    else:
        login(client, engine, role)
        token = csrf_token(client, "/de/staff/")
    checked: list[str] = []
    wrong: list[str] = []
    routes = staff_routes(app)
    # Reads first, then writes, and last the ones that may end this very session (a
    # staff member's own "log out everywhere"); the admin page's actions target others.
    routes.sort(key=lambda r: (r.method != "GET", "logout" in r.template))
    for found in routes:
        mine = found.name in EXPECTED
        allowed = role is not None and role in (EXPECTED[found.name] if mine else found.roles)
        params, data = world.request(found.name) if mine else ({}, {})
        path = _path(found.template, params)
        if found.method == "GET":
            response = client.get(path, follow_redirects=False)
        else:
            response = client.request(
                found.method, path, data={"csrf_token": token, **data}, follow_redirects=False
            )
        status = response.status_code
        label = f"{found.method} {found.template} ({found.name})"
        checked.append(label)
        if role is None:
            if found.method == "GET":
                ok = status == 303 and response.headers["location"].startswith(
                    "/de/staff/login?next="
                )
            else:
                ok = status == 401
        elif not allowed:
            ok = status == 403
        elif mine and found.name in REDIRECTS:
            ok = status == 303
        elif mine:
            ok = status == 200 if found.method == "GET" else status in (200, 303)
        else:
            ok = status not in (401, 403) and status < 500
        if not ok:
            wrong.append(f"{label}: {status} {response.text[:200]!r}")
    assert len([c for c in checked if "(" in c]) >= len(EXPECTED)
    assert not wrong, "\n".join(wrong)


def test_logging_out_everywhere_ends_the_session(app, engine):
    target_client = TestClient(app, base_url=PUBLIC_BASE)
    target = login(target_client, engine, Role.moderator)
    assert target_client.get("/de/staff/moderation").status_code == 200
    admin_client = TestClient(app, base_url=PUBLIC_BASE)
    login(admin_client, engine, Role.admin)
    token = csrf_token(admin_client, "/de/staff/accounts")
    response = admin_client.post(
        f"/de/staff/accounts/{target.id}/logout-everywhere",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    after = target_client.get("/de/staff/moderation", follow_redirects=False)
    assert after.status_code == 303 and "/staff/login" in after.headers["location"]
