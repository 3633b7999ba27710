"""The sender in Twilio's EU region (IE1, edge Dublin) with an API key, and through a
Messaging Service instead of a number: what the (fake) API sees."""

from __future__ import annotations

from datetime import timedelta

from participation.clock import utcnow
from participation.housekeeping import run_worker
from participation.outbox.models import OutboundStatus
from participation.outbox.worker import TwilioSender
from tests.outbox.test_worker import ALICE, messages, queue

API_KEY = "SK" + "2" * 32
API_SECRET = "api-key-secret-made-in-ie1-0123"
SERVICE = "MG" + "3" * 32


def test_the_region_and_edge_host_is_used_with_the_api_key(engine, worker_settings, twilio_api):
    eu = worker_settings.with_(
        twilio_region="ie1",
        twilio_edge="dublin",
        twilio_api_key_sid=API_KEY,
        twilio_api_key_secret=API_SECRET,
    )
    queue(engine)
    assert run_worker(eu, once=True, engine=engine) == 0
    [sent] = twilio_api.accepted
    assert sent.host == "api.dublin.ie1.twilio.com"
    # The key authenticates; the account is still the one in the path.
    assert sent.auth == (API_KEY, API_SECRET)
    assert sent.path.startswith(f"/2010-04-01/Accounts/{eu.twilio_account_sid}/")


def test_without_a_region_the_default_host(engine, worker_settings, twilio_api, monkeypatch):
    # The library would read these from the environment; the council's settings decide.
    monkeypatch.setenv("TWILIO_REGION", "au1")
    monkeypatch.setenv("TWILIO_EDGE", "sydney")
    queue(engine)
    run_worker(worker_settings, once=True, engine=engine)
    [sent] = twilio_api.accepted
    assert sent.host == "api.twilio.com"
    assert sent.auth == (worker_settings.twilio_account_sid, worker_settings.twilio_auth_token)


def test_a_messaging_service_is_the_sender_instead_of_the_number(
    engine, worker_settings, twilio_api
):
    service = worker_settings.with_(twilio_messaging_service_sid=SERVICE)
    queue(engine)
    run_worker(service, once=True, engine=engine)
    [sent] = twilio_api.accepted
    assert sent.form["MessagingServiceSid"] == SERVICE
    assert "From" not in sent.form
    [stored] = messages(engine)
    assert stored.status is OutboundStatus.sent


def test_a_messaging_service_only_council_still_sends(engine, worker_settings, twilio_api):
    """No number of its own, only a Messaging Service: not the no-number refusal."""
    service = worker_settings.with_(twilio_phone_number="", twilio_messaging_service_sid=SERVICE)
    queue(engine)
    run_worker(service, once=True, engine=engine)
    assert [r.form["MessagingServiceSid"] for r in twilio_api.accepted] == [SERVICE]


def test_the_lookup_finds_a_message_the_service_sent_from_its_pool(worker_settings, twilio_api):
    sender = TwilioSender(worker_settings.with_(twilio_messaging_service_sid=SERVICE))
    since = utcnow() - timedelta(minutes=1)
    result = sender.send(1, ALICE, "Ergebnis da.")
    found = sender.find_accepted(ALICE, "Ergebnis da.", since)
    assert [f.provider_sid for f in found] == [result.provider_sid]
    # A number's sender does not take the service's message for its own.
    assert TwilioSender(worker_settings).find_accepted(ALICE, "Ergebnis da.", since) == []
