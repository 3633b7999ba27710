"""Figures about the import graph between the areas of `participation/`.

    python -m tests.trust.import_graph

prints the areas that import one another in a loop, the imports written inside
functions (the usual way to dodge such a loop), and the imports that point up a
floor. `make lint` enforces the floors with import-linter (see pyproject.toml);
this script gives the figures behind it.
"""

import ast
import tomllib
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import grimp

PACKAGE = "participation"
ROOT = Path(__file__).resolve().parents[2] / PACKAGE

GROUND = ("settings", "db", "clock", "crypto", "i18n", "rendering", "text", "numbers", "phones")
DOMAIN = (
    "accounts",
    "consultations",
    "contributions",
    "moderation",
    "results",
    "outbox",
    "privacy",
    "retention",
    "sitepages",
)


def is_door(module: str) -> bool:
    """A module that answers requests: a route list, or a module the doors floor names in
    pyproject.toml (where the floors are written down)."""
    if module.rsplit(".", 1)[-1].endswith("routes"):
        return True
    try:
        contracts = tomllib.loads((ROOT.parent / "pyproject.toml").read_text())["tool"][
            "importlinter"
        ]["contracts"]
    except KeyError:
        return False
    (layers,) = [c["layers"] for c in contracts if c["type"] == "layers"]
    doors = {name.strip().strip("()") for name in layers[1].replace("\n", " ").split(":")}
    return any(module == door or module.startswith(door + ".") for door in doors)


def area(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 2 and parts[1] == "channels":
        return ".".join(parts[1:3])
    return parts[1] if len(parts) > 1 else parts[0]


def area_graph(
    graph: grimp.ImportGraph, only: Callable[[str], bool] = lambda module: True
) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for module in graph.modules:
        if not only(module):
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            a, b = area(module), area(imported)
            if a != b and imported.startswith(PACKAGE + ".") and only(imported):
                edges[a].add(b)
    return edges


def in_domain(module: str) -> bool:
    return on_floor(module, DOMAIN) and not is_door(module)


def loops(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one area (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(set(edges) | {b for bs in edges.values() for b in bs}):
        if node not in index:
            visit(node)
    return found


def imports_inside_functions() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                if (
                    isinstance(inner, ast.ImportFrom)
                    and (inner.level or (inner.module or "").startswith(PACKAGE))
                ) or (
                    isinstance(inner, ast.Import)
                    and any(alias.name.startswith(PACKAGE) for alias in inner.names)
                ):
                    found.append(f"{path.relative_to(ROOT.parent)}:{inner.lineno}")
    return sorted(set(found))


def on_floor(module: str, floor: tuple[str, ...]) -> bool:
    return any(module == f"{PACKAGE}.{m}" or module.startswith(f"{PACKAGE}.{m}.") for m in floor)


def upward(graph, lower: tuple[str, ...], upper_test) -> list[str]:
    found = []
    for module in sorted(graph.modules):
        if not on_floor(module, lower):
            continue
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if upper_test(imported):
                found.append(f"{module} -> {imported}")
    return found


def main() -> None:
    graph = grimp.build_graph(PACKAGE, cache_dir=None)
    edges = area_graph(graph)
    found_loops = loops(edges)
    inside = imports_inside_functions()
    domain_loops = loops(area_graph(graph, in_domain))
    ground_up = upward(graph, GROUND, in_domain)
    domain_web = [
        line
        for line in upward(graph, DOMAIN, lambda m: m.startswith(f"{PACKAGE}.web"))
        if in_domain(line.split(" ")[0])
    ]
    for component in found_loops:
        print(f"loop of {len(component)} areas: {', '.join(component)}")
    in_loops = sum(len(c) for c in found_loops)
    print(f"areas in a loop (whole packages, doors in them included): {in_loops}")
    for component in domain_loops:
        print(f"domain-floor loop of {len(component)} areas: {', '.join(component)}")
    print(f"areas in a loop on the domain floor: {sum(len(c) for c in domain_loops)}")
    print(f"imports inside functions: {len(inside)}")
    for line in inside:
        print(f"  {line}")
    print(f"ground-floor modules importing domain: {len({x.split(' ')[0] for x in ground_up})}")
    for line in ground_up:
        print(f"  {line}")
    print(f"domain modules importing the web layer: {len({x.split(' ')[0] for x in domain_web})}")
    for line in domain_web:
        print(f"  {line}")


if __name__ == "__main__":
    main()
