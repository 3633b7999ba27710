"""Every setting is read in participation/settings.py and documented once, in the README."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from participation.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
#: Read by the Procfile's shell line for gunicorn, never by Python; documented all the same.
PROCFILE_ONLY = {"WEB_CONCURRENCY"}


class _Recording(dict):
    """An environment that notes every name asked for."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.asked: set[str] = set()

    def get(self, key, default=None):
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key) -> bool:
        self.asked.add(key)
        return super().__contains__(key)


def _names_settings_reads() -> set[str]:
    asked: set[str] = set()
    # Without a key the warning's switch is read too; with one, everything else.
    for environ in ({}, {"SECRET_KEY": "k"}):
        recording = _Recording(environ)
        load_settings(recording)
        asked |= recording.asked
    return asked


def _names_readme_documents() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", first_cell))
    return names


def test_readme_settings_table_and_settings_py_name_the_same_variables():
    documented = _names_readme_documents()
    read = _names_settings_reads()
    assert documented, "no settings table found under the README's '## Settings'"
    assert read - documented == set(), "settings.py reads these; add them to the README table"
    assert documented - PROCFILE_ONLY - read == set(), (
        "the README's settings table names these, but settings.py never reads them"
    )
    procfile = (ROOT / "Procfile").read_text(encoding="utf-8")
    assert all(f"${{{name}" in procfile for name in PROCFILE_ONLY)


def test_no_module_but_settings_py_reads_the_environment():
    readers = []
    for path in sorted((ROOT / "participation").rglob("*.py")):
        if path.name == "settings.py" and path.parent.name == "participation":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in {"environ", "getenv", "environb", "getenvb"}
                and isinstance(node.value, ast.Name)
                and node.value.id == "os"
            ) or (
                isinstance(node, ast.ImportFrom)
                and node.module == "os"
                and any(a.name in {"environ", "getenv"} for a in node.names)
            ):
                readers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert readers == [], "read the setting in participation/settings.py instead"


def test_switches_come_from_the_environment_given_not_the_process():
    # load_settings(environ) is how the CLI's tests and the benchmark build settings.
    given = load_settings({"SECRET_KEY": "k", "DEBUG": "1", "DEMO_MODE": "yes"})
    assert given.debug is True
    assert given.demo_mode is True
    assert load_settings({"SECRET_KEY": "k"}).debug is False


def test_port_and_media_dir_are_settings():
    loaded = load_settings({"SECRET_KEY": "k", "PORT": "8123", "MEDIA_DIR": "/srv/media"})
    assert (loaded.port, loaded.media_dir) == (8123, "/srv/media")
    defaults = load_settings({"SECRET_KEY": "k"})
    assert (defaults.port, defaults.media_dir) == (8000, "media")


def test_operator_hosts_are_names_of_their_own():
    assert load_settings({"SECRET_KEY": "k"}).operator_hosts == ()
    loaded = load_settings({"SECRET_KEY": "k", "OPERATOR_HOSTS": " Betrieb.Example.:8443, ,b.x"})
    assert loaded.operator_hosts == ("betrieb.example", "b.x")
    # The public address would serve nothing but the operator's pages: refused at the start.
    with pytest.raises(ValueError, match="OPERATOR_HOSTS"):
        load_settings(
            {
                "SECRET_KEY": "k",
                "PUBLIC_BASE_URL": "https://beteiligung.example",
                "OPERATOR_HOSTS": "Beteiligung.Example",
            }
        )


def test_timezone_empty_means_the_default_and_a_typo_stops_the_start():
    assert load_settings({"SECRET_KEY": "k", "TIMEZONE": ""}).timezone == Settings.timezone
    assert load_settings({"SECRET_KEY": "k", "TIMEZONE": "Europe/Vienna"}).timezone == (
        "Europe/Vienna"
    )
    with pytest.raises(ValueError, match="TIMEZONE"):
        load_settings({"SECRET_KEY": "k", "TIMEZONE": "Europe/Berlinn"})


def test_twilio_region_and_edge_are_checked_names():
    env = {"SECRET_KEY": "k", "TWILIO_REGION": " IE1", "TWILIO_EDGE": "dublin"}
    loaded = load_settings(env)
    assert (loaded.twilio_region, loaded.twilio_edge) == ("ie1", "dublin")
    # Both become part of the host the credentials are sent to.
    for name, value in (("TWILIO_REGION", "evil.example#"), ("TWILIO_EDGE", "a.b/c")):
        with pytest.raises(ValueError, match=name):
            load_settings({"SECRET_KEY": "k", name: value})
    switches = load_settings({"SECRET_KEY": "k", "TWILIO_ADVANCED_OPT_OUT": "1"})
    assert switches.twilio_advanced_opt_out


def test_dates_on_pages_are_in_the_configured_timezone():
    from participation.app import create_app
    from participation.i18n.catalogs import current_language
    from participation.i18n.formatting import local_date, local_datetime

    moment = datetime(2027, 3, 1, 23, 30, tzinfo=UTC)
    token = current_language.set("en")
    try:
        create_app(Settings(secret_key="k", timezone="Asia/Tokyo"))
        assert local_date(moment, "yyyy-MM-dd") == "2027-03-02"
        assert local_datetime(moment, "HH:mm") == "08:30"
        create_app(Settings(secret_key="k", timezone="America/New_York"))
        assert local_date(moment, "yyyy-MM-dd") == "2027-03-01"
        assert local_datetime(moment, "HH:mm") == "18:30"
    finally:
        current_language.reset(token)
        create_app(Settings(secret_key="k"))


def test_debug_setting_turns_template_reloading_on():
    from participation.app import create_app
    from participation.web.templating import templates

    try:
        create_app(Settings(secret_key="k", debug=True))
        assert templates.env.auto_reload is True
        create_app(Settings(secret_key="k"))
        assert templates.env.auto_reload is False
    finally:
        create_app(Settings(secret_key="k"))


def test_the_installations_own_media_come_from_the_media_dir_setting(tmp_path):
    from starlette.testclient import TestClient

    from participation.app import create_app

    (tmp_path / "sign-language.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nHallo\n")
    app = create_app(Settings(secret_key="k", media_dir=str(tmp_path)))
    with TestClient(app) as client:
        own = client.get("/media/sign-language.vtt")
        assert own.status_code == 200 and "Hallo" in own.text
    shipped = create_app(Settings(secret_key="k", media_dir=str(tmp_path / "none")))
    with TestClient(shipped) as client:
        assert "Hallo" not in client.get("/media/sign-language.vtt").text


def test_staff_see_and_type_dates_in_the_configured_timezone(settings, engine):
    from sqlmodel import Session
    from starlette.testclient import TestClient

    from participation.app import create_app
    from participation.clock import set_now
    from participation.consultations.models import Consultation
    from tests.conftest import PUBLIC_BASE
    from tests.factories import login, make_consultation, soup

    consultation = make_consultation(engine)
    with Session(engine) as session:
        row = session.get(Consultation, consultation.id)
        row.closes_at = datetime(2027, 3, 1, 23, 30, tzinfo=UTC)
        session.add(row)
        session.commit()
    set_now(datetime(2027, 2, 1, 20, 0, tzinfo=UTC))  # already 2 February in Tokyo
    app = create_app(settings.with_(timezone="Asia/Tokyo"), engine)
    try:
        with TestClient(app, base_url=PUBLIC_BASE) as client:
            login(client, engine)
            edit = soup(client.get(f"/de/staff/consultations/{consultation.id}").text)
            assert edit.find("input", {"name": "closes_at"})["value"] == "2027-03-02T08:30"
            desk = soup(client.get(f"/de/staff/front-desk/{consultation.id}").text)
            assert desk.find("input", {"name": "received"})["value"] == "2027-02-02"
    finally:
        create_app(settings, engine)
