"""F1: the help for the page on show, in a window beside it (it does not block the page).

The text is ``help_texts.HELP`` for the page, written from the policy in force, then the
columns of the page's tables that say what they count (their header tips), and the keys.
"""

from __future__ import annotations

import html

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.ui.dialogs.help_texts import HELP, KEYS, PageHelp
from ncpi_desktop.ui.models.table_model import DataFrameTableModel


def _items(pairs: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> str:
    return "".join(f"<li><b>{html.escape(name)}</b>: {html.escape(text)}</li>"
                   for name, text in pairs)


def _list(lines: tuple[str, ...]) -> str:
    return "".join(f"<li>{html.escape(line)}</li>" for line in lines)


def column_notes(page: QWidget) -> list[tuple[str, str]]:
    """The columns of ``page``'s tables that say what they count (a header tip), once each."""
    seen: dict[str, str] = {}
    for view in page.findChildren(QTableView):
        model = view.model()
        if isinstance(model, DataFrameTableModel):
            for column in model.columns:
                if column.header_tip and column.header not in seen:
                    seen[column.header] = column.header_tip
    return list(seen.items())


def help_html(help_: PageHelp, columns: list[tuple[str, str]] | None = None) -> str:
    """The page's help as rich text."""
    parts = [f"<h2>{html.escape(help_.title)}</h2>", f"<p>{html.escape(help_.intro)}</p>",
             "<h3>The figures</h3>", f"<ul>{_items(help_.figures)}</ul>",
             "<h3>The rules behind them</h3>",
             f"<p>From this database's policy (Help › About lists every rule).</p>"
             f"<ul>{_list(help_.rules)}</ul>"]
    if columns:
        parts += ["<h3>Columns</h3>", f"<ul>{_items(columns)}</ul>"]
    if help_.using:
        parts += ["<h3>Using the page</h3>", f"<ul>{_list(help_.using)}</ul>"]
    parts += ["<h3>Keys</h3>", f"<ul>{_items(KEYS)}</ul>"]
    return "".join(parts)


def page_help(key: str, policy: Policy) -> PageHelp | None:
    """The help of the page whose settings group is ``key`` (None: the page has none)."""
    make = HELP.get(key)
    return make(policy) if make is not None else None


class HelpDialog(QDialog):
    """The help of one page at a time (``show_help``); Esc or Close closes it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Help")
        self.resize(620, 560)
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(False)
        self.browser.setAccessibleName("Help for this page")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.help: PageHelp | None = None

    def show_help(self, page: QWidget, key: str, title: str, policy: Policy) -> None:
        """Show the help of ``page`` (its settings group ``key``, tab title ``title``)."""
        self.help = page_help(key, policy)
        if self.help is None:
            text = (f"<h2>{html.escape(title)}</h2><p>No help is written for this page yet."
                    "</p><h3>Keys</h3>" f"<ul>{_items(KEYS)}</ul>")
        else:
            text = help_html(self.help, column_notes(page))
        self.setWindowTitle(f"Help: {title}")
        self.browser.setHtml(text)
        self.show()
        if QGuiApplication.platformName() != "offscreen":  # no windows there to bring forward
            self.raise_()
        self.browser.setFocus()

    @property
    def text(self) -> str:
        """The help on show, as plain text."""
        return self.browser.toPlainText()
