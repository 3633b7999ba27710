"""participation/caching: its docstring is the contract of every cache, so every cache
module and every template that keeps fragments is named there."""

from __future__ import annotations

import pkgutil
from pathlib import Path

from participation import caching

TEMPLATES = Path(caching.__file__).resolve().parents[2] / "templates"


def test_the_contract_names_every_cache_module():
    modules = [m.name for m in pkgutil.iter_modules(caching.__path__)]
    assert {"pages", "staff_pages", "fragments", "figures"} <= set(modules)
    for name in modules:
        assert f"({name}.py" in caching.__doc__, f"{name}.py is not in the contract"


def test_the_contract_names_every_template_that_keeps_fragments():
    keeping = sorted(
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if "{% cache" in path.read_text(encoding="utf-8")
    )
    assert keeping, "no template keeps fragments: the contract's entry is stale"
    for name in keeping:
        assert name in caching.__doc__, f"{name} keeps fragments but is not in the contract"
