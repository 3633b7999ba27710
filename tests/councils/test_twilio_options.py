"""A council's Twilio options over the installation's: what it inherits, what it never
borrows (another account's keys, another council's Messaging Service)."""

from __future__ import annotations

from participation.councils.service import (
    create_council,
    directory,
    set_twilio_account,
    set_twilio_options,
)
from participation.db import session_scope
from tests.conftest import TEST_SECRET

KEY = "SK" + "1" * 32
SERVICE = "MG" + "2" * 32


def entries(engine, base):
    with engine.connect() as connection:
        return {c.slug: c.settings(base) for c in directory(connection).councils}


def test_a_council_inherits_the_region_and_key_but_never_the_messaging_service(engine, settings):
    base = settings.with_(
        twilio_region="ie1",
        twilio_edge="dublin",
        twilio_api_key_sid=KEY,
        twilio_api_key_secret="installation-key-secret",
        twilio_messaging_service_sid=SERVICE,
        twilio_advanced_opt_out=True,
    )
    with session_scope(engine, write=True) as session:
        create_council(session, "dorf", "Gemeinde Dorf", numbers=["+4951219876543"])
        create_council(session, "stadt", "Stadt", numbers=["+4951219876544"])
        set_twilio_account(session, "stadt", "AC" + "5" * 32, "stadt-token-0123456789", TEST_SECRET)
        set_twilio_options(
            session,
            "stadt",
            {"twilio_messaging_service_sid": "MG" + "6" * 32},
            {},
            TEST_SECRET,
            advanced_opt_out=True,
        )
    seen = entries(engine, base)
    first, dorf, stadt = seen["council"], seen["dorf"], seen["stadt"]
    assert (first.twilio_region, first.twilio_messaging_service_sid) == ("ie1", SERVICE)
    assert first.twilio_advanced_opt_out
    # The installation's account, its region and key; not the first council's sender pool.
    assert (dorf.twilio_region, dorf.twilio_edge, dorf.twilio_api_key_sid) == (
        "ie1",
        "dublin",
        KEY,
    )
    assert dorf.twilio_messaging_service_sid == "" and dorf.twilio_advanced_opt_out is False
    # Its own account: none of the installation's region, key or signing key.
    assert (stadt.twilio_region, stadt.twilio_api_key_sid) == ("", "")
    assert stadt.twilio_auth_token == "stadt-token-0123456789"
    assert stadt.twilio_messaging_service_sid == "MG" + "6" * 32
    assert stadt.twilio_advanced_opt_out is True
