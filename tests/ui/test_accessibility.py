"""What a screen reader sees: every control a keyboard can reach on every page and in the main
dialogs has an accessible name, and every label naming an input is its buddy.

A control's name is what ``QAccessible`` reports for it (``QAccessible.Name``): a button's text or
a checkbox's counts where Qt exposes it, else the ``accessibleName`` set on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from builders import AS_AT
from conftest import rebalancing
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QTabBar,
    QWidget,
)
from test_charts import national

from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.exchange.importer import ImportResult, TableCounts
from ncpi_desktop.exchange.issues import ImportIssue
from ncpi_desktop.ui.charts.distribution import ManagerChartPanel
from ncpi_desktop.ui.charts.manager_bars import CaseloadChart
from ncpi_desktop.ui.dialogs.absence import GoingDialog, HandBackDialog
from ncpi_desktop.ui.dialogs.allocation_history import HistoryDialog
from ncpi_desktop.ui.dialogs.import_errors import ImportErrorsDialog
from ncpi_desktop.ui.dialogs.import_summary import ImportSummaryDialog
from ncpi_desktop.ui.dialogs.pack_options import PackDialog
from ncpi_desktop.ui.dialogs.proposal import Scope
from ncpi_desktop.ui.dialogs.record.base import RecordDialog
from ncpi_desktop.ui.main_window import MainWindow

#: Inputs a label names: each should be some label's buddy.
INPUTS = (QComboBox, QLineEdit, QAbstractSpinBox)


def accessible_name(widget: QWidget) -> str:
    """What a screen reader announces as the widget's name."""
    interface = QAccessible.queryAccessibleInterface(widget)
    assert interface is not None, type(widget).__name__
    return interface.text(QAccessible.Text.Name).strip()


def focusable(root: QWidget) -> Iterator[QWidget]:
    """Every widget under ``root`` (and ``root``) that Tab or a click can focus, as shown."""
    for widget in [root, *root.findChildren(QWidget)]:
        if widget.focusPolicy() == Qt.FocusPolicy.NoFocus or not widget.isVisible():
            continue
        if widget.focusProxy() is not None:  # the proxy is the one focused (and named)
            continue
        if isinstance(widget, QLineEdit) and isinstance(widget.parent(),
                                                        QComboBox | QAbstractSpinBox):
            continue  # the editor inside a combo box or spin box: the box is named
        yield widget


def describe(widget: QWidget) -> str:
    chain = []
    at: QWidget | None = widget
    while at is not None and len(chain) < 4:
        chain.append(f"{type(at).__name__}({at.objectName()})")
        at = at.parentWidget()
    return " < ".join(chain)


def unnamed(root: QWidget) -> list[str]:
    return [describe(w) for w in focusable(root) if not accessible_name(w)]


def unlabelled_inputs(root: QWidget) -> list[str]:
    """Visible inputs no visible label is the buddy of (a screen reader reads the buddy's text,
    and Alt+its mnemonic reaches the input)."""
    buddies = {id(label.buddy()) for label in root.findChildren(QLabel) if label.buddy()}
    return [describe(w) for w in root.findChildren(QWidget)
            if isinstance(w, INPUTS) and w.isVisible() and w.isEnabled()
            and not isinstance(w.parent(), QComboBox | QAbstractSpinBox)
            and id(w) not in buddies and not w.accessibleName()]


def report(missing: dict[str, list[str]]) -> str:
    return "\n".join(f"{where}: {widget}" for where, found in missing.items()
                     for widget in sorted(set(found)))


def shown(qtbot, window: MainWindow) -> MainWindow:
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_every_control_of_every_page_has_a_name(qtbot, window: MainWindow) -> None:
    shown(qtbot, window)
    window.caseload_page.ensure_charts()
    missing: dict[str, list[str]] = {}
    for index, page in enumerate(window.pages):
        window.tabs.setCurrentIndex(index)
        qtbot.wait(20)
        for slot_tabs in page.findChildren(QTabBar):  # every sub-tab of the page, in turn
            for tab in range(slot_tabs.count()):
                slot_tabs.setCurrentIndex(tab)
                qtbot.wait(5)
                found = unnamed(page)
                if found:
                    missing.setdefault(page.title, []).extend(found)
        missing.setdefault(page.title, []).extend(unnamed(page))
    assert not any(missing.values()), report(missing)
    assert not unnamed(window), report({"window": unnamed(window)})


def test_every_filter_label_is_its_inputs_buddy(qtbot, window: MainWindow) -> None:
    shown(qtbot, window)
    missing = {}
    for index, page in enumerate(window.pages):
        window.tabs.setCurrentIndex(index)
        qtbot.wait(20)
        found = unlabelled_inputs(page)
        if found:
            missing[page.title] = found
    assert not missing, report(missing)


def dialogs(window: MainWindow, tmp_path: Path) -> Iterator[tuple[str, QWidget]]:
    figures = window.figures
    assert figures is not None
    rsos = figures.rsos
    held = rsos[rsos["manager_id"] == "OM1"]["rso_id"].astype(str).tolist()
    rb = rebalancing(window)
    yield "reassign", rb.reassign(held[:3])
    yield "proposal", rb.propose(Scope("East"))
    yield "leaving", GoingDialog(figures, on=AS_AT, absence=False, manager_id="OM2")
    yield "absent", GoingDialog(figures, on=AS_AT, absence=True, manager_id="OM2")
    assert window.engine is not None
    yield "hand back", HandBackDialog(window.engine, figures, on=AS_AT, apply=window.apply,
                                         user=window.context.user)
    yield "allocation history", HistoryDialog(window.engine, user=window.context.user,
                                              figures=figures, rso_id=held[0])
    yield "pack options", PackDialog(AS_AT, tmp_path / "pack.pdf")
    window.page_keys.help.trigger()
    yield "page help (F1)", window.page_keys.dialog
    record = window.features.record
    window.tabs.setCurrentWidget(window.features.register_page)
    for kind in ("visit", "arms", "order", "decision"):
        record.actions[kind].trigger()
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, RecordDialog), kind
        yield f"record {kind}", dialog
        dialog.reject()
    yield "detail", record.show_detail(held[0])
    result = ImportResult(source="extract", counts={"rso": TableCounts(added=2, updated=1)},
                          warnings=[ImportIssue("rso.csv", 3, "risk_level", "", "blank")])
    yield "import summary", ImportSummaryDialog(result, "register.sqlite3")
    failed = ImportResult(source="extract",
                          errors=[ImportIssue("rso.csv", 3, "sex", "x", "not a sex")])
    yield "import errors", ImportErrorsDialog(failed)


def test_every_control_of_the_main_dialogs_has_a_name(qtbot, window: MainWindow,
                                                      tmp_path: Path) -> None:
    shown(qtbot, window)
    missing = {}
    for name, dialog in dialogs(window, tmp_path):
        assert dialog is not None, name
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        found = unnamed(dialog) + unlabelled_inputs(dialog)
        if found:
            missing[name] = found
        if name != "detail":
            dialog.close()
    assert not missing, report(missing)


def test_the_distribution_of_many_managers_is_named(qtbot) -> None:
    panel = ManagerChartPanel(CaseloadChart)
    qtbot.addWidget(panel)
    panel.resize(500, 700)
    panel.set_managers(national(2000), Policy(caseload_limit_per_fte=60.0))
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.showing_distribution
    assert unnamed(panel) == [] and unlabelled_inputs(panel) == []
    plot = panel.histogram.plot_widget
    assert accessible_name(plot) == "Community RSOs per FTE: 2,000 managers"
    assert plot.accessibleDescription().startswith("2,000 managers in ")
