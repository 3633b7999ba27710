import re

import pytest

from participation.accounts.models import Role
from tests.factories import STAFF_PASSWORD, csrf_token, login, make_staff


@pytest.mark.parametrize(
    "path", ["/de/staff/", "/de/staff/moderation", "/de/staff/consultations/new"]
)
def test_staff_pages_send_anonymous_visitors_to_login(client, engine, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/de/staff/login?next=")


def test_staff_post_without_login_is_401(client, engine):
    token = csrf_token(client, "/de/staff/login")
    response = client.post("/de/staff/moderation/1/approve", data={"csrf_token": token})
    assert response.status_code == 401


def test_editor_may_not_moderate_and_moderator_may_not_edit(client, engine):
    login(client, engine, Role.editor)
    assert client.get("/de/staff/moderation", follow_redirects=False).status_code == 403
    assert client.get("/de/staff/consultations/new").status_code == 200
    client.cookies.clear()
    login(client, engine, Role.moderator)
    assert client.get("/de/staff/consultations/new").status_code == 403
    assert client.get("/de/staff/moderation").status_code == 200


def test_login_failure_does_not_reveal_whether_the_email_exists(client, engine):
    user = make_staff(engine)
    answers = []
    for email, password in ((user.email, "wrong password!!"), ("nobody@example.org", "x" * 12)):
        token = csrf_token(client, "/en/staff/login")
        response = client.post(
            "/en/staff/login", data={"email": email, "password": password, "csrf_token": token}
        )
        page = re.sub(r'name="csrf_token" value="[^"]*"', "", response.text)
        answers.append((response.status_code, page.replace(email, "EMAIL")))
    assert answers[0] == answers[1]
    assert answers[0][0] == 401


def test_account_locks_after_repeated_failures(client, engine):
    user = make_staff(engine)
    for _ in range(5):
        token = csrf_token(client, "/en/staff/login")
        client.post(
            "/en/staff/login",
            data={"email": user.email, "password": "nope" * 4, "csrf_token": token},
        )
    token = csrf_token(client, "/en/staff/login")
    response = client.post(
        "/en/staff/login",
        data={"email": user.email, "password": STAFF_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 401


def test_session_cookie_is_httponly_samesite_and_secure(client, engine):
    user = make_staff(engine)
    token = csrf_token(client, "/de/staff/login")
    response = client.post(
        "/de/staff/login",
        data={"email": user.email, "password": STAFF_PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie


def test_next_parameter_cannot_leave_the_site(client, engine):
    user = make_staff(engine)
    token = csrf_token(client, "/de/staff/login")
    response = client.post(
        "/de/staff/login",
        data={
            "email": user.email,
            "password": STAFF_PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/de/staff/"
