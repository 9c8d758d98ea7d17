"""The read path's floors: storage imports nothing above it (analysis, actions, exchange, demo,
ui, the command line) and analysis nothing above it (actions, exchange, demo, ui, the command
line); within each, no two modules import each other, directly or round a circle. Imports
inside functions count."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "ncpi_desktop"
#: What each floor may not import.
ABOVE = {"storage": ("analysis", "actions", "exchange", "demo", "ui", "cli"),
         "analysis": ("actions", "exchange", "demo", "ui", "cli")}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The ncpi_desktop modules ``path`` imports, at any level of the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("ncpi_desktop.")}


def graph(package: str) -> dict[str, set[str]]:
    modules = {module_name(path): path for path in (PACKAGE / package).rglob("*.py")}
    return {name: imports(path) & set(modules) - {name} for name, path in modules.items()}


def circles(edges: dict[str, set[str]]) -> list[str]:
    """The modules that can reach themselves by their imports."""
    def reach(start: str) -> set[str]:
        seen: set[str] = set()
        todo = list(edges[start])
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(edges.get(name, ()))
        return seen

    return sorted(name for name in edges if name in reach(name))


@pytest.mark.parametrize("package", list(ABOVE))
def test_imports_nothing_above_it(package):
    above = tuple(f"ncpi_desktop.{name}" for name in ABOVE[package])
    found = {module_name(path): sorted(n for n in imports(path) if n.startswith(above))
             for path in (PACKAGE / package).rglob("*.py")}
    assert {name: names for name, names in found.items() if names} == {}


@pytest.mark.parametrize("package", list(ABOVE))
def test_no_import_circle(package):
    assert circles(graph(package)) == []


def test_the_check_sees_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c"]
