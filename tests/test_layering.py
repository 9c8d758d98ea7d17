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
