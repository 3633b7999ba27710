"""PostgreSQL's second wall: the application's role, which owns no table, sees only the
rows of the council its transaction names, whatever a statement forgets to say."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from participation.db import make_engine, session_scope
from participation.migrate import upgrade
from tests.test_migrations import _fresh_url

APP_ROLE = "participation_app_test"
NOW = "2027-01-01 12:00:00+00"


def _consultation(council: int, slug: str) -> str:
    return (
        "INSERT INTO consultation (council_id, slug, code, default_locale, is_published,"
        " retention_days, allow_unverified_votes, created_at, updated_at)"
        f" VALUES ({council}, '{slug}', '4711', 'de', true, 180, false, '{NOW}', '{NOW}')"
    )


@pytest.fixture
def migrated(request, tmp_path):
    url = _fresh_url("postgresql", request, tmp_path, "rls")
    upgrade(url)
    owner = make_engine(url)
    with owner.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO council (slug, name, status, suspended_notice, address, email,"
            " phone, sms_number, front_desk_hours, phone_hours, data_protection_officer,"
            " timezone, accent_colour, twilio_account_sid, twilio_auth_token,"
            " operator_may_read, created_at, updated_at) VALUES ('beispieldorf',"
            f" 'Beispieldorf', 'active', '', '', '', '', '', '', '', '', '', '', '', '',"
            f" false, '{NOW}', '{NOW}')"
        )
        connection.exec_driver_sql(_consultation(1, "marktplatz"))
        connection.exec_driver_sql(_consultation(2, "dorfteich"))
        connection.exec_driver_sql(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}')"
            f" THEN CREATE ROLE {APP_ROLE} NOLOGIN; END IF; END $$"
        )
        connection.exec_driver_sql(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}"
        )
        connection.exec_driver_sql(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    owner.dispose()
    application = make_engine(url)

    @event.listens_for(application, "connect")
    def _as_application(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {APP_ROLE}")
        dbapi_connection.commit()

    yield application
    application.dispose()


def _slugs(connection) -> set[str]:
    return set(connection.exec_driver_sql("SELECT slug FROM consultation").scalars())


def test_a_transaction_naming_no_council_sees_no_row(migrated):
    with migrated.connect() as connection:
        assert _slugs(connection) == set()


def test_a_scoped_session_sees_its_council_even_in_raw_sql(migrated):
    with session_scope(migrated, council_id=1) as session:
        assert _slugs(session.connection()) == {"marktplatz"}
    with session_scope(migrated, council_id=2) as session:
        assert _slugs(session.connection()) == {"dorfteich"}
    with session_scope(migrated) as session:  # the worker's and the operator's: all
        assert _slugs(session.connection()) == {"marktplatz", "dorfteich"}


def test_a_scoped_session_cannot_write_a_row_of_another_council(migrated):
    with (
        pytest.raises(sa.exc.ProgrammingError, match="row-level security"),
        session_scope(migrated, write=True, council_id=1) as session,
    ):
        session.connection().exec_driver_sql(_consultation(2, f"fremd-{uuid.uuid4().hex[:6]}"))
    with session_scope(migrated, write=True, council_id=1) as session:
        changed = session.connection().exec_driver_sql(
            "UPDATE consultation SET retention_days = 31"
        )
        assert changed.rowcount == 1
