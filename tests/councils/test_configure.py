"""The operator sets a council's profile from the command line; every field is checked
before any is stored, and its accent colour must be readable on white."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from participation.cli import main
from participation.councils.service import (
    CouncilError,
    by_slug,
    configure,
    contrast_on_white,
    create_council,
)
from participation.db import session_scope


def test_contrast_follows_wcag():
    assert contrast_on_white("#ffffff") == pytest.approx(1.0)
    assert contrast_on_white("#000000") == pytest.approx(21.0)
    assert contrast_on_white("#1d5f3a") > 4.5  # the demo's dark green
    assert contrast_on_white("#ffd700") < 4.5  # gold on white: unreadable


def test_a_bad_field_stores_nothing(engine):
    with session_scope(engine, write=True) as session:
        create_council(session, "beispieldorf", "Gemeinde Beispieldorf")
    for changes, code in (
        ({"address": "Dorfstraße 1", "accent_colour": "#ffd700"}, "colour_contrast"),
        ({"address": "Dorfstraße 1", "accent_colour": "grün"}, "colour_invalid"),
        ({"address": "Dorfstraße 1", "timezone": "Europe/Beispieldorf"}, "timezone_invalid"),
        ({"address": "x" * 301}, "address_too_long"),
        ({"name": "  "}, "name_missing"),
        ({"password_hash": "x"}, "field_unknown"),
    ):
        with pytest.raises(CouncilError) as refused, session_scope(engine, write=True) as s:
            configure(s, "beispieldorf", changes)
        assert refused.value.code == code
    with session_scope(engine) as session:
        assert by_slug(session, "beispieldorf").address == ""


def test_the_operator_configures_a_council_and_its_pages_show_it(
    app, engine, database_url, monkeypatch, capsys
):
    with session_scope(engine, write=True) as session:
        create_council(session, "beispieldorf", "Gemeinde Beispieldorf", hosts=["dorf.localhost"])
    monkeypatch.setenv("DATABASE_URL", database_url)
    done = main(
        [
            "council",
            "configure",
            "beispieldorf",
            "--address",
            "Dorfstraße 1, 31199 Beispieldorf",
            "--accent-colour",
            "#1D5F3A",
            "--timezone",
            "Europe/Berlin",
        ]
    )
    assert done == 0, capsys.readouterr().out
    assert main(["council", "configure", "beispieldorf", "--accent-colour", "#ffd700"]) == 1
    assert "too light" in capsys.readouterr().out
    with session_scope(engine) as session:
        council = by_slug(session, "beispieldorf")
        assert (council.accent_colour, council.timezone) == ("#1d5f3a", "Europe/Berlin")
    app.state.councils.expire()
    with TestClient(app, base_url="https://dorf.localhost") as client:
        assert "Dorfstraße 1, 31199 Beispieldorf" in client.get("/de/").text
