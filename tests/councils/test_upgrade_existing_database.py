"""A council's live database, as today's release made it, upgrades into the first
council of the installation: every row kept, every row the first council's, the pages
and the staff login as before.

tests/fixtures/demo_database_0001.sql.gz is `participation demo` of the release before
councils (schema 0001), dumped with sqlite3's iterdump: 4 consultations, 15
contributions, votes, the staff account, site pages.
"""

from __future__ import annotations

import gzip
import sqlite3
from pathlib import Path

import sqlalchemy as sa
from starlette.testclient import TestClient

from participation import tables
from participation.app import create_app
from participation.db import make_engine
from participation.demo import DEMO_ADMIN
from participation.migrate import check, upgrade
from participation.settings import Settings
from tests.conftest import TEST_SECRET
from tests.factories import log_in_as

DUMP = Path(__file__).resolve().parents[1] / "fixtures" / "demo_database_0001.sql.gz"


def _restore(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.executescript(gzip.decompress(DUMP.read_bytes()).decode())
    connection.close()


def _counts(engine, names) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            name: connection.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar()
            for name in names
        }


def test_a_database_of_the_release_before_councils_becomes_the_first_council(tmp_path):
    path = tmp_path / "participation.db"
    _restore(path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with engine.connect() as connection:
        assert (
            connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            == "0001"
        )
        old_tables = set(sa.inspect(connection).get_table_names()) - {"alembic_version"}
    before = _counts(engine, old_tables)
    assert before["contribution"] == 15 and before["consultation"] == 4

    upgrade(url)
    check(url)

    assert _counts(engine, old_tables) == before, "the upgrade lost or added rows"
    with engine.connect() as connection:
        for table in tables.metadata.sorted_tables:
            if "council_id" in table.c and table.name in old_tables:
                councils = connection.execute(sa.select(table.c.council_id).distinct()).scalars()
                assert set(councils) <= {1}, table.name
        first = connection.execute(sa.text("SELECT slug, name, status FROM council")).all()
    assert first == [("council", "", "active")]

    settings = Settings(
        database_url=url, secret_key=TEST_SECRET, council_name="Gemeinde Musterstadt"
    )
    with TestClient(create_app(settings, engine), base_url="http://127.0.0.1:8000") as client:
        page = client.get("/de/c/marktplatz")
        assert page.status_code == 200 and "Gemeinde Musterstadt" in page.text
        assert log_in_as(client, *DEMO_ADMIN) == 303
        assert client.get("/de/staff/moderation").status_code == 200
    engine.dispose()
