"""Migrations match the models; /healthz tells the truth; the CLI works."""

import subprocess
import sys

from participation.app import create_app
from participation.migrate import check, upgrade
from participation.settings import Settings
from tests.test_migrations import _fresh_url


def test_migrations_build_exactly_the_models(backend, request, tmp_path):
    # A database of its own, dropped afterwards (SQLite: a file in tmp_path).
    url = _fresh_url(backend, request, tmp_path, "migrations")
    upgrade(url)  # an empty database up to head
    check(url)  # raises when the models and the migrations drift


def test_healthz_ok_and_unavailable(client, tmp_path):
    assert client.get("/healthz").status_code == 200
    from starlette.testclient import TestClient

    broken = create_app(
        Settings(database_url="postgresql+psycopg://127.0.0.1:1/none", secret_key="x")
    )
    with TestClient(broken) as other:
        response = other.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] is False


def test_demo_and_create_staff_commands(tmp_path):
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/demo.db",
        "SECRET_KEY": "k",
        "PARTICIPATION_QUIET": "1",
        "PATH": "/usr/bin:/bin",
    }
    run = [sys.executable, "-m", "participation.cli"]
    demo = subprocess.run([*run, "demo"], env=env, capture_output=True, text=True, timeout=120)
    assert demo.returncode == 0, demo.stderr
    assert "admin@musterstadt.example" in demo.stdout
    again = subprocess.run([*run, "demo"], env=env, capture_output=True, text=True, timeout=120)
    assert "already there" in again.stdout
    made = subprocess.run(
        [*run, "create-staff", "clerk@example.org", "--role", "editor"],
        env=env,
        input="a long enough password\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    short = subprocess.run(
        [*run, "create-staff", "x@example.org"],
        env=env,
        input="short\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert short.returncode == 1 and "12 characters" in short.stderr


def test_procfile_names_importable_processes():
    import importlib
    import shlex
    from pathlib import Path

    processes = dict(
        line.split(":", 1)
        for line in (Path(__file__).parents[1] / "Procfile").read_text().splitlines()
        if line.strip()
    )
    assert set(processes) == {"release", "web", "worker"}
    web = shlex.split(processes["web"])
    module, _, name = web[web.index("--worker-class") + 1].rpartition(".")
    assert getattr(importlib.import_module(module), name)
    app_module, _, app_name = web[1].partition(":")
    assert getattr(importlib.import_module(app_module), app_name)
