"""The demo serves two councils on their own hosts, each with its own staff."""

from __future__ import annotations

from starlette.testclient import TestClient

from participation.db import session_scope
from participation.demo import DEMO_ADMIN, seed_demo
from participation.demo_councils import SECOND_ADMIN, seed_second_council
from tests.factories import log_in_as


def test_the_demo_has_two_councils_each_on_its_host(app, engine):
    # https: the suite's settings mark the staff cookie Secure.
    with session_scope(engine, write=True) as session:
        assert seed_demo(session)
        assert seed_second_council(session)
    with session_scope(engine, write=True) as session:
        assert not seed_second_council(session)  # once only
    app.state.councils.expire()
    with TestClient(app, base_url="https://musterstadt.localhost") as musterstadt:
        home = musterstadt.get("/de/").text
        assert "Marktplatz" in home and "Dorfteich" not in home
        assert log_in_as(musterstadt, *SECOND_ADMIN) != 303
        assert log_in_as(musterstadt, *DEMO_ADMIN) == 303
    with TestClient(app, base_url="https://beispieldorf.localhost") as dorf:
        home = dorf.get("/de/").text
        assert "Dorfteich" in home and "Marktplatz" not in home
        assert "Gemeinde Beispieldorf" in home and "Dorfstraße 1" in home
        assert log_in_as(dorf, *DEMO_ADMIN) != 303
        assert log_in_as(dorf, *SECOND_ADMIN) == 303
        assert "Schilf am Nordufer" in dorf.get("/de/staff/moderation").text
    with TestClient(app, base_url="https://127.0.0.1") as loopback:
        assert "Marktplatz" in loopback.get("/de/").text
