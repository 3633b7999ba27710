"""The many-council benchmark's machinery at a tiny scale (3 councils, 1,000 contributions),
so that it cannot rot between the rare full runs. Figures are not checked: only that
the seed is what the run relies on and that the run measures, compares and reports."""

from __future__ import annotations

import argparse
import shutil

import psycopg
import pytest
import sqlalchemy as sa

from participation import tables
from participation.db import make_engine
from tests.benchmarks.councils_seed import (
    FINGERPRINT_TABLE,
    host_of,
    number_of,
    seeded,
    sibling_url,
)
from tests.benchmarks.many_councils import (
    NAME,
    evaluate_many_councils,
    print_many_councils,
    run_many_councils,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def server_url(pg_database_url):
    """A PostgreSQL address whose sibling databases (_one, _councils) are dropped after."""
    if pg_database_url is None:
        pytest.skip("PostgreSQL not reachable")
    base = pg_database_url.rsplit("_", 1)[0] + "_bench"
    yield base
    admin = base.rsplit("/", 1)[0].replace("postgresql+psycopg", "postgresql") + "/postgres"
    name = base.rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True) as db:
        for suffix in ("", "_one", "_councils"):
            db.execute(f'DROP DATABASE IF EXISTS "{name}{suffix}" WITH (FORCE)')


def test_the_seed_copies_the_first_council_and_is_kept(server_url):
    from tests.benchmarks.councils_seed import ensure_database, sibling_url

    url = sibling_url(server_url, "councils")
    ensure_database(url)
    engine = make_engine(url)
    try:
        facts, kept = seeded(engine, 3, 1_000)
        assert not kept
        with engine.begin() as db:
            per_council = dict(
                db.exec_driver_sql(
                    "SELECT council_id, count(*) FROM contribution GROUP BY council_id"
                ).all()
            )
            assert set(per_council) == {1, 2, 3}
            assert len(set(per_council.values())) == 1
            assert sum(per_council.values()) == facts.contributions
            hosts = dict(db.exec_driver_sql("SELECT host, council_id FROM council_host").all())
            assert hosts == {host_of(n): n for n in (1, 2, 3)}
            numbers = dict(
                db.exec_driver_sql("SELECT number, council_id FROM council_number").all()
            )
            assert numbers == {number_of(n): n for n in (1, 2, 3)}
            # Each copy's rows point at its own council's parents.
            crossed = db.exec_driver_sql(
                "SELECT count(*) FROM contribution c JOIN consultation k "
                "ON k.id = c.consultation_id WHERE k.council_id <> c.council_id"
            ).scalar_one()
            assert crossed == 0
            # The id sequences were moved past the copies.
            staff = tables.metadata.tables["staff_user"]
            db.execute(
                staff.insert().values(
                    council_id=2, email="new@example.org", role="editor", password_hash="h"
                )
            )
        again, kept = seeded(engine, 3, 1_000)
        assert kept and again.open_slug == facts.open_slug
        _, kept = seeded(engine, 2, 1_000)
        assert not kept
        with engine.connect() as db:
            assert db.execute(sa.text(f"SELECT count(*) FROM {FINGERPRINT_TABLE}")).scalar() == 1
    finally:
        engine.dispose()


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_the_run_measures_one_council_among_many_and_reports(server_url, capsys):
    args = argparse.Namespace(
        councils=3,
        council_contributions=1_000,
        council_rounds=2,
        duration=0.5,
        warmup=0,
        connections=2,
        gzip=True,
        hello_seconds=0,
        sms_rate=200,
        only=["many councils"],
        reset=False,
    )
    part = run_many_councils(server_url.replace("postgresql+psycopg", "postgresql"), args)
    assert part is not None
    many = part["installations"][NAME]
    assert many["council"] == 2 and many["host"] == host_of(2)
    assert [row["what"] for row in part["comparison"]] == [
        "consultation page",
        "consultation page, built every time",
        "moderation queue, built every time",
        "SMS webhook",
    ]
    # Both installations measured in turns, every run in every round.
    assert all(row["rounds"] == 2 and len(row["rps_ratios"]) == 2 for row in part["comparison"])
    for installation in part["installations"].values():
        assert len(installation["runs"]) == 2 * 4
        for run in installation["runs"]:
            assert run["requests"] > 0 and run["bad_status"] == 0, run
        assert len(installation["sms_checks"]) == 2
        assert all(check["nothing_lost"] for check in installation["sms_checks"])
    assert len(many["web_processes"]) == 2
    assert many["council_added_live"]["answers_without_restart"]
    print_many_councils(part)
    assert "Many councils: council 2 of 3" in capsys.readouterr().out
    assert len(evaluate_many_councils(part)) == 6

    # The next run finds the kept database as it was seeded: the SMS runs' rows are gone.
    engine = make_engine(sibling_url(server_url, "councils"))
    try:
        with engine.connect() as db:
            grown = db.exec_driver_sql("SELECT count(*) FROM contribution").scalar_one()
        facts, kept = seeded(engine, 3, 1_000)
        with engine.connect() as db:
            now = db.exec_driver_sql("SELECT count(*) FROM contribution").scalar_one()
            logged = db.exec_driver_sql("SELECT count(*) FROM sms_inbound").scalar_one()
    finally:
        engine.dispose()
    assert kept and grown > facts.contributions
    assert now == facts.contributions and logged == 0


def test_without_postgresql_it_is_skipped_loudly(capsys):
    assert run_many_councils("sqlite:///x.db", argparse.Namespace()) is None
    assert "MANY COUNCILS SKIPPED" in capsys.readouterr().out
