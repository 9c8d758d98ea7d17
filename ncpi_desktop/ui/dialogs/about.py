"""Help › About: the version, the database, and every rule of the policy in force."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from ncpi_desktop import __version__
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.ui.core.settings import APP_NAME


def about_text(policy: Policy, location: str) -> str:
    """The version and, from ``policy``, every rule applied (rich text)."""
    rules = "".join(f"<li>{html.escape(rule, quote=False)}</li>" for rule in policy.rules_text())
    where = html.escape(location or "no database open", quote=False)
    return (f"<h3>{APP_NAME} {__version__}</h3>"
            "<p>Caseload planning for Sex Offender Management Units.</p>"
            f"<p>Database: {where}</p>"
            f"<p><b>Rules in force</b> (this database's policy):</p><ul>{rules}</ul>")


def about_box(parent: QWidget) -> QMessageBox:
    """The About box (its text is set each time it opens: the policy may have changed)."""
    box = QMessageBox(parent)
    box.setWindowTitle(f"About {APP_NAME}")
    box.setIcon(QMessageBox.Icon.Information)
    box.setTextFormat(Qt.TextFormat.RichText)
    return box
