"""The floors of the house hold: imports point down, the doors do not import each other,
and every module stands on a floor (a module no floor names would go unchecked)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

from tests.trust.import_graph import PACKAGE, ROOT, area_graph, in_domain, loops

PYPROJECT = ROOT.parent / "pyproject.toml"


def _contracts() -> list[dict]:
    return tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]


def _floors() -> list[set[str]]:
    (layers,) = [c["layers"] for c in _contracts() if c["type"] == "layers"]
    return [
        {name.strip().strip("()") for name in layer.replace("\n", " ").split(":")}
        for layer in layers
    ]


def _modules() -> set[str]:
    found = set()
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            continue  # a package stands where its modules stand
        found.add(".".join(parts))
    return found


def test_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=PYPROJECT.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "0 broken" in result.stdout


def test_every_module_stands_on_a_floor() -> None:
    floors = _floors()
    assert len(floors) == 4  # assembly, doors, domain, ground
    named = set().union(*floors)
    unplaced = sorted(
        module
        for module in _modules()
        if not any(module == name or module.startswith(name + ".") for name in named)
    )
    assert unplaced == [], "add these to a floor in pyproject.toml"


#: No loop on the domain floor: contributions stand on consultations, never the other
#: way (the published count lives in contributions.service; set_poll is told has_votes
#: by its caller). A new loop fails here.
KNOWN_DOMAIN_LOOPS: list[list[str]] = []


def test_no_new_loop_between_areas_of_the_domain() -> None:
    graph = grimp.build_graph(PACKAGE, cache_dir=None)
    assert loops(area_graph(graph, in_domain)) == KNOWN_DOMAIN_LOOPS


def test_importing_a_door_registers_nothing_in_the_templates() -> None:
    """The queue's sms_sender (it reads the database while a page renders) is registered
    by app.py, not as a side effect of importing the SMS webhook's routes."""
    script = (
        "from participation.web.templating import templates\n"
        "import participation.channels.sms.routes\n"
        "assert 'sms_sender' not in templates.env.globals, 'registered on import'\n"
        "from participation.app import create_app\n"
        "from participation.settings import load_settings\n"
        "create_app(load_settings(), engine=object())\n"
        "assert 'sms_sender' in templates.env.globals\n"
        "assert 'reference' in templates.env.filters\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PYPROJECT.parent,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(PYPROJECT.parent)},
    )
    assert result.returncode == 0, result.stderr[-2000:]
