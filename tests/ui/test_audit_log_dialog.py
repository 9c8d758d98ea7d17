"""Manage › Audit log (SECURITY.md, "The audit log") with a fake ``storage.audit``: the rows
newest first, the filters passed to ``entries``, Verify's verdict, the export of the rows shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from ncpi_desktop.ui.core.session import AuditService, ChainBroken
from ncpi_desktop.ui.dialogs.audit_log import AuditLogDialog


def click(qtbot, button) -> None:  # noqa: ANN001 - a QPushButton
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def cell_texts(view: QTableView, column: int) -> list[str]:
    model = view.model()
    return [model.index(row, column).data() for row in range(model.rowCount())]


class Broken(ChainBroken):
    """A ``ChainBroken`` whatever storage's constructor takes."""

    def __init__(self, row_id: int, why: str) -> None:
        Exception.__init__(self, why)
        self.row_id, self.why = row_id, why


@dataclass
class Verified:
    rows: int
    head: str


ROWS = [
    {"id": 1, "at": "2017-10-09T08:00:00+00:00", "actor": "admin", "kind": "access",
     "action": "sign-in", "rso_ids": [], "detail": None},
    {"id": 2, "at": "2017-10-09T08:05:00+00:00", "actor": "manager", "kind": "consultation",
     "action": "open detail", "rso_ids": ["R1001"], "detail": {"page": "Caseload"}},
    {"id": 3, "at": "2017-10-09T09:00:00+00:00", "actor": "manager", "kind": "disclosure",
     "action": "export table", "rso_ids": ["R1001", "R1002"], "detail": "Visits.xlsx"},
]


@dataclass
class FakeAudit:
    broken: bool = False
    asked: list[dict[str, Any]] = field(default_factory=list)
    verified: int = 0

    def service(self) -> AuditService:
        def entries(**filters: Any) -> list[dict[str, Any]]:
            self.asked.append(filters)
            return [r for r in ROWS if filters.get("actor") in (None, r["actor"])]

        def verify() -> Verified:
            self.verified += 1
            if self.broken:
                raise Broken(2, "its hash does not match its content")
            return Verified(3, "9f2c4e")

        return AuditService(entries=entries, verify=verify)


def audit_dialog(qtbot, fake: FakeAudit, **kwargs: Any) -> AuditLogDialog:
    dialog = AuditLogDialog(fake.service(), **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_the_log_is_listed_newest_first(qtbot) -> None:
    fake = FakeAudit()
    dialog = audit_dialog(qtbot, fake)
    assert fake.asked == [{"rso": None, "actor": None, "kind": None, "since": None}]
    assert cell_texts(dialog.view, 0) == ["3", "2", "1"]
    assert cell_texts(dialog.view, 1)[0] == "09/10/2017 09:00"
    assert cell_texts(dialog.view, 5)[0] == "R1001, R1002"
    assert dialog.count.text().startswith("3 rows shown")


def test_the_filters_are_passed_to_entries(qtbot) -> None:
    fake = FakeAudit()
    dialog = audit_dialog(qtbot, fake)
    dialog.user_edit.setText("manager")
    dialog.rso_edit.setText("R1001")
    dialog.kind_combo.setCurrentText("disclosure")
    dialog.since_edit.setText("01/10/2017")
    click(qtbot, dialog.show_button)
    assert fake.asked[-1] == {"rso": "R1001", "actor": "manager", "kind": "disclosure",
                              "since": date(2017, 10, 1)}
    assert cell_texts(dialog.view, 2) == ["manager", "manager"]


def test_a_date_that_is_not_one_is_said_and_not_asked(qtbot) -> None:
    fake = FakeAudit()
    dialog = audit_dialog(qtbot, fake)
    dialog.since_edit.setText("2017-10-01")
    click(qtbot, dialog.show_button)
    assert len(fake.asked) == 1
    assert "DD/MM/YYYY" in dialog.message.text()


def test_verify_says_intact_or_where_the_chain_breaks(qtbot) -> None:
    intact = audit_dialog(qtbot, FakeAudit())
    click(qtbot, intact.verify_button)
    assert intact.verdict.text() == "Intact: 3 rows, head 9f2c4e"
    broken = audit_dialog(qtbot, FakeAudit(broken=True))
    click(qtbot, broken.verify_button)
    assert broken.verdict.text() == "Broken at row 2: its hash does not match its content"


def test_export_writes_the_rows_shown(qtbot) -> None:
    exported: list[QTableView] = []
    dialog = audit_dialog(qtbot, FakeAudit(), export=exported.append)
    click(qtbot, dialog.export_button)
    assert exported == [dialog.view]
