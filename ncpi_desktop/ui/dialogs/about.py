"""Help › About: the version, the database, who is signed in (their roles and scope), and every
rule of the policy in force."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from ncpi_desktop import __version__
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.domain.security import User
from ncpi_desktop.ui.core.session import roles_text
from ncpi_desktop.ui.core.settings import APP_NAME


def _escaped(text: str) -> str:
    return html.escape(text, quote=False)


def signed_in_text(user: User | None) -> str:
    """Who is signed in, as About says it: "Jo Bloggs (jbloggs): supervisor; sees team
    East 1"."""
    if user is None or not user.roles:
        return "nobody is signed in"
    return (f"{user.display_name} ({user.user_name}): {roles_text(user.roles)}; "
            f"sees {user.scope}")


def about_text(policy: Policy, location: str, user: User | None = None) -> str:
    """The version, the database (never its password: ``location`` is shown as it comes, from
    ``storage.database.shown_location``), who is signed in and, from ``policy``, every rule
    applied (rich text)."""
    rules = "".join(f"<li>{_escaped(rule)}</li>" for rule in policy.rules_text())
    where = _escaped(location or "no database open")
    return (f"<h3>{APP_NAME} {__version__}</h3>"
            "<p>Caseload planning for Sex Offender Management Units.</p>"
            f"<p>Database: {where}<br>Signed in: {_escaped(signed_in_text(user))}</p>"
            f"<p><b>Rules in force</b> (this database's policy):</p><ul>{rules}</ul>")


#: The width of About's text: a message box wraps it at about 400 pixels, and the rules then
#: made it taller than a 1366x768 laptop's screen.
TEXT_WIDTH = 640


def about_box(parent: QWidget) -> QMessageBox:
    """The About box (its text is set each time it opens: the policy may have changed), wide
    enough for the rules in force to fit a 1366x768 screen."""
    box = QMessageBox(parent)
    box.setWindowTitle(f"About {APP_NAME}")
    box.setIcon(QMessageBox.Icon.Information)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setStyleSheet(f"QLabel#qt_msgbox_label {{ min-width: {TEXT_WIDTH}px; }}")
    return box
