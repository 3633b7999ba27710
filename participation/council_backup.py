"""`participation backup --council SLUG PATH` and `participation restore --council PATH`.

One council's rows in one file, to move the council to another installation or to bring
it back after it was deleted. The format, version 1: gzip-compressed JSON lines,

    {"format": "participation-council-backup", "version": 1, "council": "<slug>",
     "council_id": 7, "schema": "<alembic revision or null>", "written_at": "...",
     "tables": ["council", "consultation", ...]}
    {"table": "council", "columns": ["id", "slug", ...], "rows": 1}
    [7, "<slug>", ...]                      one JSON array per row, in the columns' order
    {"table": "consultation", ...}          and so on, parents before children
    {"end": true, "rows": 1234}             a file without it was cut short

Every table a council owns (it has ``council_id``: consultations, contributions, staff,
its hosts and numbers, site pages, recordings and audio...) with the council's row first,
and the rows of tables that hang on those without a council column of their own (a staff
member's used one-time codes). Not in it: what belongs to the installation (the login
throttle, the form-submission keys) and the files beside the database (the sign-language
video is the installation's, not a council's). Values are written as stored: encrypted
ones stay encrypted and keyed hashes stay hashes, so an installation restoring the file
needs the same SECRET_KEY to read them (and to recognise the same phone numbers).

Rows keep their ids. A restore checks the file, then writes everything in one
transaction; it refuses, writing nothing, where the council's slug or any of the ids,
hosts or numbers is taken, or where the schema differs.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, Engine, LargeBinary, MetaData, Table, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from participation import tables
from participation.db import session_scope

FORMAT = "participation-council-backup"
VERSION = 1
#: Rows read and written per statement.
CHUNK = 1000


class CouncilBackupError(Exception):
    pass


@dataclass(frozen=True)
class CouncilBackupReport:
    path: Path
    council: str
    tables: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


#: Tables that name a council but are the installation's: the operator's log belongs with
#: the operator's accounts, which no council's backup holds.
INSTALLATION_TABLES = frozenset({"operator_event"})


def council_tables(metadata: MetaData = tables.metadata) -> list[tuple[Table, str]]:
    """(table, how its rows are chosen) in the order they must be written back: the
    council itself, tables with a council column, tables hanging on those."""
    chosen: list[tuple[Table, str]] = []
    owned: set[str] = set()
    for table in metadata.sorted_tables:
        if table.name in INSTALLATION_TABLES:
            continue
        if table.name == "council":
            chosen.append((table, "id"))
            owned.add(table.name)
        elif "council_id" in table.c:
            chosen.append((table, "council_id"))
            owned.add(table.name)
        else:
            parent = next(
                (k for k in table.foreign_keys if k.column.table.name in owned - {"council"}),
                None,
            )
            if parent is not None:
                chosen.append((table, parent.parent.name))
    return chosen


def council_rows(table: Table, how: str, council_id: int, metadata: MetaData) -> ColumnElement:
    if how in ("id", "council_id"):
        return table.c[how] == council_id
    key = next(k for k in table.c[how].foreign_keys)
    parent = metadata.tables[key.column.table.name]
    return table.c[how].in_(
        select(parent.c[key.column.name]).where(parent.c.council_id == council_id)
    )


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Enum):
        return value.value
    return value


def _decoder(column: Column) -> Callable[[Any], Any]:
    kind = column.type
    impl = getattr(kind, "impl", kind)
    if isinstance(impl, LargeBinary):
        return lambda v: None if v is None else base64.b64decode(v)
    python_type: type = object
    for candidate in (kind, impl):  # a TypeDecorator may answer object: ask what it wraps
        try:
            python_type = candidate.python_type
        except NotImplementedError:
            continue
        if python_type is not object:
            break
    if python_type is datetime:
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if python_type is date:
        return lambda v: None if v is None else date.fromisoformat(v)
    return lambda v: v


def schema_revision(db: Connection) -> str | None:
    if not db.dialect.has_table(db, "alembic_version"):
        return None
    return db.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _allow_every_council(db: Connection) -> None:
    # Row-level security (migration 0002) lets a role that is held by it see and write
    # the rows of the council it names; a backup reads and writes all of one council's.
    if db.dialect.name == "postgresql":
        db.exec_driver_sql("SELECT set_config('participation.council_id', 'all', true)")


def export_council(engine: Engine, slug: str, path: Path) -> CouncilBackupReport:
    """Writes the council's rows to ``path`` (under a temporary name until complete)."""
    metadata = tables.metadata
    council = metadata.tables["council"]
    counts: dict[str, int] = {}
    partial = path.with_name(path.name + ".partial")
    path.parent.mkdir(parents=True, exist_ok=True)
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as db, db.begin():
        _allow_every_council(db)
        council_id = db.execute(select(council.c.id).where(council.c.slug == slug)).scalar()
        if council_id is None:
            raise CouncilBackupError(f"there is no council {slug!r} here")
        chosen = council_tables(metadata)
        header = {
            "format": FORMAT,
            "version": VERSION,
            "council": slug,
            "council_id": council_id,
            "schema": schema_revision(db),
            "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "tables": [table.name for table, _how in chosen],
        }
        with gzip.open(partial, "wt", encoding="utf-8") as out:
            out.write(json.dumps(header) + "\n")
            for table, how in chosen:
                condition = council_rows(table, how, council_id, metadata)
                total = db.execute(
                    select(func.count()).select_from(table).where(condition)
                ).scalar_one()
                columns = [c.name for c in table.columns]
                line = {"table": table.name, "columns": columns, "rows": total}
                out.write(json.dumps(line) + "\n")
                query = select(table).where(condition).order_by(*table.primary_key.columns)
                for row in db.execution_options(yield_per=CHUNK).execute(query):
                    values = [_encode(value) for value in row]
                    out.write(json.dumps(values, ensure_ascii=False) + "\n")
                counts[table.name] = total
            out.write(json.dumps({"end": True, "rows": sum(counts.values())}) + "\n")
    partial.replace(path)
    return CouncilBackupReport(path, slug, counts)


def _lines(path: Path) -> Iterator[Any]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as source:
            for line in source:
                yield json.loads(line)
    except (OSError, EOFError, json.JSONDecodeError) as error:
        raise CouncilBackupError(f"{path} is not a readable council backup: {error}") from error


def _header(lines: Iterator[Any], path: Path) -> dict:
    header = next(lines, None)
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CouncilBackupError(f"{path} is not a council backup")
    if header.get("version") != VERSION:
        raise CouncilBackupError(
            f"{path} is a council backup of format version {header.get('version')}; "
            f"this installation reads version {VERSION}"
        )
    return header


def _refuse_present_council(db: Connection, header: dict) -> None:
    council = tables.metadata.tables["council"]
    here = schema_revision(db)
    if header["schema"] and here and header["schema"] != here:
        raise CouncilBackupError(
            f"the backup was written at schema revision {header['schema']}, this installation "
            f"is at {here}: bring both to the same revision (participation migrate) first"
        )
    found = db.execute(
        select(council.c.id, council.c.slug).where(
            (council.c.slug == header["council"]) | (council.c.id == header["council_id"])
        )
    ).first()
    if found is not None:
        raise CouncilBackupError(
            f"council {header['council']!r} (id {header['council_id']}) cannot be restored "
            f"here: council {found.slug!r} has id {found.id} here. A council backup is "
            "restored only into an installation where that council does not exist; "
            "nothing was restored"
        )


def _hanging_parents() -> set[str]:
    """The tables whose rows others hang on without a council column of their own."""
    return {
        next(iter(table.c[how].foreign_keys)).column.table.name
        for table, how in council_tables()
        if how not in ("id", "council_id")
    }


#: The ids written so far, by table: a row hanging on a council's row must find it here.
_Restored = dict[str, set[Any]]


class _TableWriter:
    """Rows of one table, written in chunks after checking their ids are free."""

    def __init__(self, db: Connection, line: dict, council_id: int, restored: _Restored) -> None:
        name = line["table"]
        table = tables.metadata.tables.get(name)
        how = dict((t.name, how) for t, how in council_tables()).get(name)
        if table is None or how is None or set(line["columns"]) != set(table.c.keys()):
            raise CouncilBackupError(
                f"table {name!r} of the backup does not match this installation's schema"
            )
        self.db, self.table, self.expected = db, table, line["rows"]
        self.columns = line["columns"]
        self.decoders = [_decoder(table.c[name]) for name in self.columns]
        self.pending: list[dict[str, Any]] = []
        self.written = 0
        self.owner, self.restored = (how, council_id), restored
        # The rows of a table without a council column must hang on the council's own.
        self.parent = None
        if how not in ("id", "council_id"):
            key = next(iter(table.c[how].foreign_keys))
            self.parent = (key.column.table.name, restored[key.column.table.name])

    def add(self, values: list[Any]) -> None:
        row = {
            name: decode(value)
            for name, decode, value in zip(self.columns, self.decoders, values, strict=True)
        }
        how, council_id = self.owner
        belongs = row[how] in self.parent[1] if self.parent else row[how] == council_id
        if not belongs:
            # A file edited (or mixed up) to carry another council's rows.
            raise CouncilBackupError(
                f"{self.table.name}: a row of the backup belongs to another council; "
                "nothing was restored"
            )
        if "id" in row and self.table.name in self.restored:
            self.restored[self.table.name].add(row["id"])
        self.pending.append(row)
        if len(self.pending) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        keys = list(self.table.primary_key.columns)
        if len(keys) == 1:
            key = keys[0]
            taken = self.db.execute(
                select(key).where(key.in_([row[key.name] for row in self.pending])).limit(3)
            ).scalars()
            shown = ", ".join(str(value) for value in taken)
            if shown:
                raise CouncilBackupError(
                    f"{self.table.name}: {key.name} {shown} of the backup already exist here; "
                    "nothing was restored"
                )
        try:
            self.db.execute(self.table.insert(), self.pending)
        except IntegrityError as error:
            reason = str(error.orig).strip().splitlines()[0]
            raise CouncilBackupError(
                f"{self.table.name}: a row of the backup clashes with one here ({reason}); "
                "nothing was restored"
            ) from error
        self.written += len(self.pending)
        self.pending = []

    def close(self) -> int:
        self.flush()
        if self.written != self.expected:
            raise CouncilBackupError(f"{self.table.name}: the backup is incomplete")
        return self.written


def _raise_sequences(db: Connection, names: list[str]) -> None:
    """PostgreSQL: the id sequences past the restored ids (never back)."""
    if db.dialect.name != "postgresql":
        return  # SQLite takes the next id after the largest there is
    for name in names:
        table = tables.metadata.tables[name]
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        largest = db.execute(select(func.max(table.c.id))).scalar()
        if largest is None:
            continue
        db.execute(
            text(
                "SELECT setval(s, :m) FROM (SELECT pg_get_serial_sequence(:t, 'id') AS s) AS x "
                "WHERE s IS NOT NULL AND :m > coalesce(pg_sequence_last_value(s::regclass), 0)"
            ),
            {"t": name, "m": largest},
        )


def restore_council(engine: Engine, path: Path) -> CouncilBackupReport:
    """Writes the council of the backup at ``path`` in one transaction, or nothing."""
    lines = _lines(path)
    header = _header(lines, path)
    counts: dict[str, int] = {}
    ended = False
    with session_scope(engine, write=True) as session:
        db = session.connection()
        _allow_every_council(db)
        _refuse_present_council(db, header)
        writer: _TableWriter | None = None
        restored: _Restored = {name: set() for name in _hanging_parents()}
        for item in lines:
            if isinstance(item, list) and writer is not None:
                writer.add(item)
                continue
            if writer is not None:
                counts[writer.table.name] = writer.close()
                writer = None
            if isinstance(item, dict) and "table" in item:
                writer = _TableWriter(db, item, header["council_id"], restored)
            elif isinstance(item, dict) and item.get("end"):
                ended = item.get("rows") == sum(counts.values())
                break
            else:
                raise CouncilBackupError(f"{path}: unexpected line in the backup")
        if not ended:
            raise CouncilBackupError(f"{path} is cut short or damaged; nothing was restored")
        _raise_sequences(db, list(counts))
    return CouncilBackupReport(path, header["council"], counts)
