"""The Reassign dialog: move one or many RSOs (held or pooled) to a named offender manager, seeing
what the move does to both sides before committing, with a required reason.

The before/after figures are never computed here: ``models.reassign_preview`` applies the moves to
the window's per-RSO frame and reads the result with ``analysis.caseload.manager_figures``, the one
implementation of the caseload and high-risk flags.

The move takes effect on the window's as-at date: the figures previewed are as at that date, so
the move must start then for the page to show, after it, what the preview promised. With the
as-at date on today (the default) that is today; a past as-at date records a correction from
that date, refused if any RSO moved since (``check_effective_date``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import Engine

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.domain.enums import RISK_ORDER, STATUS_ORDER
from ncpi_desktop.domain.ids import ManagerId, RsoId
from ncpi_desktop.domain.security import User
from ncpi_desktop.formats import Kind, uk_date
from ncpi_desktop.storage.allocations import ALLOCATION_REASONS
from ncpi_desktop.storage.operations import (
    Change,
    check_effective_date,
    reassign,
)
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.core.context import Operation
from ncpi_desktop.ui.models.frames import rso_rows
from ncpi_desktop.ui.models.reassign_preview import (
    manager_choices,
    pool_names,
    preview_columns,
    preview_moves,
    preview_sentences,
    with_limit_text,
)
from ncpi_desktop.ui.models.seen import seen_versions
from ncpi_desktop.ui.models.table_model import Column, DataFrameTableModel
from ncpi_desktop.ui.widgets.consultations import watch_tables
from ncpi_desktop.ui.widgets.tables import data_table, fit_columns

OTHER = "other"
CHOOSE = "Choose a reason…"


MOVING_COLUMNS = [
    Column("rso_id", "RSO"),
    Column("rso_name", "Name"),
    Column("risk_level", "Risk", Kind.LABEL, order=RISK_ORDER),
    Column("status", "Status", Kind.LABEL, order=STATUS_ORDER),
    Column("holder", "Now with"),
]


def reason_text(choice: str, other: str) -> str:
    """The reason recorded: one of ``ALLOCATION_REASONS``; "other" needs a text of its own."""
    if choice == OTHER:
        return f"{OTHER}: {other.strip()}" if other.strip() else ""
    return choice if choice in ALLOCATION_REASONS else ""


class ReasonPicker(QWidget):
    """A required reason: the list of ``ALLOCATION_REASONS``, with a text for "other"."""

    def __init__(self, parent: QWidget | None = None, *, preset: str | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox(self)
        self.combo.addItem(CHOOSE, "")
        for reason in ALLOCATION_REASONS:
            self.combo.addItem(reason[:1].upper() + reason[1:], reason)
        self.other = QLineEdit(self)
        self.other.setPlaceholderText("Say why (required for Other)")
        self.other.setEnabled(False)
        self.combo.setAccessibleName("Reason")
        self.other.setAccessibleName("Other reason")
        self.other.setAccessibleDescription("Say why, when the reason is Other")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        layout.addWidget(self.other, 1)
        self.combo.currentIndexChanged.connect(self._on_choice)
        if preset:
            self.set_reason(preset)

    def set_reason(self, reason: str, other: str = "") -> None:
        self.combo.setCurrentIndex(max(self.combo.findData(reason), 0))
        self.other.setText(other)

    def _on_choice(self, _index: int) -> None:
        is_other = self.combo.currentData() == OTHER
        self.other.setEnabled(is_other)
        if is_other:
            self.other.setFocus()

    @property
    def reason(self) -> str:
        """The reason to record, or "" while none is complete."""
        return reason_text(self.combo.currentData() or "", self.other.text())



class ReassignDialog(QDialog):
    """Move ``rso_ids`` to a manager chosen here (or ``to_manager``), effective ``on``.

    ``operation()`` is what the window applies when the dialog is accepted.
    """

    def __init__(self, figures: Figures, rso_ids: Sequence[str], *, on: date,
                 to_manager: str | None = None, absent: Mapping[str, date] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reassign RSOs")
        self.setStyleSheet(style.PAGE_STYLE)
        self.setMinimumWidth(1060)
        self._figures = figures
        self._on = on
        self.rso_ids = list(dict.fromkeys(rso_ids))
        rsos = figures.rsos
        self._moving = rsos[rsos["rso_id"].isin(self.rso_ids).to_numpy(bool)]
        holders = set(self._moving["manager_id"].dropna())
        bcus = self._moving["bcu"].dropna()
        bcu = str(bcus.mode().iat[0]) if len(bcus) else None
        exclude = holders if len(holders) == 1 and self._moving["named"].all() else set()
        self._choices = manager_choices(figures, bcu=bcu, exclude=exclude, absent=absent)
        self._preview = pd.DataFrame()

        self._build_moving()
        form = self._build_form()
        self._build_preview()
        bottom = self._build_bottom()

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.moving_view)
        layout.addLayout(form)
        layout.addWidget(self.preview_title)
        layout.addWidget(self.preview_view, 1)
        layout.addWidget(self.summary)
        layout.addLayout(bottom)

        self.target.currentIndexChanged.connect(self._on_target)
        self.target.lineEdit().editingFinished.connect(self._on_target_typed)
        self.reason_picker.combo.currentIndexChanged.connect(self._update_ok)
        self.reason_picker.other.textChanged.connect(self._update_ok)
        if to_manager is not None:
            self.set_target(to_manager)
        self._update_ok()
        watch_tables(self, "Reassign RSOs")  # the audit's consultation of the RSOs named

    # --- building ---------------------------------------------------------------------------

    def _build_moving(self) -> None:
        """The title and the RSOs moving, with who holds them now."""
        self.title = QLabel(self._title_text())
        self.title.setObjectName("sectionTitle")
        self.title.setWordWrap(True)
        moving = rso_rows(self._moving, MOVING_COLUMNS[:-1], manager_label=False)
        moving["holder"] = self._moving["manager_name"].astype(object).where(
            self._moving["named"].to_numpy(bool), pool_names(self._moving["team"]))
        self.moving_model = DataFrameTableModel(MOVING_COLUMNS, moving, parent=self)
        self.moving_view = data_table(self.moving_model, self, name="RSOs moving")
        fit_columns(self.moving_view)
        self.moving_view.setMaximumHeight(self._rows_height(self.moving_view, min(len(moving), 8)))

    def _build_form(self) -> QFormLayout:
        """Who the RSOs go to (typed or chosen), the reason and the effective date."""
        self.target = QComboBox(self)
        self.target.setEditable(True)
        self.target.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.target.lineEdit().setPlaceholderText("Type a name, team or BCU")
        for row in self._choices.itertuples():
            self.target.addItem(row.label, row.manager_id)
        completer = QCompleter(self.target.model(), self.target)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.target.setCompleter(completer)
        self.target.setCurrentIndex(-1)
        self.reason_picker = ReasonPicker(self)
        self.effective = QLabel(self._effective_text())
        self.effective.setObjectName("muted")
        self.effective.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Move to", self.target)
        form.addRow("Reason", self.reason_picker)
        form.addRow("Effective", self.effective)
        return form

    def _build_preview(self) -> None:
        """The managers before and after the move."""
        self.preview_title = QLabel("Before and after")
        self.preview_title.setObjectName("sectionTitle")
        self.preview_model = DataFrameTableModel(preview_columns(self._figures.policy), parent=self)
        self.preview_view = data_table(self.preview_model, self, name="Before and after",
                                       description="Each manager's caseload before and after "
                                                   "the move, against the limits")
        # Those giving RSOs first, those receiving last.
        self.preview_view.sortByColumn(self.preview_model.column_of("moving"),
                                       Qt.SortOrder.AscendingOrder)
        self.summary = QLabel("Choose who the RSOs go to, to see what the move does.")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def _build_bottom(self) -> QHBoxLayout:
        """Why the move cannot be made yet, and Reassign or Cancel."""
        self.buttons = QDialogButtonBox(self)
        self.ok_button = QPushButton(f"Reassign {len(self.rso_ids)} RSO(s)")
        self.ok_button.setDefault(True)
        self.buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.hint = QLabel("")
        self.hint.setObjectName("muted")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.hint, 1)
        bottom.addWidget(self.buttons)
        return bottom

    # --- text -----------------------------------------------------------------------------

    def _title_text(self) -> str:
        moving = self._moving
        named = moving["named"].to_numpy(bool)
        who = sorted(set(moving.loc[named, "manager_name"].dropna()))
        pooled = int((~named).sum())
        parts = []
        if who:
            parts.append(f"from {', '.join(who[:3])}" + (f" and {len(who) - 3} more"
                                                          if len(who) > 3 else ""))
        if pooled:
            parts.append(f"{pooled} with no named manager")
        risk = moving["risk_level"].astype(object).fillna("unknown").value_counts()
        mix = ", ".join(f"{int(n)} {str(level).replace('_', ' ')}" for level, n in risk.items())
        return (f"Reassign {len(self.rso_ids)} RSO(s) " + "; ".join(parts)
                + (f" ({mix} risk)" if mix else ""))

    def _effective_text(self) -> str:
        text = (f"From {uk_date(self._on)}, the as-at date these figures are for; the "
                "allocation history records the move from that date.")
        if self._on != date.today():
            text += f" (Today is {uk_date(date.today())}: set the as-at date to today to move " \
                    "them from today.)"
        return text

    @staticmethod
    def _rows_height(view: QTableView, rows: int) -> int:
        return (view.horizontalHeader().sizeHint().height()
                + view.verticalHeader().defaultSectionSize() * max(rows, 1) + 4)

    # --- the target ---------------------------------------------------------------------

    @property
    def to_manager(self) -> str | None:
        """The manager chosen, when the combo shows one of its items exactly."""
        index = self.target.currentIndex()
        if index < 0 or self.target.currentText() != self.target.itemText(index):
            return None
        return self.target.itemData(index)

    def set_target(self, manager_id: str) -> None:
        self.target.setCurrentIndex(self.target.findData(manager_id))

    def _on_target_typed(self) -> None:
        index = self.target.findText(self.target.currentText(), Qt.MatchFlag.MatchContains)
        if index >= 0 and self.target.currentText() != self.target.itemText(index):
            self.target.setCurrentIndex(index)
        self._on_target(index)

    def _on_target(self, _index: int) -> None:
        manager_id = self.to_manager
        if manager_id is None:
            self._preview = pd.DataFrame()
            self.preview_model.set_frame(pd.DataFrame(
                columns=[c.key for c in self.preview_model.columns]))
            self.summary.setText("Choose who the RSOs go to, to see what the move does.")
        else:
            moves = pd.DataFrame({"rso_id": self.rso_ids, "to_manager_id": manager_id})
            self._preview = preview_moves(self._figures, moves)
            self.preview_model.set_frame(with_limit_text(self._preview))
            fit_columns(self.preview_view)
            self.preview_view.setMaximumHeight(
                self._rows_height(self.preview_view, len(self._preview) + 1))
            self.summary.setText("\n".join(preview_sentences(self._preview)))
        self._update_ok()

    @property
    def preview(self) -> pd.DataFrame:
        """The before/after rows shown (empty until a manager is chosen)."""
        return self._preview

    # --- the reason and the operation -----------------------------------------------------

    @property
    def reason(self) -> str:
        return self.reason_picker.reason

    def _update_ok(self, *_args: object) -> None:
        missing = []
        if self.to_manager is None:
            missing.append("who the RSOs go to")
        elif not self._to_move():
            missing.append("someone who does not hold them already")
        if not self.reason:
            missing.append("a reason" if self.reason_picker.combo.currentData() != OTHER
                           else "the reason in words")
        self.ok_button.setEnabled(not missing)
        self.hint.setText("Choose " + " and ".join(missing) if missing else "")

    def _to_move(self) -> list[RsoId]:
        """The chosen RSOs not already with the chosen manager."""
        held = self._moving.loc[self._moving["manager_id"] == self.to_manager, "rso_id"]
        already = set(held)
        return [RsoId(i) for i in self.rso_ids if i not in already]

    def operation(self) -> Operation:
        """The move, for ``AppContext.apply``: refused if an RSO moved after the as-at date."""
        ids = self._to_move()
        target, reason, on = ManagerId(self.to_manager or ""), self.reason, self._on
        seen = seen_versions(self._figures.rsos, ids)  # refused if changed since (StaleWrite)

        def run(engine: Engine, user: User) -> Change:
            check_effective_date(engine, ids, on)
            return reassign(engine, ids, target, reason, user, on=on, seen=seen)

        return run
