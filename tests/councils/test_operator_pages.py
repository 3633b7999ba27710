"""The operator's pages: where they answer, and what the operator does there, audited."""

from __future__ import annotations

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from participation.cli import main
from participation.councils.models import Council, CouncilHost, CouncilNumber, CouncilStatus
from participation.db import session_scope
from participation.operator.models import OperatorAccount, OperatorEvent
from tests.councils.operator_support import (
    BEISPIELDORF,
    MUSTERSTADT,
    OPERATOR,
    OPERATOR_EMAIL,
    SECRET_THEIRS,
    operator_client,
    operator_login,
    two_councils,
)
from tests.factories import csrf_token, soup


@pytest.fixture
def settings(settings):
    return settings.with_(operator_hosts=("betrieb.localhost",))


@pytest.fixture
def installation(app, engine):
    return two_councils(app, engine)


def _events(engine) -> list[tuple[str, int | None]]:
    with session_scope(engine) as session:
        rows = session.exec(select(OperatorEvent).order_by(OperatorEvent.id)).all()
        return [(row.action, row.council_id) for row in rows]


def test_operator_pages_answer_on_the_operator_host_only(app, installation):
    with TestClient(app, base_url=OPERATOR) as operator:
        assert operator.get("/operator/de/login").status_code == 200
        # The operator's host is no council's: nothing else is served there.
        assert operator.get("/de/").status_code == 404
        assert operator.get("/de/staff/login").status_code == 404
        assert operator.get("/healthz").status_code == 200
    for base in (MUSTERSTADT, BEISPIELDORF, "https://fremd.example"):
        with TestClient(app, base_url=base) as other:
            for path in ("/operator", "/operator/", "/operator/de/login", "/operator/de/councils"):
                response = other.get(path, follow_redirects=False)
                assert response.status_code == 404, (base, path)
                assert "Operator" not in response.text


def test_without_operator_hosts_there_are_no_operator_pages(engine, database_url):
    from participation.app import create_app
    from participation.settings import Settings
    from tests.conftest import PUBLIC_BASE, TEST_SECRET

    plain = create_app(Settings(database_url=database_url, secret_key=TEST_SECRET), engine)
    with TestClient(plain, base_url=PUBLIC_BASE) as client:
        assert client.get("/operator/de/login").status_code == 404
        assert client.get("/de/").status_code == 200


def test_the_list_shows_every_council_with_this_months_use_and_no_text(app, installation):
    with operator_client(app) as operator:
        page = operator.get("/operator/de/councils")
    assert page.status_code == 200
    rows = soup(page.text).select("table.data tbody tr")
    assert len(rows) == 2
    dorf = next(row for row in rows if "beispieldorf" in row.text)
    cells = [cell.get_text(strip=True) for cell in dorf.find_all(["th", "td"])]
    assert cells[:5] == [
        "Gemeinde Beispieldorf",
        "beispieldorf",
        "aktiv",
        "beispieldorf.localhost",
        "",
    ]
    assert cells[5] == "1"  # one contribution this month
    assert SECRET_THEIRS not in page.text


def test_create_configure_and_add_host_and_number(app, engine, installation):
    with operator_client(app) as operator:
        token = csrf_token(operator, "/operator/de/councils/new")
        refused = operator.post(
            "/operator/de/councils/new",
            data={"slug": "Nicht Gut", "name": "X", "csrf_token": token},
        )
        assert refused.status_code == 422
        assert "Kleinbuchstaben" in soup(refused.text).select_one(".error-summary").text
        made = operator.post(
            "/operator/de/councils/new",
            data={"slug": "neudorf", "name": "Gemeinde Neudorf", "csrf_token": token},
            follow_redirects=False,
        )
        assert made.status_code == 303
        page = operator.get(made.headers["location"])
        assert "Gemeinde Neudorf" in page.text
        light = operator.post(
            "/operator/de/councils/neudorf",
            data={"name": "Gemeinde Neudorf", "accent_colour": "#ffff00", "csrf_token": token},
        )
        assert light.status_code == 422
        summary = soup(light.text).select_one(".error-summary a")
        assert summary["href"] == "#field-accent_colour" and "zu hell" in summary.text
        saved = operator.post(
            "/operator/de/councils/neudorf",
            data={"name": "Neudorf", "accent_colour": "#1D5F3A", "csrf_token": token},
            follow_redirects=False,
        )
        assert saved.status_code == 303
        for path, field, value in (
            ("hosts", "host", "Neudorf.Localhost"),
            ("numbers", "number", "+49 5121 99 88 77"),
        ):
            added = operator.post(
                f"/operator/de/councils/neudorf/{path}",
                data={field: value, "csrf_token": token},
                follow_redirects=False,
            )
            assert added.status_code == 303
        taken = operator.post(
            "/operator/de/councils/neudorf/hosts",
            data={"host": "betrieb.localhost", "csrf_token": token},
        )
        assert taken.status_code == 422
        assert operator.get("/operator/de/councils/unbekannt").status_code == 404
    with session_scope(engine) as session:
        council = session.exec(select(Council).where(Council.slug == "neudorf")).one()
        assert (council.name, council.accent_colour) == ("Neudorf", "#1d5f3a")
        assert session.get(CouncilHost, "neudorf.localhost").council_id == council.id
        assert session.get(CouncilNumber, "+495121998877").council_id == council.id
    actions = [action for action, council_id in _events(engine) if council_id == council.id]
    assert actions == [
        "council.created",
        "council.configured",
        "council.host_added",
        "council.number_added",
    ]


def test_suspend_with_a_notice_then_resume_and_archive(app, engine, installation):
    with operator_client(app) as operator:
        confirm = operator.get("/operator/de/councils/beispieldorf/status/suspend")
        assert confirm.status_code == 200
        token = soup(confirm.text).find("input", attrs={"name": "csrf_token"})["value"]
        done = operator.post(
            "/operator/de/councils/beispieldorf/status/suspend",
            data={"notice": "Die Beteiligung ruht bis März.", "csrf_token": token},
            follow_redirects=False,
        )
        assert done.status_code == 303
        app.state.councils.expire()
        with TestClient(app, base_url=BEISPIELDORF) as dorf:
            page = dorf.get(f"/de/c/{installation.theirs.slug}")
            assert page.status_code == 503 and "Die Beteiligung ruht bis März." in page.text
        for action in ("resume", "archive"):
            assert (
                operator.post(
                    f"/operator/de/councils/beispieldorf/status/{action}",
                    data={"csrf_token": token},
                    follow_redirects=False,
                ).status_code
                == 303
            )
        bogus = operator.post(
            "/operator/de/councils/beispieldorf/status/delete", data={"csrf_token": token}
        )
        assert bogus.status_code == 404
    with session_scope(engine) as session:
        council = session.get(Council, installation.other_id)
        assert council.status is CouncilStatus.archived
    actions = [a for a, c in _events(engine) if c == installation.other_id]
    assert actions == ["council.suspended", "council.active", "council.archived"]


def test_usage_per_month_and_the_csv_for_the_bill(app, installation):
    with operator_client(app) as operator:
        page = operator.get("/operator/de/usage")
        assert page.status_code == 200
        month = soup(page.text).find("input", attrs={"name": "month"})["value"]
        download = operator.get(f"/operator/de/usage.csv?month={month}")
        assert operator.get("/operator/de/usage.csv?month=Dezember").status_code == 400
    assert download.headers["content-type"].startswith("text/csv")
    assert f"usage-{month}.csv" in download.headers["content-disposition"]
    lines = download.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("month,council,name,web,")
    dorf = next(line for line in lines if ",beispieldorf," in line)
    assert dorf.split(",")[:4] == [month, "beispieldorf", "Gemeinde Beispieldorf", "1"]
    assert SECRET_THEIRS not in download.text


def test_forms_without_a_valid_token_are_refused_and_change_nothing(app, engine, installation):
    with operator_client(app) as operator:
        for data in ({}, {"csrf_token": "forged"}):
            response = operator.post(
                "/operator/de/councils/new", data={"slug": "boese", "name": "Böse", **data}
            )
            assert response.status_code == 403
        token = csrf_token(operator, "/operator/de/councils")
        cross_site = operator.post(
            "/operator/de/councils/beispieldorf/status/archive",
            data={"csrf_token": token},
            headers={"origin": "https://evil.example"},
        )
        assert cross_site.status_code == 403
    with TestClient(app, base_url=OPERATOR) as stranger:
        # A token of another session is no token for this one.
        assert operator_login(stranger) == 303
        response = stranger.post(
            "/operator/de/councils/new",
            data={"slug": "boese", "name": "Böse", "csrf_token": token},
        )
        assert response.status_code == 403
    with session_scope(engine) as session:
        assert session.exec(select(Council).where(Council.slug == "boese")).first() is None
        assert session.get(Council, installation.other_id).status is CouncilStatus.active


def test_a_wrong_password_is_refused_and_logout_ends_the_session(app, engine, installation):
    with TestClient(app, base_url=OPERATOR) as operator:
        assert operator_login(operator, "not the password at all") == 401
        assert operator_login(operator) == 303
        token = csrf_token(operator, "/operator/de/councils")
        cookies = dict(operator.cookies)
        operator.post("/operator/de/logout", data={"csrf_token": token})
    with TestClient(app, base_url=OPERATOR, cookies=cookies) as replay:
        response = replay.get("/operator/de/councils", follow_redirects=False)
    assert response.status_code == 303 and "/operator/de/login" in response.headers["location"]


def test_the_second_factor_is_asked_once_switched_on(app, engine, installation):
    import pyotp

    from participation.clock import utcnow

    with operator_client(app) as operator:
        page = operator.get("/operator/de/security")
        secret = soup(page.text).find("code").text.replace(" ", "")
        token = csrf_token(operator, "/operator/de/security")
        wrong = operator.post(
            "/operator/de/security/totp", data={"code": "000000", "csrf_token": token}
        )
        assert wrong.status_code == 422
        now = pyotp.TOTP(secret).at(utcnow())
        on = operator.post(
            "/operator/de/security/totp",
            data={"code": now, "csrf_token": token},
            follow_redirects=False,
        )
        assert on.status_code == 303
    with TestClient(app, base_url=OPERATOR) as again:
        assert operator_login(again) == 303
        # Password right, but no operator page before the code.
        page = again.get("/operator/de/councils", follow_redirects=False)
        assert "/operator/de/login" in page.headers["location"]
        token = csrf_token(again, "/operator/de/login/code")
        used = again.post("/operator/de/login/code", data={"code": now, "csrf_token": token})
        assert used.status_code == 401  # the code that switched it on is spent
        later = pyotp.TOTP(secret).at(utcnow().timestamp() + 30)
        right = again.post(
            "/operator/de/login/code",
            data={"code": later, "csrf_token": token},
            follow_redirects=False,
        )
        assert right.status_code == 303
        assert again.get("/operator/de/councils").status_code == 200
    assert ("operator.totp_enabled", None) in _events(engine)


def test_the_command_line_creates_an_operator(engine, database_url, monkeypatch, capsys):
    import io

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("OPERATOR_HOSTS", "Betrieb.Example:443, ")
    monkeypatch.setattr("sys.stdin", io.StringIO("a long operator password\n"))
    assert main(["operator", "create", "Neu@Provider.Example"]) == 0
    assert "betrieb.example" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["operator", "create", "zwei@provider.example"]) == 1
    with session_scope(engine) as session:
        emails = session.exec(select(OperatorAccount.email)).all()
    assert emails == ["neu@provider.example"]
    assert OPERATOR_EMAIL not in emails


def test_the_council_commands_are_in_the_operators_log_too(
    engine, database_url, monkeypatch, capsys
):
    import io

    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["council", "create", "neudorf", "Gemeinde Neudorf", "--host", "n.localhost"]) == 0
    assert main(["council", "configure", "neudorf", "--phone", "+49 5121 1"]) == 0
    assert main(["council", "suspend", "neudorf", "--notice", "Pause."]) == 0
    token = "geheimes-token-0123456789"
    monkeypatch.setattr("sys.stdin", io.StringIO(token + "\n"))
    assert main(["council", "set-twilio", "neudorf", "AC" + "1" * 32]) == 0
    assert main(["council", "suspend", "gibtsnicht"]) == 1
    with session_scope(engine) as session:
        rows = session.exec(select(OperatorEvent).order_by(OperatorEvent.id)).all()
    assert [(row.action, row.operator_id) for row in rows] == [
        ("council.created", None),
        ("council.configured", None),
        ("council.suspended", None),
        ("council.twilio_set", None),
    ]
    assert all(token not in str(row.detail) for row in rows)


def test_the_operators_pages_come_in_every_language_with_their_switch(app, installation):
    with operator_client(app) as operator:
        page = soup(operator.get("/operator/ar/councils").text)
        switch = [a["href"] for a in page.select("nav.languages a")]
        english = soup(operator.get("/operator/en/councils").text)
    assert (page.html["lang"], page.html["dir"]) == ("ar", "rtl")
    assert page.h1.text == "البلديات"
    assert {"/operator/de/councils", "/operator/ls/councils", "/operator/uk/councils"} <= set(
        switch
    )
    assert english.h1.text == "Councils"
