"""Staff change their own password; an admin issues a one-time reset link; the operator
resets from the command line. Hostile cases: the wrong role, a link used twice, after an
hour, after deactivation, a replaced link, forged tokens, a guessed current password."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from participation import cli
from participation.accounts.models import Role, StaffUser
from participation.clock import set_now, utcnow
from participation.db import session_scope
from participation.moderation.models import AuditEvent
from participation.settings import LANGUAGES
from tests.conftest import PUBLIC_BASE, TEST_SECRET
from tests.factories import STAFF_PASSWORD, csrf_token, login, make_staff, soup
from tests.moderation.test_digest import smtp  # noqa: F401 - the real SMTP fixture

NEW_PASSWORD = "ein ganz neues Passwort 2026"
LINK = re.compile(r"/(\w+)/staff/password-reset/([A-Za-z0-9_-]+)")


def _device(app) -> TestClient:
    return TestClient(app, base_url=PUBLIC_BASE)


def _log_in(client: TestClient, email: str, password: str) -> int:
    token = csrf_token(client, "/en/staff/login")
    return client.post(
        "/en/staff/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    ).status_code


def _change(client: TestClient, current: str, new: str, confirm: str | None = None):
    token = csrf_token(client, "/en/staff/account/password")
    return client.post(
        "/en/staff/account/password",
        data={
            "csrf_token": token,
            "current_password": current,
            "new_password": new,
            "confirm_password": new if confirm is None else confirm,
        },
        follow_redirects=False,
    )


def _user(engine, user_id: int) -> StaffUser:
    with session_scope(engine) as session:
        return session.get(StaffUser, user_id)


def _actions(engine) -> list[str]:
    with session_scope(engine) as session:
        return [e.action for e in session.exec(select(AuditEvent)).all()]


def _errors(response) -> str:
    return soup(response.text).find(class_="error-summary").get_text(" ", strip=True)


# Changing one's own password


def test_staff_change_their_password_and_other_sessions_end(app, engine):
    laptop, phone = _device(app), _device(app)
    user = login(laptop, engine, Role.editor)
    assert _log_in(phone, user.email, STAFF_PASSWORD) == 303
    page = laptop.get("/en/staff/account/security")
    assert soup(page.text).find("a", href="/en/staff/account/password")

    done = _change(laptop, STAFF_PASSWORD, NEW_PASSWORD)
    assert done.status_code == 303
    assert done.headers["location"] == "/en/staff/account/security?done=password"
    # This device goes on; the other login has ended.
    assert laptop.get("/de/staff/", follow_redirects=False).status_code == 200
    assert phone.get("/de/staff/", follow_redirects=False).status_code == 303
    fresh = _device(app)
    assert _log_in(fresh, user.email, STAFF_PASSWORD) == 401
    assert _log_in(fresh, user.email, NEW_PASSWORD) == 303
    assert "staff.password_changed" in _actions(engine)


@pytest.mark.parametrize(
    ("current", "new", "confirm", "field", "message"),
    [
        (STAFF_PASSWORD, "kurz", "kurz", "new_password", "at least 12 characters"),
        (STAFF_PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "confirm_password", "not the same"),
        (STAFF_PASSWORD, "x" * 1025, "x" * 1025, "new_password", "too long"),
        ("wrong password 1234", NEW_PASSWORD, NEW_PASSWORD, "current_password", "not right"),
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(
    client, engine, current, new, confirm, field, message
):
    user = login(client, engine, Role.moderator)
    before = _user(engine, user.id)
    response = _change(client, current, new, confirm)
    assert response.status_code == 422
    assert message in _errors(response)
    assert soup(response.text).find(id=f"field-{field}")["aria-invalid"] == "true"
    # No password is ever sent back into the form.
    assert all(not tag.get("value") for tag in soup(response.text).find_all(type="password"))
    after = _user(engine, user.id)
    assert after.password_hash == before.password_hash
    assert after.session_version == before.session_version
    assert client.get("/de/staff/", follow_redirects=False).status_code == 200


def test_guessing_the_current_password_from_an_open_session_locks_the_account(client, engine):
    user = login(client, engine, Role.editor)
    for _ in range(5):
        assert _change(client, "a guess that is wrong", NEW_PASSWORD).status_code == 422
    # Locked: even the right current password does not change it now.
    response = _change(client, STAFF_PASSWORD, NEW_PASSWORD)
    assert response.status_code == 422
    assert "locked" in _errors(response)
    assert _log_in(_device(client.app), user.email, STAFF_PASSWORD) == 401


def test_changing_the_password_needs_a_login_and_a_csrf_token(client, engine):
    anonymous = client.post(
        "/en/staff/account/password",
        data={"current_password": STAFF_PASSWORD, "new_password": NEW_PASSWORD},
        follow_redirects=False,
    )
    assert anonymous.status_code in (401, 403)
    user = login(client, engine, Role.admin)
    forged = client.post(
        "/en/staff/account/password",
        data={
            "current_password": STAFF_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert _user(engine, user.id).session_version == 1


# Reset links issued by an admin


def _issue(admin: TestClient, user_id: int):
    token = csrf_token(admin, "/en/staff/accounts")
    return admin.post(
        f"/en/staff/accounts/{user_id}/reset-link",
        data={"csrf_token": token},
        follow_redirects=False,
    )


def _link_from(response) -> str:
    field = soup(response.text).find("input", id="reset-link")
    assert field is not None, response.text
    return field["value"]


def _use(client: TestClient, link: str, new: str = NEW_PASSWORD, confirm: str | None = None):
    path = link.removeprefix(PUBLIC_BASE)
    page = client.get(path)
    if page.status_code != 200:
        return page
    token = soup(page.text).find("input", attrs={"name": "csrf_token"})["value"]
    return client.post(
        path,
        data={
            "csrf_token": token,
            "new_password": new,
            "confirm_password": new if confirm is None else confirm,
        },
        follow_redirects=False,
    )


def test_a_reset_link_works_once_and_ends_every_session(app, engine):
    admin = _device(app)
    login(admin, engine, Role.admin)
    forgetful = make_staff(engine, Role.moderator)
    their_phone = _device(app)
    assert _log_in(their_phone, forgetful.email, STAFF_PASSWORD) == 303

    issued = _issue(admin, forgetful.id)
    assert issued.status_code == 200
    assert issued.headers["cache-control"] == "no-store"
    link = _link_from(issued)
    assert link.startswith(PUBLIC_BASE + "/en/staff/password-reset/")
    token = LINK.search(link).group(2)
    from participation.accounts.credentials import _token_hash

    # Only the token's keyed hash is stored, and the audit log holds neither.
    stored = _user(engine, forgetful.id)
    assert stored.reset_token_hash == _token_hash(TEST_SECRET, token)
    assert token not in stored.reset_token_hash
    with session_scope(engine) as session:
        events = session.exec(select(AuditEvent)).all()
    assert [e.action for e in events if e.object_id == str(forgetful.id)] == ["staff.reset_link"]
    assert all(token not in str(e.detail) for e in events)

    person = _device(app)
    form = person.get(link.removeprefix(PUBLIC_BASE))
    assert form.status_code == 200 and forgetful.email in form.text
    assert form.headers["cache-control"] == "no-store"
    done = _use(person, link)
    assert done.status_code == 303
    assert done.headers["location"] == "/en/staff/login?done=reset"
    assert "new password is saved" in person.get(done.headers["location"]).text
    assert their_phone.get("/de/staff/", follow_redirects=False).status_code == 303
    assert _log_in(_device(app), forgetful.email, NEW_PASSWORD) == 303
    assert "staff.password_reset" in _actions(engine)

    # A second use, by anyone, changes nothing.
    again = _use(_device(app), link, new="the thief's own password")
    assert again.status_code == 404
    assert "only once" in again.text
    assert _log_in(_device(app), forgetful.email, NEW_PASSWORD) == 303


def test_a_reset_link_ends_after_an_hour(app, engine):
    admin = _device(app)
    login(admin, engine, Role.admin)
    user = make_staff(engine, Role.editor)
    link = _link_from(_issue(admin, user.id))
    set_now(utcnow() + timedelta(minutes=61))
    assert _use(_device(app), link).status_code == 404
    assert _log_in(_device(app), user.email, STAFF_PASSWORD) == 303


def test_a_reset_link_ends_with_deactivation_and_a_newer_link(app, engine):
    admin = _device(app)
    login(admin, engine, Role.admin)
    user = make_staff(engine, Role.editor)
    first = _link_from(_issue(admin, user.id))
    second = _link_from(_issue(admin, user.id))
    assert _use(_device(app), first).status_code == 404  # replaced by the newer one
    token = csrf_token(admin, "/en/staff/accounts")
    admin.post(f"/en/staff/accounts/{user.id}/deactivate", data={"csrf_token": token})
    assert _use(_device(app), second).status_code == 404
    # And no new link for a deactivated account.
    refused = _issue(admin, user.id)
    assert refused.status_code == 303 and "problem=inactive" in refused.headers["location"]
    assert _user(engine, user.id).reset_token_hash is None
    assert _issue(admin, 999_999).status_code == 404


def test_a_refused_new_password_keeps_the_link_usable(app, engine):
    admin = _device(app)
    login(admin, engine, Role.admin)
    user = make_staff(engine, Role.editor)
    link = _link_from(_issue(admin, user.id))
    person = _device(app)
    mismatch = _use(person, link, confirm="something else entirely")
    assert mismatch.status_code == 422 and "not the same" in _errors(mismatch)
    short = _use(person, link, new="kurz")
    assert short.status_code == 422 and "12 characters" in _errors(short)
    assert _use(person, link).status_code == 303


@pytest.mark.parametrize("role", [Role.moderator, Role.editor])
def test_only_admins_issue_reset_links(app, engine, role):
    other = make_staff(engine, Role.admin)
    client = _device(app)
    login(client, engine, role)
    token = csrf_token(client, "/en/staff/account/security")
    response = client.post(
        f"/en/staff/accounts/{other.id}/reset-link",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert _user(engine, other.id).reset_token_hash is None


def test_issuing_a_link_needs_a_csrf_token(app, engine):
    admin = _device(app)
    login(admin, engine, Role.admin)
    user = make_staff(engine, Role.editor)
    response = admin.post(f"/en/staff/accounts/{user.id}/reset-link", follow_redirects=False)
    assert response.status_code == 403
    assert _user(engine, user.id).reset_token_hash is None


@pytest.mark.parametrize(
    "token",
    ["x", "A" * 43, "A" * 5000, "%00", "..%2f..%2fetc", "🔑" * 20, "' OR 1=1 --"],
)
def test_made_up_reset_tokens_get_a_clear_404(client, engine, token, monkeypatch):
    from participation.accounts import password_routes

    make_staff(engine, Role.admin)
    hashed = []
    monkeypatch.setattr(password_routes, "hash_password", lambda p: hashed.append(p) or "x")
    response = client.get(f"/de/staff/password-reset/{token}")
    assert response.status_code == 404
    posted = client.post(
        f"/de/staff/password-reset/{token}",
        data={
            "csrf_token": csrf_token(client, "/de/staff/login"),
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert posted.status_code == 404
    assert hashed == []  # a made-up token costs no argon2 hash


def test_the_link_goes_by_e_mail_when_smtp_is_set_up(settings, engine, smtp):  # noqa: F811
    from participation.app import create_app

    inbox, port = smtp
    app = create_app(settings.with_(smtp_host="127.0.0.1", smtp_port=port), engine)
    admin = _device(app)
    login(admin, engine, Role.admin)
    user = make_staff(engine, Role.editor)
    issued = _issue(admin, user.id)
    assert issued.status_code == 200
    # The admin does not see the link: it went to the account's own address.
    assert soup(issued.text).find("input", id="reset-link") is None
    assert user.email in issued.text
    [(recipients, message)] = inbox.messages
    assert recipients == [user.email]
    link = LINK.search(message.get_content()).group(0)
    assert _use(_device(app), PUBLIC_BASE + link).status_code == 303


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_the_password_pages_in_every_language(app, engine, lang):
    admin = _device(app)
    login(admin, engine, Role.admin)
    user = make_staff(engine, Role.editor)
    change = admin.get(f"/{lang}/staff/account/password")
    assert change.status_code == 200
    html = soup(change.text)
    assert html.find("html")["lang"]
    for name in ("current_password", "new_password", "confirm_password"):
        field = html.find("input", attrs={"name": name})
        assert html.find("label", attrs={"for": field["id"]}).get_text(strip=True)
    token = csrf_token(admin, f"/{lang}/staff/accounts")
    issued = admin.post(f"/{lang}/staff/accounts/{user.id}/reset-link", data={"csrf_token": token})
    link = _link_from(issued)
    assert f"/{lang}/staff/password-reset/" in link
    form = _device(app).get(link.removeprefix(PUBLIC_BASE))
    assert form.status_code == 200
    labels = [label.get_text(strip=True) for label in soup(form.text).find_all("label")]
    assert len(labels) == 2 and all(labels)


# The operator's command


@pytest.fixture
def cli_env(settings, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("PUBLIC_BASE_URL", PUBLIC_BASE)
    return monkeypatch


def test_reset_password_command_prints_a_working_link(app, engine, cli_env, capsys):
    user = make_staff(engine, Role.admin)
    assert cli.main(["reset-password", user.email.upper(), "--link", "--lang", "en"]) == 0
    link = LINK.search(capsys.readouterr().out).group(0)
    assert link.startswith("/en/")
    assert _use(_device(app), PUBLIC_BASE + link).status_code == 303
    assert _log_in(_device(app), user.email, NEW_PASSWORD) == 303
    assert _use(_device(app), PUBLIC_BASE + link).status_code == 404


def test_reset_password_command_sets_a_password_from_stdin(app, engine, cli_env, capsys):
    user = make_staff(engine, Role.admin)
    device = _device(app)
    assert _log_in(device, user.email, STAFF_PASSWORD) == 303
    cli_env.setattr("sys.stdin", io.StringIO(NEW_PASSWORD + "\n"))
    assert cli.main(["reset-password", user.email]) == 0
    assert "every login of the account has ended" in capsys.readouterr().out
    assert device.get("/de/staff/", follow_redirects=False).status_code == 303
    assert _log_in(_device(app), user.email, NEW_PASSWORD) == 303
    assert "staff.password_set" in _actions(engine)


def test_reset_password_command_refuses_what_it_cannot_do(engine, cli_env, capsys):
    user = make_staff(engine, Role.editor)
    cli_env.setattr("sys.stdin", io.StringIO("kurz\n"))
    assert cli.main(["reset-password", user.email]) == 1
    assert "12 characters" in capsys.readouterr().err
    assert cli.main(["reset-password", "nobody@example.org", "--link"]) == 1
    assert "No staff account" in capsys.readouterr().err
    with session_scope(engine, write=True) as session:
        session.get(StaffUser, user.id).is_active = False
    assert cli.main(["reset-password", user.email, "--link"]) == 1
    assert "deactivated" in capsys.readouterr().err
    cli_env.delenv("SECRET_KEY")
    other = make_staff(engine, Role.editor)
    assert cli.main(["reset-password", other.email, "--link"]) == 1
    assert "SECRET_KEY" in capsys.readouterr().err
    assert _user(engine, other.id).reset_token_hash is None
