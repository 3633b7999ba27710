"""Seeds many councils fast, on PostgreSQL only: the first council is seeded by seed.py
(Core inserts, a few thousand rows), then copied to councils 2..N inside PostgreSQL with
``INSERT ... SELECT ... FROM generate_series`` (no row passes through Python), so 10
million contributions take minutes, not hours.

Each copy keeps the first council's shape: ids are shifted by a per-table stride
(``id + (n - 1) * stride``), foreign keys with them, ``council_id`` is n. Columns unique
across the installation get the council's number appended; reference numbers are unique
within a council (migration 0009), so each copy keeps the first council's real ones.

A seeded database is kept and used again while its fingerprint matches: the fingerprint
(a hash of SEED_VERSION, the models' columns and the requested scale) and the facts
the run needs are stored in the table ``bench_fingerprint`` of that database. Drop the
database (or pass --reset) to seed anew.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy import String, Table, UniqueConstraint, func, select
from sqlalchemy.engine import Engine, make_url

from participation import tables
from tests.benchmarks.seed import Seeded, seed

FINGERPRINT_TABLE = "bench_fingerprint"
HOST = "gemeinde-{n}.bench.test"
#: The council numbers: +4930 and the council's number in 7 digits.
NUMBER = "+4930{n:07d}"
#: Councils copied per statement: progress is printed between, and no statement runs long.
BATCH = 100
#: A kept database is seeded anew after this long (its open consultation closes in 20 days).
KEEP_DAYS = 7
#: Raise it with any change to seed.py or this file that changes the rows seeded.
SEED_VERSION = 3


def host_of(n: int) -> str:
    return HOST.format(n=n)


def number_of(n: int) -> str:
    return NUMBER.format(n=n)


def sibling_url(url: str, suffix: str) -> str:
    """The database beside DATABASE_URL's, named with a suffix (created when missing)."""
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{suffix}").render_as_string(hide_password=False)


def ensure_database(url: str) -> None:
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as db:
        found = db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [parsed.database])
        if found.fetchone() is None:
            db.execute(f'CREATE DATABASE "{parsed.database}"')


def fingerprint(councils: int, per_council: int, open_size: int) -> str:
    digest = hashlib.sha256(f"seed {SEED_VERSION}".encode())
    for table in tables.metadata.sorted_tables:
        digest.update(f"{table.name}:{[(c.name, str(c.type)) for c in table.columns]}".encode())
    digest.update(f"{councils}:{per_council}:{open_size}".encode())
    return digest.hexdigest()[:16]


def kept_facts(engine: Engine, wanted: str) -> tuple[Seeded, dict[str, int]] | None:
    """The facts of a database seeded with the same fingerprint, not too long ago, and
    the largest id of each table right after seeding."""
    with engine.connect() as db:
        if not engine.dialect.has_table(db, FINGERPRINT_TABLE):
            return None
        # As one JSON object: a table made by an older seed lacks later columns.
        row = db.exec_driver_sql(f"SELECT to_jsonb(f) FROM {FINGERPRINT_TABLE} f").scalar()
    if row is None or row["fingerprint"] != wanted or not row.get("ends"):
        return None
    if datetime.now(UTC) - datetime.fromisoformat(row["seeded_at"]) > timedelta(days=KEEP_DAYS):
        return None
    facts = Seeded(**json.loads(row["facts"]))
    facts.seconds = 0.0
    return facts, json.loads(row["ends"])


def seeded_ends(engine: Engine) -> dict[str, int]:
    """The largest id of each table with one."""
    ends = {}
    with engine.connect() as db:
        for table in tables.metadata.sorted_tables:
            if [c.name for c in table.primary_key.columns] == ["id"]:
                largest = db.execute(select(func.max(table.c.id))).scalar()
                ends[table.name] = int(largest or 0)
    return ends


def trim_to_seed(engine: Engine, ends: dict[str, int]) -> int:
    """Removes what earlier runs added to a kept database (the SMS runs' contributions,
    their inbound log, replies, deletions at the carrier, audit events), so every run
    measures the rows seeded: an earlier run's thousands of pending messages would
    otherwise make one installation's pages slower than the other's. Returns the rows
    removed."""
    removed = 0
    with engine.begin() as db:
        for table in reversed(tables.metadata.sorted_tables):
            if table.name in ends:
                removed += db.execute(table.delete().where(table.c.id > ends[table.name])).rowcount
    return removed


def seeded(
    engine: Engine, councils: int, total: int, *, reset: bool = False
) -> tuple[Seeded, bool]:
    """(facts, whether a kept database was used): ``councils`` councils holding about
    ``total`` contributions in all, each council the same shape."""
    open_size = min(2_000, max(total // councils // 5, 20))
    per_council = max(total // councils, open_size + 50)
    wanted = fingerprint(councils, per_council, open_size)
    if not reset and (kept := kept_facts(engine, wanted)) is not None:
        ensure_indexes(engine)
        facts, ends = kept
        if removed := trim_to_seed(engine, ends):
            print(f"  {removed:,} rows of earlier runs removed", flush=True)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
                db.exec_driver_sql("VACUUM ANALYZE")
        return facts, True
    started = time.perf_counter()
    tables.metadata.drop_all(engine)
    with engine.begin() as db:
        db.exec_driver_sql(f"DROP TABLE IF EXISTS {FINGERPRINT_TABLE}")
    # At a small scale (the test) the other consultations are small too.
    small = (20, 600) if per_council >= 10_000 else (1, 10)
    facts = seed(
        engine, big=per_council - open_size, open_size=open_size, fill_to=per_council, small=small
    )
    copy_first_council(engine, councils)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
        db.exec_driver_sql("VACUUM ANALYZE")
    with engine.begin() as db:
        facts.contributions = db.exec_driver_sql("SELECT count(*) FROM contribution").scalar_one()
        facts.consultations = db.exec_driver_sql("SELECT count(*) FROM consultation").scalar_one()
        facts.seconds = time.perf_counter() - started
        db.exec_driver_sql(
            f"CREATE TABLE {FINGERPRINT_TABLE} "
            "(fingerprint text, facts text, seeded_at timestamptz DEFAULT now(), ends text)"
        )
        db.exec_driver_sql(
            f"INSERT INTO {FINGERPRINT_TABLE} (fingerprint, facts, ends) "
            "VALUES (%(f)s, %(j)s, %(e)s)",
            {"f": wanted, "j": json.dumps(asdict(facts)), "e": json.dumps(seeded_ends(engine))},
        )
    return facts, False


def ensure_indexes(engine: Engine) -> None:
    """A kept database gets the indexes added to the models since it was seeded (indexes
    are not in the fingerprint: adding one should not cost a new seed)."""
    for table in tables.metadata.sorted_tables:
        for index in table.indexes:
            index.create(engine, checkfirst=True)


def _copied_tables(db) -> list[tuple[Table, int]]:
    """The first council's tables that hold rows, in dependency order, with their stride."""
    found = []
    for table in tables.metadata.sorted_tables:
        if "council_id" not in table.c or "id" not in table.c:
            continue
        largest = db.exec_driver_sql(f'SELECT max(id) FROM "{table.name}"').scalar()
        if largest:
            found.append((table, int(largest)))
    return found


def _unique_alone(table: Table, name: str) -> bool:
    """Whether the column is unique across the installation by itself."""
    return bool(table.c[name].unique) or any(
        isinstance(constraint, UniqueConstraint) and [c.name for c in constraint.columns] == [name]
        for constraint in table.constraints
    )


def _column_expression(table: Table, name: str, strides: dict[str, int], new_id: str) -> str:
    column = table.c[name]
    if name == "council_id":
        return "g"
    if name == "id":
        return new_id
    for key in column.foreign_keys:
        target = key.column.table.name
        if target in strides:
            return f'"{name}" + (g - 1) * {strides[target]}'
    if _unique_alone(table, name) and isinstance(getattr(column.type, "impl", column.type), String):
        return f"\"{name}\" || '-' || g"
    return f'"{name}"'


def copy_first_council(engine: Engine, councils: int) -> None:
    """Councils 2..N as copies of the first, each with its own host and number."""
    with engine.begin() as db:
        council = tables.metadata.tables["council"]
        plain = [c.name for c in council.columns if c.name not in ("id", "slug", "name")]
        listed = ", ".join(f'"{c}"' for c in plain)
        db.exec_driver_sql(
            f"INSERT INTO council (id, slug, name, {listed}) "
            f"SELECT g, 'gemeinde-' || g, 'Gemeinde ' || g, {listed} "
            f"FROM council, generate_series(2, {councils}) AS g WHERE council.id = 1"
        )
        db.exec_driver_sql(
            "INSERT INTO council_host (host, council_id) "
            f"SELECT 'gemeinde-' || g || '.bench.test', g FROM generate_series(1, {councils}) g"
        )
        db.exec_driver_sql(
            "INSERT INTO council_number (number, council_id) "
            f"SELECT '+4930' || lpad(g::text, 7, '0'), g FROM generate_series(1, {councils}) g"
        )
        db.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('council', 'id'), (SELECT max(id) FROM council))"
        )
        copied = _copied_tables(db)
    strides = {table.name: stride for table, stride in copied}
    for first in range(2, councils + 1, BATCH):
        last = min(first + BATCH - 1, councils)
        started = time.perf_counter()
        with engine.begin() as db:
            # The copies are made of rows that already passed every constraint; the
            # foreign-key triggers would only look each parent up again (superuser only).
            db.exec_driver_sql("SET LOCAL session_replication_role = replica")
            for table, stride in copied:
                new_id = f"id + (g - 1) * {stride}"
                names = [c.name for c in table.columns]
                quoted = ", ".join(f'"{n}"' for n in names)
                values = ", ".join(_column_expression(table, n, strides, new_id) for n in names)
                db.exec_driver_sql(
                    f'INSERT INTO "{table.name}" ({quoted}) '
                    f'SELECT {values} FROM "{table.name}", generate_series({first}, {last}) AS g '
                    f'WHERE "{table.name}".council_id = 1'
                )
        print(
            f"  councils {first}-{last} copied in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    with engine.begin() as db:
        for table, _stride in copied:
            db.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f'(SELECT max(id) FROM "{table.name}"))'
            )
