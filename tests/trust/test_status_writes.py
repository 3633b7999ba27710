"""A contribution's status (and the published_at that goes with it) is changed only by
moderation.service, so every change leaves a moderation decision behind and the rules
about a published result hold for every door."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.trust.import_graph import ROOT

#: The only module that changes a stored contribution's status.
OWNER = ROOT / "moderation" / "service.py"


def _uses_contribution_status(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.ImportFrom)
        and node.module == "participation.contributions.models"
        and any(alias.name == "Status" for alias in node.names)
        for node in ast.walk(tree)
    )


def _is_status_write(attr: str, value: ast.expr) -> bool:
    # Other tables have a status of their own (CallbackStatus, OutboundStatus, ...).
    if attr == "status":
        return (
            isinstance(value, ast.Attribute)
            and isinstance(value.value, ast.Name)
            and value.value.id == "Status"
        )
    return attr == "published_at"


def _status_writes(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    if not _uses_contribution_status(tree):
        return []
    found = []
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else []
        for target in targets:
            if isinstance(target, ast.Attribute) and _is_status_write(target.attr, node.value):
                found.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}")
    return found


def test_only_moderation_service_changes_a_contributions_status() -> None:
    writes = [
        where
        for path in sorted(ROOT.rglob("*.py"))
        if path != OWNER and "migrations" not in path.parts
        for where in _status_writes(path)
    ]
    assert writes == []
