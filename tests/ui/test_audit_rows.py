"""What the window writes to the audit log (SECURITY.md, "The audit log"): a consultation row for
opening an RSO's detail and for each list of named RSOs shown (once per change of what it shows),
a disclosure row for each export, pack and copy, and alteration rows for undo and redo."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import AS_AT
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog
from sqlalchemy.engine import Engine

from ncpi_desktop.storage import audit
from ncpi_desktop.storage.operations import reassign
from ncpi_desktop.ui.main_window import MainWindow
from ncpi_desktop.ui.menus.consultations import named_rsos
from ncpi_desktop.ui.menus.rso_lists import copy_rsos


@pytest.fixture
def shown_window(qtbot, window: MainWindow) -> MainWindow:
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    settle(window)
    return window


def settle(window: MainWindow) -> None:
    """Record the lists on screen now (rather than after ``SETTLE_MS``) and write the queue."""
    window.features.consultations.record_shown()
    assert window.context.audit_writer.flush(30)


def rows(window: MainWindow, engine: Engine, **filters) -> list[dict]:
    assert window.context.audit_writer.flush(30)
    return audit.entries(engine, **filters)


def held_by(window: MainWindow, manager_id: str) -> list[str]:
    rsos = window.figures.rsos
    return sorted(rsos.loc[rsos["manager_id"] == manager_id, "rso_id"])


def test_a_managers_rsos_shown_is_one_consultation_naming_them(shown_window, engine):
    window = shown_window
    page = window.caseload_page
    page.select_manager("OM1")
    settle(window)
    listed = rows(window, engine, kind="consultation")
    assert [(r["action"], r["rso_ids"]) for r in listed] == [("list shown",
                                                               held_by(window, "OM1"))]
    assert listed[0]["actor"] == window.context.actor
    assert listed[0]["detail"]["rows"] == 28

    page.sort_managers("name", page.managers_view.horizontalHeader().sortIndicatorOrder())
    page.set_figures(window.figures)  # repainted, the same RSOs: no new row
    page.select_manager("OM1")
    settle(window)
    assert len(rows(window, engine, kind="consultation")) == 1

    page.select_manager("OM2")
    settle(window)
    assert rows(window, engine, kind="consultation")[-1]["rso_ids"] == held_by(window, "OM2")


def test_the_pool_and_a_register_search_are_consultations(shown_window, engine):
    window = shown_window
    window.caseload_page.show_pooled()
    settle(window)
    pooled = rows(window, engine, kind="consultation")[-1]
    assert pooled["rso_ids"] == sorted(named_rsos(window.caseload_page.rsos_view))
    assert len(pooled["rso_ids"]) == 4  # three in West 1's pool, one unallocated

    page = window.features.register_page
    window.tabs.setCurrentWidget(page)
    page.set_choice("Family1")
    settle(window)
    found = rows(window, engine, kind="consultation")[-1]
    shown = sorted(page.register_model.frame["rso_id"])
    assert found["rso_ids"] == shown and 0 < len(shown) < len(window.figures.rsos)
    assert found["detail"]["list"].startswith("Register")


def test_a_review_list_is_a_consultation_when_its_page_is_shown(shown_window, engine):
    window = shown_window
    before = len(rows(window, engine, kind="consultation"))
    page = window.features.visits_page
    window.tabs.setCurrentWidget(page)
    settle(window)
    after = rows(window, engine, kind="consultation")
    assert len(after) > before
    assert after[-1]["detail"]["list"].startswith("Visits")
    named = set().union(*(named_rsos(v) for v in window.features.consultations.views
                          if v.isVisible()))
    assert set().union(*(set(r["rso_ids"]) for r in after[before:])) == named


def test_opening_an_rsos_detail_is_a_consultation_once(shown_window, engine):
    window = shown_window
    rso = held_by(window, "OM3")[0]
    detail = window.features.record.show_detail(rso)
    window.reload()  # the panel refreshes: not a second opening
    assert detail.rso_id == rso
    opened = rows(window, engine, kind="consultation", rso=rso)
    assert [(r["action"], r["rso_ids"]) for r in opened] == [("open RSO detail", [rso])]
    other = held_by(window, "OM3")[1]
    window.features.record.show_detail(other)
    assert [r["rso_ids"] for r in rows(window, engine, kind="consultation")
            if r["action"] == "open RSO detail"] == [[rso], [other]]


def test_undo_and_redo_are_alterations_by_the_window_user(shown_window, engine):
    window = shown_window
    moving = held_by(window, "OM1")[:2]
    window.apply(lambda e, actor: reassign(e, moving, "OM4", "cover", actor, on=AS_AT))
    window.undo_action.trigger()
    window.redo_action.trigger()
    changed = rows(window, engine, kind="alteration")
    assert [(r["action"], r["rso_ids"], r["actor"]) for r in changed] == [
        ("reassign", moving, window.context.actor),
        ("undo reassign", moving, window.context.actor),
        ("redo reassign", moving, window.context.actor)]
    assert audit.verify(engine).rows == len(rows(window, engine))


def test_copying_rows_puts_them_on_the_clipboard_and_is_a_disclosure(shown_window, engine):
    window = shown_window
    page = window.caseload_page
    page.select_manager("OM1")
    view = page.rsos_view
    view.selectRow(1)  # and row 0 with it, as Ctrl+click would
    view.selectionModel().select(view.model().index(0, 0),
                                 view.selectionModel().SelectionFlag.Select
                                 | view.selectionModel().SelectionFlag.Rows)
    chosen = sorted(view.model().frame["rso_id"].iloc[[0, 1]])
    assert copy_rsos(view) == 2
    text = QGuiApplication.clipboard().text()
    assert text.splitlines()[0].startswith("RSO\tName")
    assert all(rso in text for rso in chosen)
    copied = rows(window, engine, kind="disclosure")
    assert [(r["action"], r["rso_ids"]) for r in copied] == [("copy rows", chosen)]
    assert copied[0]["detail"]["names"] is True


def save_as(monkeypatch, path: Path, selected: str = "") -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *_a, **_k: (str(path), selected)))


def wait_job(qtbot, window: MainWindow) -> None:
    job = window.features.exchange.job
    assert job is not None
    if job.is_running:
        with qtbot.waitSignal(job.done, timeout=30000):
            pass


def test_exports_and_the_pack_are_disclosures(qtbot, shown_window, engine, monkeypatch,
                                              tmp_path):
    window = shown_window
    actions = window.features.exchange
    page = window.caseload_page
    page.select_manager("OM2")
    page.rsos_view.setFocus()
    save_as(monkeypatch, tmp_path / "rsos.csv", "CSV file (*.csv)")
    actions.export_table_action.trigger()
    wait_job(qtbot, window)

    save_as(monkeypatch, tmp_path / "extract.zip")
    actions.export_extract()
    wait_job(qtbot, window)

    settle(window)  # a list's consultation, recorded later, would move the head after the pack
    actions.write_pack(tmp_path / "pack.xlsx", names=True)
    wait_job(qtbot, window)

    told = rows(window, engine, kind="disclosure")
    assert [r["action"] for r in told] == ["export table", "export extract", "pack with names"]
    assert told[0]["rso_ids"] == held_by(window, "OM2")
    assert told[0]["detail"]["file"] == "rsos.csv"
    assert len(told[1]["rso_ids"]) == len(window.figures.rsos)
    assert told[2]["detail"]["file"] == "pack.xlsx"
    from openpyxl import load_workbook

    summary = load_workbook(tmp_path / "pack.xlsx")["Summary"]
    cells = {r[0]: r[1] for r in summary.iter_rows(values_only=True, max_col=2) if r[0]}
    head = audit.head(engine)
    assert head.hash and cells["Audit log"].startswith(
        f"Audit log head: {head.hash}, {head.rows} rows")
