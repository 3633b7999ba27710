"""Migration 0015 indexes the contributions that still link a recording: existing rows
are in it, and the retention's query can use it."""

from __future__ import annotations

import sqlalchemy as sa

from participation.db import make_engine
from participation.migrate import upgrade
from tests.test_migration_0005 import _drop
from tests.test_migrations import _fresh_url, fill_every_table

RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE" + "1" * 32
#: The retention's question (retention._forget_recordings), as it asks it.
LINKED = (
    "SELECT id FROM contribution WHERE recording_url IS NOT NULL "
    "AND status = 'published' AND body != ''"
)


def test_0015_indexes_the_linked_recordings(backend, request, tmp_path):
    url = _fresh_url(backend, request, tmp_path, "recording_index")
    upgrade(url, "0013")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            rows = fill_every_table(connection)
            connection.execute(
                sa.text(
                    "UPDATE contribution SET recording_url = :url, status = 'published', body = 'x'"
                ),
                {"url": RECORDING},
            )
        upgrade(url, "0015")
        with engine.connect() as connection:
            indexes = {i["name"] for i in sa.inspect(connection).get_indexes("contribution")}
            found = connection.execute(sa.text(LINKED)).scalars().all()
            if backend == "postgresql":
                connection.exec_driver_sql("SET enable_seqscan = off")
                plan = "\n".join(connection.exec_driver_sql("EXPLAIN " + LINKED).scalars())
            else:
                plan = "\n".join(
                    str(row[-1])
                    for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + LINKED)
                )
    finally:
        engine.dispose()
        _drop(url)
    assert "ix_contribution_recording" in indexes
    assert found == [rows["contribution"]["id"]]
    assert "ix_contribution_recording" in plan
