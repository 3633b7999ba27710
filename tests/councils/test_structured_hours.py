"""Opening hours as days and times: read from every form people write, stored as JSON,
said in each language (Arabic day names on the Arabic page), and the phone line opens and
closes by the same data. Text that cannot be read stays, marked German, and staff are told."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from starlette.testclient import TestClient

from participation.channels.voice.hours import line_is_open, phone_hours, spoken_hours
from participation.cli import main
from participation.councils.service import CouncilError, by_slug, configure, create_council
from participation.db import make_engine, session_scope
from participation.migrate import alembic_config, upgrade
from participation.opening_hours import HoursInvalid, format_hours, parse_hours, read_hours
from participation.settings import Settings
from tests.factories import log_in_as, make_consultation, make_staff, soup
from tests.test_migrations import _fresh_url

WEEKDAYS = [{"days": [0, 1, 2, 3, 4], "opens": "08:00", "closes": "18:00"}]


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("Mo–Fr 8–18 Uhr", WEEKDAYS),
        ("mon-fri 08:00-18:00", WEEKDAYS),
        (json.dumps(WEEKDAYS), WEEKDAYS),
        ("Di und Do 9–12 Uhr", [{"days": [1, 3], "opens": "09:00", "closes": "12:00"}]),
        (
            "Mo–Fr 8–12 und 14–18 Uhr, Sa 9.30–12 Uhr",
            [
                {"days": [0, 1, 2, 3, 4], "opens": "08:00", "closes": "12:00"},
                {"days": [0, 1, 2, 3, 4], "opens": "14:00", "closes": "18:00"},
                {"days": [5], "opens": "09:30", "closes": "12:00"},
            ],
        ),
        (
            "täglich 7–24 Uhr",
            [{"days": [0, 1, 2, 3, 4, 5, 6], "opens": "07:00", "closes": "24:00"}],
        ),
    ],
)
def test_every_written_form_becomes_the_same_days_and_times(written, stored):
    assert json.loads(parse_hours(written).to_json()) == stored


@pytest.mark.parametrize(
    "bad",
    [
        "nach Vereinbarung",
        "Mo 8-",
        "mon-fry 08:00-18:00",
        "Mo 18-8 Uhr",
        "Mo 8-25",
        '[{"days": [7], "opens": "08:00", "closes": "18:00"}]',
        '[{"days": [true], "opens": "08:00", "closes": "18:00"}]',
        '{"days": [1], "opens": "08:00", "closes": "18:00"}',
        '[{"days": [0], "opens": "8 Uhr"}]',
        "[]",
    ],
)
def test_anything_else_is_refused_with_how_to_write_it(bad):
    with pytest.raises(HoursInvalid, match="mon-fri 08:00-18:00"):
        parse_hours(bad)
    kept = read_hours(bad)
    assert kept.text == bad and not kept.structured


def test_each_language_says_the_hours_in_its_own_words():
    hours = read_hours("mon-fri 08:00-18:00; sat 09:00-12:00")
    german = format_hours(hours, "de")
    assert german.startswith("Mo.") and "Sa." in german and "18:00" in german
    assert format_hours(hours, "en").startswith("Mon") and "6:00\u202fPM" in format_hours(
        hours, "en"
    )
    arabic = format_hours(hours, "ar")
    assert "الاثنين" in arabic and "الجمعة" in arabic and "؛" in arabic
    assert "Mo" not in arabic and "Uhr" not in arabic
    assert "пн" in format_hours(hours, "ru") and "pon." in format_hours(hours, "pl")
    # Leichte Sprache writes the words out.
    assert format_hours(hours, "ls").startswith("Montag bis Freitag 08:00 bis 18:00 Uhr")
    assert format_hours(read_hours("immer geöffnet"), "ar") == "immer geöffnet"


def test_the_phone_line_opens_and_closes_by_the_stored_json():
    stored = json.dumps([{"days": [1, 3], "opens": "09:00", "closes": "12:00"}])
    tuesday_ten = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
    wednesday_ten = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    assert line_is_open(stored, "Europe/Berlin", tuesday_ten)
    assert not line_is_open(stored, "Europe/Berlin", wednesday_ten)
    said = spoken_hours(stored, "de")
    assert "Dienstag" in said and "Donnerstag" in said and "Mittwoch" not in said
    hours = phone_hours(Settings(phone_hours=stored))
    assert [s.days for s in hours.spans] == [(1, 3)] and hours.spans[0].opens_at.hour == 9


def test_configure_stores_days_and_times_and_refuses_anything_else(
    engine, database_url, capsys, monkeypatch
):
    with session_scope(engine, write=True) as session:
        create_council(session, "beispieldorf", "Gemeinde Beispieldorf")
    with session_scope(engine, write=True) as session:
        configure(session, "beispieldorf", {"front_desk_hours": "Di und Do 9–12 Uhr"})
    with session_scope(engine) as session:
        council = by_slug(session, "beispieldorf")
        assert json.loads(council.front_desk_schedule)[0]["days"] == [1, 3]
        assert council.front_desk_hours == ""
    with pytest.raises(CouncilError) as refused, session_scope(engine, write=True) as session:
        configure(session, "beispieldorf", {"phone_hours": "wenn jemand da ist"})
    assert refused.value.code == "hours_invalid"
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["council", "configure", "beispieldorf", "--phone-hours", "Mo 25-26"]) == 1
    assert "mon-fri 08:00-18:00" in capsys.readouterr().out
    assert main(["council", "configure", "beispieldorf", "--phone-hours", "always"]) == 0


def _council_with(app, engine, **columns) -> TestClient:
    with session_scope(engine, write=True) as session:
        council = create_council(
            session, "beispieldorf", "Gemeinde Beispieldorf", hosts=["dorf.localhost"]
        )
        for name, value in columns.items():
            setattr(council, name, value)
        council_id = council.id
    app.state.councils.expire()
    make_consultation(engine, council_id=council_id, code="4711")
    return TestClient(app, base_url="https://dorf.localhost")


def test_the_arabic_page_says_the_councils_hours_in_arabic(app, engine):
    client = _council_with(
        app, engine, front_desk_schedule=json.dumps(WEEKDAYS), address="Dorfstraße 1"
    )
    with client:
        slug = soup(client.get("/de/").text).select_one("main a[href*='/c/']")["href"]
        html = soup(client.get(slug.replace("/de/", "/ar/", 1)).text)
        section = html.find("section", class_="other-ways")
        ways = section.get_text(" ", strip=True)
        assert "الاثنين" in ways and "Uhr" not in ways
        # The address is German inside the Arabic page, isolated from its direction.
        assert section.find("bdi", lang="de").get_text() == "Dorfstraße 1"
        german = soup(client.get(slug).text).find("section", class_="other-ways").get_text()
        assert "Mo." in german and "18:00" in german
        imprint = soup(client.get("/ar/p/accessibility").text).find(class_="prose").get_text()
        assert "الاثنين" in imprint


def test_hours_only_written_as_text_are_marked_german_and_staff_are_told(app, engine):
    client = _council_with(app, engine, front_desk_hours="nach Vereinbarung")
    with client:
        slug = soup(client.get("/de/").text).select_one("main a[href*='/c/']")["href"]
        html = soup(client.get(slug.replace("/de/", "/ar/", 1)).text)
        kept = html.find("section", class_="other-ways").find("span", lang="de")
        assert kept is not None and kept["dir"] == "ltr" and kept.get_text() == "nach Vereinbarung"
        with session_scope(engine) as session:
            council_id = by_slug(session, "beispieldorf").id
        staff = make_staff(engine, council_id=council_id)
        assert log_in_as(client, staff.email) == 303
        home = soup(client.get("/de/staff/").text)
        notice = home.find(class_="free-text-hours")
        assert notice is not None and "nach Vereinbarung" in notice.get_text()


def test_the_upgrade_moves_readable_hours_and_keeps_the_rest(backend, request, tmp_path):
    url = _fresh_url(backend, request, tmp_path, "hours")
    upgrade(url, "0002")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "UPDATE council SET front_desk_hours = 'Mo–Fr 8–18 Uhr',"
                    " phone_hours = 'nach Vereinbarung' WHERE id = 1"
                )
            )
        upgrade(url, "0008")
        with engine.connect() as connection:
            row = connection.execute(sa.text("SELECT * FROM council WHERE id = 1")).mappings().one()
        assert json.loads(row["front_desk_schedule"]) == WEEKDAYS and row["front_desk_hours"] == ""
        assert row["phone_schedule"] == "" and row["phone_hours"] == "nach Vereinbarung"
        command.downgrade(alembic_config(url), "0002")
        with engine.connect() as connection:
            row = connection.execute(sa.text("SELECT * FROM council WHERE id = 1")).mappings().one()
        assert row["front_desk_hours"].startswith("mon 08:00-18:00; tue 08:00-18:00")
        assert row["phone_hours"] == "nach Vereinbarung"
    finally:
        engine.dispose()
