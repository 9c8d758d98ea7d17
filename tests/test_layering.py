"""DESIGN.md: nothing outside ncpi_desktop/ui imports Qt or pyqtgraph."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "ncpi_desktop"
QT = {"PySide6", "pyqtgraph", "shiboken6"}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_only_ui_imports_qt():
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "ui" not in path.relative_to(PACKAGE).parts[:1] and imported_roots(path) & QT
    ]
    assert offenders == []


def test_the_check_sees_qt_imports(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from PySide6.QtCore import Qt\n")
    assert "PySide6" in imported_roots(probe)


def imported_names(path: Path) -> set[tuple[str, str]]:
    """(module, name) of every absolute import in ``path`` (name "" for ``import module``)."""
    names: set[tuple[str, str]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update((alias.name, "") for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.update((node.module, alias.name) for alias in node.names)
    return names


#: What reading or writing a database takes: analysis computes over the frames it is given.
DATABASE = ("sqlalchemy", "sqlmodel", "alembic", "ncpi_desktop.storage.database",
            "ncpi_desktop.storage.operations", "ncpi_desktop.storage.models",
            "ncpi_desktop.storage.bulk")
READERS = ("load_", "read_", "full_snapshot")


def database_access(path: Path) -> list[str]:
    return sorted(f"{module}.{name}".rstrip(".") for module, name in imported_names(path)
                  if module.startswith(DATABASE)
                  or (module.startswith("ncpi_desktop.storage") and name.startswith(READERS)))


def test_analysis_reads_and_writes_no_database():
    found = {str(path.relative_to(PACKAGE)): database_access(path)
             for path in (PACKAGE / "analysis").rglob("*.py")}
    assert {name: access for name, access in found.items() if access} == {}


def test_the_check_sees_database_access(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from ncpi_desktop.storage.history import load_visits\n"
                     "import sqlalchemy\nfrom ncpi_desktop.storage.snapshot import Snapshot\n")
    assert database_access(probe) == ["ncpi_desktop.storage.history.load_visits", "sqlalchemy"]
