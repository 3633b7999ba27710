"""Migration 0005 queues what Twilio already holds of an existing installation: linked
recordings (to be copied first), sent and received messages; nothing made up."""

from __future__ import annotations

import sqlalchemy as sa

from participation.db import make_engine
from participation.migrate import upgrade
from tests.test_migrations import _fresh_url, fill_every_table

RECORDING = "RE" + "1" * 32
SENT = "SM" + "2" * 32
RECEIVED = "MM" + "3" * 32


def test_0005_queues_what_twilio_holds(backend, request, tmp_path):
    url = _fresh_url(backend, request, tmp_path, "carrier")
    upgrade(url, "0002")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            rows = fill_every_table(connection)
            connection.execute(
                sa.text("UPDATE contribution SET recording_url = :url"),
                {"url": f"https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/{RECORDING}"},
            )
            connection.execute(
                sa.text("UPDATE outbound_message SET provider_sid = :s"), {"s": SENT}
            )
            connection.execute(sa.text("UPDATE sms_inbound SET message_sid = :s"), {"s": RECEIVED})
        upgrade(url, "0005")
        with engine.connect() as connection:
            jobs = connection.execute(
                sa.text(
                    "SELECT kind, sid, contribution_id, status FROM carrier_deletion ORDER BY sid"
                )
            ).all()
    finally:
        engine.dispose()
        _drop(url)
    contribution = rows["contribution"]["id"]
    assert [tuple(job) for job in jobs] == [
        ("message", RECEIVED, None, "queued"),
        ("recording", RECORDING, contribution, "queued"),
        ("message", SENT, None, "queued"),
    ]


def _drop(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    import psycopg

    server, name = url.replace("postgresql+psycopg", "postgresql").rsplit("/", 1)
    with psycopg.connect(server + "/test", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
