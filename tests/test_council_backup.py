"""One council's backup: written, the council deleted, restored row for row; nothing of
another council in it; a restore that would clash writes nothing."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from participation import tables
from participation.cli import main as cli
from participation.council_backup import (
    FORMAT,
    CouncilBackupError,
    council_rows,
    council_tables,
    export_council,
    restore_council,
)
from participation.db import make_engine
from participation.migrate import upgrade
from tests.test_migrations import _fresh_url, fill_every_table

#: fill_every_table's council: its text columns are all "xxxxxxxx".
B = "xxxxxxxx"


def _installation(backend: str, request, tmp_path: Path, name: str) -> sa.Engine:
    url = _fresh_url(backend, request, tmp_path, name)
    upgrade(url)
    engine = make_engine(url)
    request.addfinalizer(lambda: _drop(engine))
    return engine


def _drop(engine: sa.Engine) -> None:
    engine.dispose()
    if engine.dialect.name == "postgresql":
        server = engine.url.set(drivername="postgresql", database="postgres")
        with psycopg.connect(server.render_as_string(hide_password=False), autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{engine.url.database}" WITH (FORCE)')


def _fill_a(connection: sa.Connection) -> None:
    """Rows of the first council (A) in the tables B's backup must leave out."""
    meta = tables.metadata.tables
    staff = connection.execute(
        meta["staff_user"]
        .insert()
        .values(council_id=1, email="a@a.example", name="A", role="admin", password_hash="h")
        .returning(meta["staff_user"].c.id)
    ).scalar_one()
    connection.execute(meta["totp_use"].insert().values(staff_id=staff, counter=7))
    consultation = connection.execute(
        meta["consultation"]
        .insert()
        .values(council_id=1, slug="a-platz", code="4711")
        .returning(meta["consultation"].c.id)
    ).scalar_one()
    connection.execute(
        meta["contribution"]
        .insert()
        .values(
            council_id=1,
            consultation_id=consultation,
            reference="12345674",
            channel="web",
            locale="de",
            body="A's own",
            status="published",
            flag_count=0,
        )
    )


def _two_councils(engine: sa.Engine) -> int:
    with engine.begin() as connection:
        _fill_a(connection)
        inserted = fill_every_table(connection)
        # SQLite reflects enum columns as text, so the filler wrote text into them.
        for table in tables.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, sa.Enum) and table.name in inserted:
                    connection.execute(table.update().values({column.name: column.type.enums[0]}))
    return int(inserted["council"]["id"])


def _rows_of(engine: sa.Engine, council_id: int) -> dict[str, list[tuple]]:
    found = {}
    with engine.connect() as connection:
        for table, how in council_tables():
            query = (
                sa.select(table)
                .where(council_rows(table, how, council_id, tables.metadata))
                .order_by(*table.primary_key.columns)
            )
            found[table.name] = [tuple(row) for row in connection.execute(query)]
    return found


def _delete(engine: sa.Engine, council_id: int) -> None:
    """The council gone from this installation, as its operator would remove it: its
    rows, and the operator's log lines about it (the installation's, not in the file)."""
    with engine.begin() as connection:
        log = tables.metadata.tables["operator_event"]
        connection.execute(log.delete().where(log.c.council_id == council_id))
        for table, how in reversed(council_tables()):
            connection.execute(
                table.delete().where(council_rows(table, how, council_id, tables.metadata))
            )


def _counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            t.name: connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in tables.metadata.sorted_tables
        }


def test_a_council_is_restored_row_for_row(backend, request, tmp_path):
    engine = _installation(backend, request, tmp_path, "cbackup")
    b = _two_councils(engine)
    before = _rows_of(engine, b)
    # Data in every table that belongs to a council, so every one makes the round trip.
    assert all(before[name] for name in before), [n for n in before if not before[n]]
    report = export_council(engine, B, tmp_path / "b.jsonl.gz")
    assert report.tables == {name: len(rows) for name, rows in before.items()}
    a_before = _rows_of(engine, 1)

    _delete(engine, b)
    assert not any(_rows_of(engine, b).values())
    restore_council(engine, tmp_path / "b.jsonl.gz")

    assert _rows_of(engine, b) == before
    assert _rows_of(engine, 1) == a_before


def test_the_backup_holds_no_row_of_another_council(tmp_path, request):
    engine = _installation("sqlite", request, tmp_path, "cbackup")
    b = _two_councils(engine)
    export_council(engine, B, tmp_path / "b.jsonl.gz")
    with gzip.open(tmp_path / "b.jsonl.gz", "rt") as source:
        lines = [json.loads(line) for line in source]
    header, end = lines[0], lines[-1]
    assert header["format"] == FORMAT and header["version"] == 1 and header["council_id"] == b
    assert end == {"end": True, "rows": sum(1 for line in lines if isinstance(line, list))}
    columns: list[str] = []
    table = ""
    b_staff = {row[0] for row in _rows_of(engine, b)["staff_user"]}
    seen = set()
    for line in lines[1:-1]:
        if isinstance(line, dict):
            table, columns = line["table"], line["columns"]
            continue
        row = dict(zip(columns, line, strict=True))
        seen.add(table)
        if table == "council":
            assert row["id"] == b
        elif "council_id" in row:
            assert row["council_id"] == b, (table, row)
        else:
            assert row["staff_id"] in b_staff, (table, row)
    # A's used one-time code hangs on A's staff member only: left out.
    assert "totp_use" in seen


def test_a_restore_refuses_a_council_that_exists_and_writes_nothing(backend, request, tmp_path):
    engine = _installation(backend, request, tmp_path, "cbackup")
    _two_councils(engine)
    export_council(engine, B, tmp_path / "b.jsonl.gz")
    counts = _counts(engine)
    with pytest.raises(CouncilBackupError, match="does not exist"):
        restore_council(engine, tmp_path / "b.jsonl.gz")
    assert _counts(engine) == counts


def test_a_restore_that_finds_an_id_taken_writes_nothing(backend, request, tmp_path):
    engine = _installation(backend, request, tmp_path, "cbackup")
    b = _two_councils(engine)
    export_council(engine, B, tmp_path / "b.jsonl.gz")
    consultation = _rows_of(engine, b)["consultation"][0][0]
    _delete(engine, b)
    with engine.begin() as connection:
        # The first council took B's consultation id in the meantime.
        connection.execute(
            tables.metadata.tables["consultation"]
            .insert()
            .values(id=consultation, council_id=1, slug="neu", code="4800")
        )
    counts = _counts(engine)
    with pytest.raises(CouncilBackupError, match=r"consultation: id .* already exist"):
        restore_council(engine, tmp_path / "b.jsonl.gz")
    # Not half restored: the council row and every table before the clash are gone too.
    assert _counts(engine) == counts
    assert not _rows_of(engine, b)["council"]


def test_a_council_moves_to_another_installation(backend, request, tmp_path):
    source = _installation("sqlite", request, tmp_path, "cfrom")
    b = _two_councils(source)
    before = _rows_of(source, b)
    export_council(source, B, tmp_path / "b.jsonl.gz")
    target = _installation(backend, request, tmp_path, "cto")
    restore_council(target, tmp_path / "b.jsonl.gz")
    assert _rows_of(target, b) == before
    # Ids go on after the restored ones (PostgreSQL's sequences were moved past them).
    with target.begin() as connection:
        staff = tables.metadata.tables["staff_user"]
        new = connection.execute(
            staff.insert()
            .values(council_id=b, email="n@b.example", name="N", role="editor", password_hash="h")
            .returning(staff.c.id)
        ).scalar_one()
    assert new > max(row[0] for row in before["staff_user"])


def test_damaged_or_foreign_files_are_refused(tmp_path, request):
    engine = _installation("sqlite", request, tmp_path, "cbackup")
    b = _two_councils(engine)
    export_council(engine, B, tmp_path / "b.jsonl.gz")
    _delete(engine, b)
    with gzip.open(tmp_path / "b.jsonl.gz", "rt") as source:
        lines = source.read().splitlines()
    with gzip.open(tmp_path / "cut.jsonl.gz", "wt") as out:
        out.write("\n".join(lines[:-3]) + "\n")
    with pytest.raises(CouncilBackupError, match=r"incomplete|cut short"):
        restore_council(engine, tmp_path / "cut.jsonl.gz")
    (tmp_path / "plain.txt").write_text("hello")
    with pytest.raises(CouncilBackupError, match="not a readable council backup"):
        restore_council(engine, tmp_path / "plain.txt")
    assert not _rows_of(engine, b)["council"]


def test_the_command_line_writes_and_restores_a_council(tmp_path, request, monkeypatch, capsys):
    engine = _installation("sqlite", request, tmp_path, "cbackup")
    b = _two_councils(engine)
    before = _rows_of(engine, b)
    monkeypatch.setenv("DATABASE_URL", str(engine.url))
    path = tmp_path / "backups" / "b.jsonl.gz"
    assert cli(["backup", "--council", B, str(path)]) == 0
    assert cli(["backup", "--council", "nowhere", str(tmp_path / "n.gz")]) == 1
    assert "no council 'nowhere'" in capsys.readouterr().err
    assert cli(["restore", "--council", str(path)]) == 1
    _delete(engine, b)
    assert cli(["restore", "--council", str(path)]) == 0
    assert f"Council {B!r} restored" in capsys.readouterr().out
    assert _rows_of(engine, b) == before


@pytest.mark.parametrize("table", ["consultation", "totp_use"])
def test_a_file_carrying_another_councils_row_is_refused(table, tmp_path, request):
    engine = _installation("sqlite", request, tmp_path, "cbackup")
    b = _two_councils(engine)
    export_council(engine, B, tmp_path / "b.jsonl.gz")
    _delete(engine, b)
    a_staff = _rows_of(engine, 1)["staff_user"][0][0]
    with gzip.open(tmp_path / "b.jsonl.gz", "rt") as source:
        lines = [json.loads(line) for line in source]
    current, columns = "", []
    for n, line in enumerate(lines):
        if isinstance(line, dict) and "table" in line:
            current, columns = line["table"], line["columns"]
        elif isinstance(line, list) and current == table:
            # Edited to write into the first council (A), or to hang on A's staff.
            field = "council_id" if table == "consultation" else "staff_id"
            line[columns.index(field)] = 1 if table == "consultation" else a_staff
            lines[n] = line
            break
    with gzip.open(tmp_path / "edited.jsonl.gz", "wt") as out:
        out.write("\n".join(json.dumps(line) for line in lines) + "\n")
    counts = _counts(engine)
    with pytest.raises(CouncilBackupError, match="belongs to another council"):
        restore_council(engine, tmp_path / "edited.jsonl.gz")
    assert _counts(engine) == counts
