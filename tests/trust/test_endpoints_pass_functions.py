"""Endpoints pass a module's function and plain arguments to read(), write() and page(),
never a function they define inside themselves: a closure hides what a transaction does
and what it depends on. The old helper that took closures (in_transaction) stays gone.

Read from the source with `ast`, so a closure fails here before anything runs.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "participation"

#: The modules whose transaction helpers are checked, and those helpers.
HELPERS = {
    "participation.web.transactions": {"read", "write"},
    "participation.web.errors": {"page"},
}

Function = ast.FunctionDef | ast.AsyncFunctionDef


def _helper_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """(names bound to a helper, names bound to a module holding helpers)."""
    helpers: set[str] = set()
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in HELPERS:
            helpers |= {
                alias.asname or alias.name
                for alias in node.names
                if alias.name in HELPERS[node.module]
            }
        elif isinstance(node, ast.ImportFrom) and node.module == "participation.web":
            modules |= {
                alias.asname or alias.name
                for alias in node.names
                if f"participation.web.{alias.name}" in HELPERS
            }
        elif isinstance(node, ast.Import):
            modules |= {
                alias.asname for alias in node.names if alias.name in HELPERS and alias.asname
            }
    return helpers, modules


def _is_helper_call(call: ast.Call, helpers: set[str], modules: set[str]) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in helpers
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in modules
        and func.attr in {"read", "write", "page"}
    )


def _defined_in(function: Function) -> set[str]:
    """The functions defined in ``function``'s own body (not in a function within it)."""
    found: set[str] = set()
    todo: list[ast.AST] = list(function.body)
    while todo:
        node = todo.pop()
        if isinstance(node, Function):
            found.add(node.name)
            continue
        todo.extend(ast.iter_child_nodes(node))
    return found


def _passed(call: ast.Call) -> list[ast.expr]:
    """What a call hands on: its arguments, and the arguments of a partial() among them."""
    given = [*call.args, *(keyword.value for keyword in call.keywords)]
    for value in list(given):
        if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "partial":
            given += [*value.args, *(keyword.value for keyword in value.keywords)]
    return given


def closures_passed(source: str, name: str = "<source>") -> list[str]:
    """One "file:line name" for each function defined inside a function (or lambda)
    that is handed to read(), write() or page()."""
    tree = ast.parse(source, name)
    helpers, modules = _helper_names(tree)
    found: list[str] = []

    def visit(node: ast.AST, nested: set[str], in_function: bool) -> None:
        if isinstance(node, Function):
            nested, in_function = nested | _defined_in(node), True
        if isinstance(node, ast.Call) and _is_helper_call(node, helpers, modules):
            for value in _passed(node):
                if isinstance(value, ast.Name) and value.id in nested:
                    found.append(f"{name}:{node.lineno} {value.id}")
                elif isinstance(value, ast.Lambda) and in_function:
                    found.append(f"{name}:{node.lineno} lambda")
        for child in ast.iter_child_nodes(node):
            visit(child, nested, in_function)

    visit(tree, set(), False)
    return found


def _modules() -> list[tuple[str, str]]:
    return [
        (path.relative_to(PACKAGE.parent).as_posix(), path.read_text())
        for path in sorted(PACKAGE.rglob("*.py"))
    ]


def test_no_function_defined_inside_an_endpoint_is_passed_to_a_transaction() -> None:
    found = [hit for name, source in _modules() for hit in closures_passed(source, name)]
    assert not found, "pass a module-level (domain) function and its arguments instead:\n" + (
        "\n".join(found)
    )


def test_in_transaction_is_gone() -> None:
    found = [
        f"{name}:{number}"
        for name, source in _modules()
        for number, line in enumerate(source.splitlines(), 1)
        if re.search(r"\bin_transaction\b", line)  # not alembic's begin_transaction
    ]
    assert not found, "use web.transactions.read/write with a domain function:\n" + (
        "\n".join(found)
    )


SAMPLE = """
from functools import partial
from participation.web import transactions
from participation.web.errors import page
from participation.web.transactions import read as fetch, write

def module_level(session, x):
    return x

async def endpoint(request):
    def store(session):
        return 1

    def shown(session, lang):
        return {}

    await write(request, module_level, 1)
    await write(request, store)
    await fetch(request, lambda session: 2)
    await transactions.write(request, partial(store))
    return await page(request, "t.html", shown, "de")
"""


def test_the_check_finds_closures_however_they_are_passed() -> None:
    assert closures_passed(SAMPLE) == [
        "<source>:18 store",
        "<source>:19 lambda",
        "<source>:20 store",
        "<source>:21 shown",
    ]
