"""Staff login: throttled per account and per address, rotated sessions, logout that
really ends the session, log out everywhere, and the optional one-time-code step."""

from __future__ import annotations

from datetime import timedelta

import pyotp
from sqlmodel import select
from starlette.testclient import TestClient

from participation.accounts import throttle, totp
from participation.accounts.models import Role, StaffUser
from participation.clock import set_now, utcnow
from participation.db import session_scope
from participation.moderation.models import AuditEvent
from tests.conftest import PUBLIC_BASE, TEST_SECRET
from tests.factories import STAFF_PASSWORD, csrf_token, login, make_staff, soup


def _attempt(client, email: str, password: str):
    token = csrf_token(client, "/en/staff/login")
    return client.post(
        "/en/staff/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def _throttle_rows(engine) -> list[throttle.LoginThrottle]:
    with session_scope(engine) as session:
        return list(session.exec(select(throttle.LoginThrottle)).all())


def test_one_address_trying_many_accounts_is_locked_out(client, engine):
    victims = [make_staff(engine) for _ in range(3)]
    for n in range(throttle.ADDRESS_MAX_FAILURES):
        # Never five on one account: only the per-address limit can stop this.
        assert _attempt(client, f"guess{n}@example.org", "wrong password 123").status_code == 401
    # The right password from that address is refused for now...
    assert _attempt(client, victims[0].email, STAFF_PASSWORD).status_code == 401
    # ...while the same account logs in fine from another address.
    other = TestClient(client.app, base_url=PUBLIC_BASE, client=("203.0.113.9", 50000))
    assert _attempt(other, victims[0].email, STAFF_PASSWORD).status_code == 303


def test_the_address_is_stored_only_as_a_short_lived_keyed_hash(client, engine):
    _attempt(client, "nobody@example.org", "wrong password 123")
    rows = _throttle_rows(engine)
    assert len(rows) == 1
    host = "testclient"  # what Starlette's TestClient reports as the client address
    assert rows[0].key == throttle.address_key(TEST_SECRET, host)
    assert host not in rows[0].key and len(rows[0].key) == 64
    # After the window the row is deleted by the next attempt from anyone.
    set_now(utcnow() + throttle.WINDOW + throttle.LOCK)
    other = TestClient(client.app, base_url=PUBLIC_BASE, client=("198.51.100.7", 1234))
    _attempt(other, "nobody@example.org", "wrong password 123")
    assert [r.key for r in _throttle_rows(engine)] == [
        throttle.address_key(TEST_SECRET, "198.51.100.7")
    ]


def test_ipv6_clients_are_counted_per_64_network():
    one = throttle.address_key("k", "2001:db8:1:2:aaaa::1")
    assert one == throttle.address_key("k", "2001:db8:1:2:ffff::9")
    assert one != throttle.address_key("k", "2001:db8:1:3::1")
    assert throttle.address_key("k", "::ffff:192.0.2.1") == throttle.address_key("k", "192.0.2.1")


def test_account_lock_out_ends_after_its_time(client, engine):
    user = make_staff(engine)
    for _ in range(5):
        _attempt(client, user.email, "wrong password 123")
    assert _attempt(client, user.email, STAFF_PASSWORD).status_code == 401
    set_now(utcnow() + timedelta(minutes=16))
    assert _attempt(client, user.email, STAFF_PASSWORD).status_code == 303


def test_login_rotates_the_session_and_logout_makes_the_old_cookie_worthless(client, engine):
    user = make_staff(engine, Role.moderator)
    assert _attempt(client, user.email, STAFF_PASSWORD).status_code == 303
    first = client.cookies.get("staff_session")
    assert first
    assert client.get("/de/staff/moderation").status_code == 200

    # A second login gets a different cookie (new session id and CSRF binding).
    client.cookies.clear()
    _attempt(client, user.email, STAFF_PASSWORD)
    second = client.cookies.get("staff_session")
    assert second != first

    token = csrf_token(client, "/de/staff/")
    assert client.post("/de/staff/logout", data={"csrf_token": token}).status_code == 200
    # Someone who copied the cookie before the logout cannot use it afterwards.
    replay = TestClient(client.app, base_url=PUBLIC_BASE)
    for stolen in (first, second):
        replay.cookies.set("staff_session", stolen)
        response = replay.get("/de/staff/moderation", follow_redirects=False)
        assert response.status_code == 303
        assert "/staff/login" in response.headers["location"]


def test_log_out_everywhere_ends_other_sessions(app, engine):
    user = make_staff(engine, Role.editor)
    laptop = TestClient(app, base_url=PUBLIC_BASE)
    phone = TestClient(app, base_url=PUBLIC_BASE)
    for device in (laptop, phone):
        assert _attempt(device, user.email, STAFF_PASSWORD).status_code == 303
        assert device.get("/de/staff/").status_code == 200
    token = csrf_token(laptop, "/de/staff/account/security")
    response = laptop.post(
        "/de/staff/account/logout-everywhere", data={"csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    assert phone.get("/de/staff/", follow_redirects=False).status_code == 303
    assert laptop.get("/de/staff/", follow_redirects=False).status_code == 303
    with session_scope(engine) as session:
        actions = [e.action for e in session.exec(select(AuditEvent)).all()]
    assert "staff.logout_everywhere" in actions


def _enrol(client, engine) -> str:
    page = client.get("/en/staff/account/security")
    assert page.status_code == 200
    html = soup(page.text)
    image = html.find("img")
    assert image["src"].startswith("data:image/svg+xml")  # no request to anyone
    secret = html.find("code").get_text().replace(" ", "")
    assert len(secret) == 32
    token = html.find("input", attrs={"name": "csrf_token"})["value"]
    wrong = client.post(
        "/en/staff/account/totp/enable", data={"csrf_token": token, "code": "000000"}
    )
    assert wrong.status_code == 422
    response = client.post(
        "/en/staff/account/totp/enable",
        data={"csrf_token": token, "code": pyotp.TOTP(secret).now()},
        follow_redirects=False,
    )
    assert response.status_code == 303
    return secret


def test_staff_can_switch_on_one_time_codes_and_then_need_them(client, engine):
    user = login(client, engine, Role.moderator)
    secret = _enrol(client, engine)
    with session_scope(engine) as session:
        stored = session.get(StaffUser, user.id)
        # Stored encrypted, not as the secret itself.
        assert stored.totp_secret and secret not in stored.totp_secret
        assert totp.secret_of(TEST_SECRET, stored) == secret

    fresh = TestClient(client.app, base_url=PUBLIC_BASE)
    response = _attempt(fresh, user.email, STAFF_PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/en/staff/login/code"
    # Password alone is not a staff session.
    assert fresh.get("/de/staff/", follow_redirects=False).status_code == 303

    page = fresh.get("/en/staff/login/code")
    token = soup(page.text).find("input", attrs={"name": "csrf_token"})["value"]
    wrong = fresh.post("/en/staff/login/code", data={"csrf_token": token, "code": "123456"})
    assert wrong.status_code == 401
    assert "not right" in soup(wrong.text).find(class_="error-summary").get_text()
    code = pyotp.TOTP(secret).at(utcnow(), counter_offset=1)  # next step: still accepted
    ok = fresh.post(
        "/en/staff/login/code", data={"csrf_token": token, "code": code}, follow_redirects=False
    )
    assert ok.status_code == 303
    assert fresh.get("/de/staff/").status_code == 200

    # The same code a second time (shoulder surfing, replay) is refused.
    again = TestClient(client.app, base_url=PUBLIC_BASE)
    _attempt(again, user.email, STAFF_PASSWORD)
    token = csrf_token(again, "/en/staff/login/code")
    replay = again.post("/en/staff/login/code", data={"csrf_token": token, "code": code})
    assert replay.status_code == 401


def test_wrong_codes_count_towards_the_account_lock_out(client, engine):
    user = login(client, engine, Role.admin)
    secret = _enrol(client, engine)
    fresh = TestClient(client.app, base_url=PUBLIC_BASE)
    _attempt(fresh, user.email, STAFF_PASSWORD)
    for _ in range(5):
        token = csrf_token(fresh, "/en/staff/login/code")
        fresh.post("/en/staff/login/code", data={"csrf_token": token, "code": "000000"})
    token = csrf_token(fresh, "/en/staff/login/code")
    right = pyotp.TOTP(secret).now()
    response = fresh.post("/en/staff/login/code", data={"csrf_token": token, "code": right})
    assert response.status_code == 401


def test_the_code_step_expires(client, engine):
    user = login(client, engine, Role.admin)
    _enrol(client, engine)
    fresh = TestClient(client.app, base_url=PUBLIC_BASE)
    _attempt(fresh, user.email, STAFF_PASSWORD)
    assert fresh.get("/en/staff/login/code").status_code == 200
    set_now(utcnow() + timedelta(seconds=301))
    response = fresh.get("/en/staff/login/code", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/en/staff/login"


def test_switching_codes_off_needs_a_valid_code(client, engine):
    user = login(client, engine, Role.editor)
    secret = _enrol(client, engine)
    token = csrf_token(client, "/en/staff/account/security")
    refused = client.post(
        "/en/staff/account/totp/disable", data={"csrf_token": token, "code": "999999"}
    )
    assert refused.status_code == 422
    code = pyotp.TOTP(secret).at(utcnow(), counter_offset=-1)
    done = client.post(
        "/en/staff/account/totp/disable",
        data={"csrf_token": token, "code": code},
        follow_redirects=False,
    )
    assert done.status_code == 303
    with session_scope(engine) as session:
        assert session.get(StaffUser, user.id).totp_secret is None


def test_password_rules_are_about_length_and_hashes_are_argon2id(engine):
    from participation.accounts.passwords import password_problem
    from participation.accounts.service import AccountError, create_staff

    assert password_problem("a" * 11) == "too_short"
    # Any composition is fine once it is long enough (NIST SP 800-63B): no "special
    # character" rules that push people towards Passw0rd!.
    for password in ("a" * 12, "korrekt pferd", "ДЛИННЫЙ ПАРОЛЬ", "🔑" * 12, "x" * 1024):
        assert password_problem(password) is None
    assert password_problem("x" * 1025) == "too_long"
    with session_scope(engine, write=True) as session:
        user = create_staff(session, "long@example.org", "nur kleinbuchstaben", Role.editor)
        assert user.password_hash.startswith("$argon2id$")
        try:
            create_staff(session, "short@example.org", "kurz", Role.editor)
        except AccountError as error:
            assert str(error) == "too_short"
        else:
            raise AssertionError("a short password was accepted")


def _wrong_codes(client, count: int) -> None:
    for _ in range(count):
        token = csrf_token(client, "/en/staff/login/code")
        wrong = client.post("/en/staff/login/code", data={"csrf_token": token, "code": "000000"})
        assert wrong.status_code == 401


def test_rounds_of_right_password_and_wrong_codes_lock_the_account(client, engine):
    """Guessing codes in rounds of (right password, four wrong codes) used to go on for
    ever: the right password set the failure count back to zero every round."""
    user = login(client, engine, Role.admin)
    secret = _enrol(client, engine)
    thief = TestClient(client.app, base_url=PUBLIC_BASE, client=("203.0.113.66", 4000))
    assert _attempt(thief, user.email, STAFF_PASSWORD).status_code == 303
    _wrong_codes(thief, 4)
    # A new round: the password is right again, which must not wipe the four misses.
    assert _attempt(thief, user.email, STAFF_PASSWORD).status_code == 303
    with session_scope(engine) as session:
        assert session.get(StaffUser, user.id).failed_logins == 4
    _wrong_codes(thief, 1)
    with session_scope(engine) as session:
        assert session.get(StaffUser, user.id).locked_until is not None
    # Locked: neither the password nor, from the owner's own device, the right code helps.
    owner = TestClient(client.app, base_url=PUBLIC_BASE, client=("192.0.2.10", 4000))
    assert _attempt(owner, user.email, STAFF_PASSWORD).status_code == 401
    set_now(utcnow() + timedelta(minutes=16))
    assert _attempt(owner, user.email, STAFF_PASSWORD).status_code == 303
    token = csrf_token(owner, "/en/staff/login/code")
    right = owner.post(
        "/en/staff/login/code",
        data={"csrf_token": token, "code": pyotp.TOTP(secret).at(utcnow())},
        follow_redirects=False,
    )
    assert right.status_code == 303
    # Only the second factor's success clears the count.
    with session_scope(engine) as session:
        assert session.get(StaffUser, user.id).failed_logins == 0


def test_a_right_password_keeps_earlier_misses_until_the_code_is_right(client, engine):
    user = login(client, engine, Role.editor)
    _enrol(client, engine)
    fresh = TestClient(client.app, base_url=PUBLIC_BASE)
    for _ in range(3):
        assert _attempt(fresh, user.email, "wrong password 123").status_code == 401
    assert _attempt(fresh, user.email, STAFF_PASSWORD).status_code == 303
    _wrong_codes(fresh, 2)
    with session_scope(engine) as session:
        assert session.get(StaffUser, user.id).locked_until is not None
