"""Fixtures: the app on a real SQLite file and on the real PostgreSQL server.

Every database-facing test runs twice, once per backend. The PostgreSQL half uses a
database of its own per test worker, created on the server at DATABASE_URL_TEST
(default: postgresql://127.0.0.1:5432/test) and dropped at the end. Where no server
answers, that half is skipped with a loud message (CI=true makes it a failure).
"""

from __future__ import annotations

import os
import secrets
import warnings
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from starlette.testclient import TestClient

from participation import tables
from participation.app import create_app
from participation.clock import set_now
from participation.councils.service import ensure_first_council
from participation.db import make_engine
from participation.settings import Settings

warnings.filterwarnings("ignore", message=".*httpx.*", category=DeprecationWarning)
os.environ.setdefault("PARTICIPATION_QUIET", "1")

PG_SERVER = os.environ.get("DATABASE_URL_TEST", "postgresql://127.0.0.1:5432/test")
TEST_SECRET = "test-secret-key-for-the-suite-only"
TEST_TWILIO_TOKEN = "test-twilio-auth-token-0123456789"
PUBLIC_BASE = "https://beteiligung.musterstadt.example"
_pg_problem: list[str] = []


def _pg_available() -> bool:
    try:
        with psycopg.connect(PG_SERVER, connect_timeout=3):
            return True
    except psycopg.Error as error:
        if not _pg_problem:
            _pg_problem.append(str(error).strip().splitlines()[0])
        return False


def pytest_terminal_summary(terminalreporter):
    from tests.browser.summary import browser_summary
    from tests.trust.fuzz_summary import fuzz_summary

    browser_summary(terminalreporter)
    fuzz_summary(terminalreporter)
    if _pg_problem:
        terminalreporter.section("PostgreSQL NOT TESTED", sep="!")
        terminalreporter.write_line(
            f"No PostgreSQL server answered at {PG_SERVER} ({_pg_problem[0]}); "
            "every PostgreSQL half of the database tests was skipped."
        )


def _worker_suffix() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str | None]:
    if not _pg_available():
        yield None
        return
    name = f"participation_test_{_worker_suffix()}_{secrets.token_hex(3)}"
    with psycopg.connect(PG_SERVER, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_SERVER.rsplit("/", 1)[0]
    url = f"postgresql+psycopg://{base.split('://', 1)[1]}/{name}"
    try:
        yield url
    finally:
        with psycopg.connect(PG_SERVER, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("db") / "participation.db"
    return f"sqlite:///{path}"


_migrated: dict[str, Engine] = {}


def _engine_for(url: str) -> Engine:
    # The schema comes from the models here; tests/test_operations.py proves separately
    # that the Alembic migrations build exactly the same schema.
    if url not in _migrated:
        engine = make_engine(url)
        tables.metadata.create_all(engine)  # with the first council (councils/models.py)
        _migrated[url] = engine
    return _migrated[url]


def _empty(engine: Engine) -> None:
    names = [t.name for t in reversed(tables.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            _empty_postgresql(connection, names)
        else:
            for name in names:
                connection.execute(text(f'DELETE FROM "{name}"'))
        ensure_first_council(connection)


def _empty_postgresql(connection: Connection, names: list[str]) -> None:
    # TRUNCATE of every table made new files for each table and index, ~0.5 s before every
    # PostgreSQL test; a test writes to a few tables, which DELETE empties in milliseconds.
    probe = " UNION ALL ".join(f"SELECT '{n}' WHERE EXISTS (SELECT 1 FROM \"{n}\")" for n in names)
    filled = set(connection.execute(text(probe)).scalars())
    for name in names:  # children before parents, as the foreign keys want
        if name in filled:
            connection.execute(text(f'DELETE FROM "{name}"'))
    # Ids start at 1 again in every test, as TRUNCATE ... RESTART IDENTITY had them.
    used = connection.execute(
        text(
            "SELECT sequencename FROM pg_sequences "
            "WHERE schemaname = current_schema() AND last_value IS NOT NULL"
        )
    ).scalars()
    for sequence in list(used):
        connection.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> str:
    if backend == "postgresql":
        url = request.getfixturevalue("pg_database_url")
        if url is None:
            if os.environ.get("CI") == "true":
                pytest.fail(f"CI needs PostgreSQL at {PG_SERVER}: {_pg_problem[:1]}")
            pytest.skip(f"PostgreSQL not reachable at {PG_SERVER}")
        return url
    return request.getfixturevalue("sqlite_database_url")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = _engine_for(database_url)
    _empty(engine)
    yield engine
    set_now(None)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=TEST_SECRET,
        public_base_url=PUBLIC_BASE,
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=TEST_TWILIO_TOKEN,
        twilio_phone_number="+4915100000000",
    )


@pytest.fixture
def app(settings: Settings, engine: Engine):
    return create_app(settings, engine)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    # The base URL is the public one, so Origin checks and Twilio signatures match.
    with TestClient(app, base_url=PUBLIC_BASE) as test_client:
        yield test_client


@pytest.fixture
def session(engine: Engine):
    from sqlmodel import Session

    with Session(engine, expire_on_commit=False) as db:
        yield db
