"""Migration 0001 is frozen, and every later revision upgrades a database that holds data.

Councils upgrade live databases: a schema change is never an edit of 0001 but a new
Alembic revision, made from the changed models with

    make migration m="what changed"

(reviewed by hand, then tests/test_operations.py proves that the migrations build exactly
the models, and the test below that the new revision upgrades its predecessor with rows in
every table).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from participation.db import make_engine
from participation.migrate import alembic_config, check, upgrade

ROOT = Path(__file__).resolve().parents[1]
INITIAL = ROOT / "participation" / "migrations" / "versions" / "0001_initial_schema.py"
#: SHA-256 of 0001 without its "Create Date:" line (the one line a regeneration always
#: changes). Never update it to make this test pass: write a new revision instead.
PINNED_SHA256 = "6d7f6a6ea9b0665871c3034766b268636a4eb17f0c8b900914be186a806a65cf"


def _fingerprint(text: str) -> str:
    kept = [line for line in text.splitlines() if not line.startswith("Create Date:")]
    return hashlib.sha256("\n".join(kept).encode()).hexdigest()


def test_initial_migration_0001_is_frozen():
    actual = _fingerprint(INITIAL.read_text(encoding="utf-8"))
    assert actual == PINNED_SHA256, (
        "participation/migrations/versions/0001_initial_schema.py changed, but 0001 is "
        "frozen: live databases are already at it and would never see the change. Undo the "
        "edit (git checkout -- participation/migrations/versions/0001_initial_schema.py) "
        'and make the schema change a new revision: make migration m="what changed"; then '
        "run tests/test_operations.py and tests/test_migrations.py. Only for the one "
        "deliberate regeneration of 0001 before the first release, set PINNED_SHA256 in "
        f"tests/test_migrations.py to {actual!r}."
    )


def _revisions_after_initial() -> list[tuple[str, str]]:
    """(revision, its predecessor) for every revision after 0001, oldest first."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    found = []
    for revision in script.walk_revisions("base", "heads"):
        for down in revision._all_down_revisions:
            found.append((revision.revision, down))
    return list(reversed(found))


def _value_for(column: sa.Column, inserted: dict[str, dict[str, object]]) -> object:
    for foreign_key in column.foreign_keys:
        target = foreign_key.column
        row = inserted.get(target.table.name)
        if row is not None:
            return row[target.name]
        return None
    kind = column.type
    if isinstance(kind, sa.Enum) and kind.enums:
        return kind.enums[0]
    try:
        python_type = kind.python_type
    except NotImplementedError:
        python_type = str
    length = getattr(kind, "length", None) or 20
    return {
        bool: False,
        int: 1,
        float: 1.0,
        datetime: datetime(2027, 1, 1, 12, 0, tzinfo=UTC),
        bytes: b"\x00",
        dict: {},
        list: [],
    }.get(python_type, "x" * min(length, 8))


def fill_every_table(connection: sa.Connection) -> dict[str, dict[str, object]]:
    """One row in every table of the schema as it is, whatever the revision."""
    reflected = sa.MetaData()
    reflected.reflect(bind=connection)
    inserted: dict[str, dict[str, object]] = {}
    for table in reflected.sorted_tables:
        if table.name == "alembic_version":
            continue
        values = {}
        for column in table.columns:
            generated = column.primary_key and column.autoincrement in (True, "auto")
            if generated and isinstance(column.type, sa.Integer) and not column.foreign_keys:
                continue
            values[column.name] = _value_for(column, inserted)
        result = connection.execute(table.insert().values(**values))
        row = dict(values)
        keys = result.inserted_primary_key or ()
        for column, key in zip(table.primary_key.columns, keys, strict=False):
            row[column.name] = key
        inserted[table.name] = row
    return inserted


def _fresh_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/{name}.db"
    import psycopg

    base = request.getfixturevalue("pg_database_url")
    if base is None:
        pytest.skip("PostgreSQL not reachable")
    database = f"participation_{name}_" + base.rsplit("_", 1)[-1]
    server = base.rsplit("/", 1)[0].replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(server + "/test", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database}"')

    def drop() -> None:
        # Else every run left one database a test behind on the server (CI's too).
        with psycopg.connect(server + "/test", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    request.addfinalizer(drop)
    return base.rsplit("/", 1)[0] + "/" + database


def test_the_row_filler_fills_every_table_of_the_current_schema(backend, request, tmp_path):
    # The upgrade test below relies on it; here it proves itself on today's schema.
    url = _fresh_url(backend, request, tmp_path, "filler")
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            names = set(sa.inspect(connection).get_table_names()) - {"alembic_version"}
            # The migrations seed a few rows themselves (the first council).
            seeded = {
                n: connection.execute(sa.text(f'SELECT count(*) FROM "{n}"')).scalar()
                for n in names
            }
        with engine.begin() as connection:
            inserted = fill_every_table(connection)
        with engine.connect() as connection:
            assert set(inserted) == names
            for name in names:
                count = connection.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar()
                assert count == seeded[name] + 1, name
    finally:
        engine.dispose()


@pytest.mark.parametrize("step", _revisions_after_initial() or [None], ids=str)
def test_each_revision_upgrades_its_predecessor_with_data_in_it(step, backend, request, tmp_path):
    if step is None:
        pytest.skip(
            "no revision after 0001 yet: the first schema change (make migration) will be "
            "upgraded here from 0001 with a row in every table"
        )
    revision, predecessor = step
    url = _fresh_url(backend, request, tmp_path, "upgrade")
    upgrade(url, predecessor)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            before = fill_every_table(connection)
            # The first council's row, written by 0002, is there besides the filler's.
            counts = {
                name: connection.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar()
                for name in before
            }
        upgrade(url, revision)
        with engine.connect() as connection:
            names = set(sa.inspect(connection).get_table_names())
            for name in set(before) & names:
                count = connection.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar()
                assert count == counts[name], f"{revision} lost the row in {name}"
    finally:
        engine.dispose()
    upgrade(url)
    check(url)
