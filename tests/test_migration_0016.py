"""Migration 0016 indexes the votes by the contribution they came with: deleting a
contribution then finds its votes through the index, not by reading every vote."""

from __future__ import annotations

import sqlalchemy as sa

from participation.db import make_engine
from participation.migrate import upgrade
from tests.test_migration_0005 import _drop
from tests.test_migrations import _fresh_url, fill_every_table

BY_CONTRIBUTION = "SELECT id FROM poll_vote WHERE contribution_id = :c"


def test_0016_indexes_votes_by_their_contribution(backend, request, tmp_path):
    url = _fresh_url(backend, request, tmp_path, "vote_index")
    upgrade(url, "0015")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            rows = fill_every_table(connection)
            contribution = rows["contribution"]["id"]
            connection.execute(
                sa.text("UPDATE poll_vote SET contribution_id = :c"), {"c": contribution}
            )
        upgrade(url, "0016")
        with engine.connect() as connection:
            indexes = {i["name"] for i in sa.inspect(connection).get_indexes("poll_vote")}
            found = connection.execute(sa.text(BY_CONTRIBUTION), {"c": contribution}).all()
            query = BY_CONTRIBUTION.replace(":c", str(int(contribution)))
            if backend == "postgresql":
                connection.exec_driver_sql("SET enable_seqscan = off")
                plan = "\n".join(connection.exec_driver_sql("EXPLAIN " + query).scalars())
            else:
                plan = "\n".join(
                    str(row[-1])
                    for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + query)
                )
    finally:
        engine.dispose()
        _drop(url)
    assert "ix_poll_vote_contribution_id" in indexes
    assert len(found) == 1
    assert "ix_poll_vote_contribution_id" in plan
