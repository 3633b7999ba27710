"""What the operator tests share: an installation with two councils on their own hosts
and an operator host, an operator account, and logging in as a person would."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from participation.consultations.models import Consultation
from participation.councils.service import add_host, by_slug, create_council
from participation.db import session_scope
from participation.operator.accounts import create_operator
from tests.factories import csrf_token, make_consultation, make_contribution

OPERATOR = "https://betrieb.localhost"
MUSTERSTADT = "https://musterstadt.localhost"
BEISPIELDORF = "https://beispieldorf.localhost"
OPERATOR_EMAIL = "betrieb@provider.example"
OPERATOR_PASSWORD = "operator password 4711 long"
#: A resident's text in each council: no operator page may show it without the grant.
SECRET_OURS = "Vertraulich Musterstadt 8812"
SECRET_THEIRS = "Vertraulich Beispieldorf 3377"


@dataclass
class Installation:
    ours: Consultation
    theirs: Consultation
    other_id: int


def two_councils(app, engine: Engine) -> Installation:
    with session_scope(engine, write=True) as session:
        add_host(session, by_slug(session, "council"), "musterstadt.localhost")
        other = create_council(
            session, "beispieldorf", "Gemeinde Beispieldorf", hosts=["beispieldorf.localhost"]
        ).id
        create_operator(session, OPERATOR_EMAIL, OPERATOR_PASSWORD)
    app.state.councils.expire()
    ours = make_consultation(engine, title="Marktplatz", council_id=1)
    theirs = make_consultation(engine, title="Dorfteich", code="4799", council_id=other)
    make_contribution(engine, ours, SECRET_OURS)
    make_contribution(engine, theirs, SECRET_THEIRS)
    return Installation(ours, theirs, other)


def operator_login(client: TestClient, password: str = OPERATOR_PASSWORD) -> int:
    token = csrf_token(client, "/operator/de/login")
    return client.post(
        "/operator/de/login",
        data={"email": OPERATOR_EMAIL, "password": password, "csrf_token": token},
        follow_redirects=False,
    ).status_code


def operator_client(app) -> TestClient:
    client = TestClient(app, base_url=OPERATOR)
    assert operator_login(client) == 303
    return client
