"""schemathesis generates requests from the OpenAPI document and checks every answer
against it (status codes, content types, response schemas, no server errors)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from participation.api.openapi import document
from participation.app import create_app
from participation.clock import utcnow
from participation.consultations.models import Consultation
from participation.contributions.models import Contribution
from participation.db import session_scope
from participation.moderation.service import approve
from participation.settings import Settings
from tests.conftest import PUBLIC_BASE, TEST_SECRET
from tests.factories import make_consultation, make_contribution

#: Examples per operation; three operations. Enough to find schema drift in seconds.
EXAMPLES = 60


@pytest.fixture(scope="module")
def api_app(tmp_path_factory):
    from participation import tables
    from participation.db import make_engine

    path = tmp_path_factory.mktemp("api") / "api.db"
    engine = make_engine(f"sqlite:///{path}")
    tables.metadata.create_all(engine)
    # Data in every shape the API can show: open, with results, with a poll, answered.
    consultations = [
        make_consultation(engine, poll=["yes", "no", "undecided"], code=code)
        for code in ("4711", "4712", "4713")
    ]
    for consultation in consultations:
        for n in range(5):
            contribution = make_contribution(
                engine, consultation, f"Beitrag {n} – عربي – Кириллица", pseudonym=f"P{n}"
            )
            if n % 2 == 0:
                with session_scope(engine, write=True) as session:
                    approve(session, session.get(Contribution, contribution.id), None)
    # Then one closes and one publishes its results, so every phase's shape is served.
    with session_scope(engine, write=True) as session:
        closed = session.get(Consultation, consultations[1].id)
        closed.closes_at = utcnow() - timedelta(hours=1)
        results = session.get(Consultation, consultations[2].id)
        results.closes_at = utcnow() - timedelta(hours=1)
        results.results_published_at = utcnow()
    settings = Settings(
        database_url=f"sqlite:///{path}", secret_key=TEST_SECRET, public_base_url=PUBLIC_BASE
    )
    return create_app(settings, engine)


SETTINGS = Settings(secret_key=TEST_SECRET, public_base_url=PUBLIC_BASE)
# Loaded from the same function that serves /api/v1/openapi.json (checked equal below);
# schemathesis' fixture-based loader does not work with this pytest version.
schema = schemathesis.openapi.from_dict(document(SETTINGS))


def test_the_served_document_is_the_one_tested(api_app):
    from starlette.testclient import TestClient

    with TestClient(api_app, base_url=PUBLIC_BASE) as client:
        assert client.get("/api/v1/openapi.json").json() == document(SETTINGS)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_matches_its_openapi_document(case, api_app):
    case.call_and_validate(app=api_app)
