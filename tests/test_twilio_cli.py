"""`participation twilio-check` and `twilio-setup` against the fake Twilio API: the
numbers' webhook URLs read and set, in the council's region with its credentials."""

from __future__ import annotations

import io

import pytest

from participation.cli import main
from participation.councils.service import create_council, set_twilio_options
from participation.db import session_scope
from tests.conftest import PUBLIC_BASE, TEST_SECRET, TEST_TWILIO_TOKEN
from tests.fakes.twilio_api import add_number, running_fake_twilio

ACCOUNT = "AC" + "0" * 32
NUMBER = "+4915100000000"
EXPECTED = {
    "sms_url": PUBLIC_BASE + "/twilio/sms",
    "voice_url": PUBLIC_BASE + "/twilio/voice",
    "voice_fallback_url": PUBLIC_BASE + "/twilio/voice/fallback",
    "status_callback": PUBLIC_BASE + "/twilio/voice/call-status",
}


@pytest.fixture
def api(engine, database_url, monkeypatch):
    with running_fake_twilio() as fake:
        for name, value in {
            "DATABASE_URL": database_url,
            "SECRET_KEY": TEST_SECRET,
            "PUBLIC_BASE_URL": PUBLIC_BASE,
            "TWILIO_ACCOUNT_SID": ACCOUNT,
            "TWILIO_AUTH_TOKEN": TEST_TWILIO_TOKEN,
            "TWILIO_PHONE_NUMBER": NUMBER,
            "TWILIO_API_BASE": fake.base_url,
            "PARTICIPATION_QUIET": "1",
        }.items():
            monkeypatch.setenv(name, value)
        yield fake


def lines(capsys) -> list[str]:
    return [line.strip() for line in capsys.readouterr().out.splitlines()]


def test_check_names_each_unset_url_then_setup_sets_them(api, capsys):
    number = add_number(api, NUMBER, ACCOUNT, sms_url="http://old.example/sms")
    assert main(["twilio-check"]) == 1
    report = lines(capsys)
    assert (
        f"FAIL  {NUMBER}: SMS webhook is http://old.example/sms; should be {EXPECTED['sms_url']}"
        in report
    )
    assert (
        f"FAIL  {NUMBER}: voice fallback is not set; should be {EXPECTED['voice_fallback_url']}"
        in report
    )
    assert any("media authentication" in line and "cannot be read" in line for line in report)
    assert [r.method for r in api.number_requests] == ["GET"]

    assert main(["twilio-setup"]) == 0
    report = lines(capsys)
    for field, url in EXPECTED.items():
        assert api.numbers[number["sid"]][field] == url
    assert f"ok    {NUMBER}: voice fallback {EXPECTED['voice_fallback_url']}" in report
    assert f"ok    {NUMBER}: call-status callback {EXPECTED['status_callback']}" in report
    assert not [line for line in report if line.startswith("FAIL")]
    assert not [line for line in report if "13803" in line]  # US1: replies in TwiML
    assert main(["twilio-check"]) == 0


def test_an_http_base_url_fails_the_check(api, monkeypatch, capsys):
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://beteiligung.musterstadt.example")
    add_number(api, NUMBER, ACCOUNT)
    assert main(["twilio-setup"]) == 1
    report = lines(capsys)
    assert any(line.startswith("FAIL  PUBLIC_BASE_URL is not https://") for line in report)
    assert any("is not HTTPS" in line for line in report)


def test_a_council_in_the_eu_region_is_checked_there_with_its_key(api, engine, capsys):
    own_account = "AC" + "4" * 32
    with session_scope(engine, write=True) as session:
        create_council(session, "dorf", "Gemeinde Dorf", numbers=["+4951219876543"])
        session.flush()
        from participation.councils.service import set_twilio_account

        set_twilio_account(session, "dorf", own_account, "token-of-dorf-0123456789", TEST_SECRET)
        set_twilio_options(
            session,
            "dorf",
            {
                "twilio_region": "ie1",
                "twilio_edge": "dublin",
                "twilio_api_key_sid": "SK" + "5" * 32,
            },
            {"twilio_api_key_secret": "key-secret-of-dorf-0123"},
            TEST_SECRET,
        )
    add_number(api, "+4951219876543", own_account)
    add_number(api, NUMBER, ACCOUNT)  # the first council's: not looked at
    assert main(["twilio-setup", "--council", "dorf"]) == 0, capsys.readouterr().out
    assert {r.host for r in api.number_requests} == {"api.dublin.ie1.twilio.com"}
    assert {r.auth for r in api.number_requests} == {("SK" + "5" * 32, "key-secret-of-dorf-0123")}
    assert all(own_account in r.path for r in api.number_requests)
    report = lines(capsys)
    assert "note  region ie1, edge dublin; account " + own_account in report
    # Replies cannot be TwiML there: they need the worker, and the check says so.
    [replies] = [line for line in report if "error 13803" in line]
    assert "through the outbox" in replies and "participation worker" in replies
    assert "gets no replies" not in replies


def test_a_number_not_found_with_these_credentials_is_a_region_mismatch(api, capsys):
    add_number(api, NUMBER, "AC" + "9" * 32)  # in another account (or region)
    assert main(["twilio-check"]) == 1
    report = lines(capsys)
    assert any(
        line.startswith(f"FAIL  {NUMBER}: not a number of account {ACCOUNT} in region us1")
        for line in report
    )


def test_an_unknown_council_is_named(api, capsys):
    assert main(["twilio-check", "--council", "nowhere"]) == 1
    assert "no council 'nowhere'" in capsys.readouterr().out


def test_the_council_options_command_keeps_secrets_off_the_command_line(
    api, engine, monkeypatch, capsys
):
    with session_scope(engine, write=True) as session:
        create_council(session, "dorf", "Gemeinde Dorf")
    monkeypatch.setattr("sys.stdin", io.StringIO("the-webhook-key-secret-0123\n"))
    done = main(
        [
            "council",
            "set-twilio-options",
            "dorf",
            "--region",
            "ie1",
            "--webhook-key-id",
            "webhooks_sharedkey_abc123",
            "--advanced-opt-out",
            "on",
        ]
    )
    assert done == 0, capsys.readouterr().out
    from participation.councils.service import by_slug

    with session_scope(engine) as session:
        council = by_slug(session, "dorf")
        assert council.twilio_region == "ie1" and council.twilio_advanced_opt_out
        assert council.twilio_webhook_key_secret
        assert "the-webhook-key-secret" not in council.twilio_webhook_key_secret
    assert main(["council", "set-twilio-options", "dorf", "--region", "Irland"]) == 1
    assert "two letters and a digit" in capsys.readouterr().out
