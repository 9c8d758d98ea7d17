"""The Reassign dialog: move one or many RSOs (held or pooled) to a named offender manager, seeing
what the move does to both sides before committing, with a required reason.

The before/after figures are never computed here: the moves are applied to the window's per-RSO
frame (``analysis.rebalance.apply_moves``) and ``analysis.caseload.manager_figures``, the one
implementation of the caseload and high-risk flags, reads the result.

The move takes effect on the window's as-at date: the figures previewed are as at that date, so
the move must start then for the page to show, after it, what the preview promised. With the
as-at date on today (the default) that is today; a past as-at date records a correction from
that date, refused if any RSO moved since (``check_effective_date``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date

import numpy as np
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

from ncpi_desktop.analysis.caseload import COUNT_COLUMNS, manager_figures
from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.analysis.flags import flag_column, why_column
from ncpi_desktop.analysis.rebalance import apply_moves
from ncpi_desktop.domain.enums import Role
from ncpi_desktop.domain.ids import ManagerId, RsoId
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.storage.allocations import ALLOCATION_REASONS
from ncpi_desktop.storage.operations import (
    Change,
    check_effective_date,
    reassign,
)
from ncpi_desktop.ui import style
from ncpi_desktop.ui.caseload_page import RISK_ORDER, STATUS_ORDER, with_rso_names
from ncpi_desktop.ui.table_model import Column, DataFrameTableModel, Kind, format_value
from ncpi_desktop.ui.tables import data_table, fit_columns

#: The manager flags a preview reports, with the words a sentence uses for each.
LIMITS: dict[str, str] = {
    "caseload_over_limit": "caseload limit",
    "high_risk_share_over_limit": "high-risk limit",
}
#: Prefix of the flags a preview row had before the move (``flag_was_<name>``).
WAS = "was_"
OTHER = "other"
UNALLOCATED = "Unallocated"
NO_TEAM = "\0no team"
CHOOSE = "Choose a reason…"

Operation = Callable[[Engine, str], Change]


def _was(name: str) -> str:
    return f"{WAS}{name}"


def preview_moves(figures: Figures, moves: pd.DataFrame, *,
                  also: Iterable[str] = ()) -> pd.DataFrame:
    """What ``moves`` (rso_id, to_manager_id) do to every manager they touch (and ``also``):
    one row per manager, and one per team pool RSOs leave, with the figures before
    (``*_before``, flags ``was_*``) and after (flags as ``manager_figures`` names them).

    ``moving`` is the RSOs arriving less those leaving, of any status; the caseload columns count
    community RSOs only (rule 1).
    """
    rsos, policy = figures.rsos, figures.policy
    managers = figures.snapshot.managers
    moved = rsos["rso_id"].isin(moves["rso_id"]).to_numpy(bool)
    leaving = rsos.loc[moved, "manager_id"].dropna()
    touched = (set(leaving) | set(moves["to_manager_id"].dropna()) | set(also))
    rows = moved | rsos["manager_id"].isin(touched).to_numpy(bool)
    columns = ["rso_id", "manager_id", "named", "team", "bcu", *COUNT_COLUMNS.values()]
    subset = rsos.loc[rows, columns]
    staff = managers[managers["manager_id"].isin(touched)]
    limits = (policy.caseload_limit_per_fte, policy.high_risk_share_limit)
    before = manager_figures(subset, staff, *limits).set_index("manager_id")
    after = manager_figures(apply_moves(subset, moves, managers), staff, *limits)
    after = after.set_index("manager_id")
    ids = after.index.union(before.index).rename("manager_id")
    after = after.reindex(ids)
    before = before.reindex(ids)
    for column in ("caseload", "per_fte", "high_risk_share"):
        after[f"{column}_before"] = before[column]
    for name in LIMITS:
        after[flag_column(_was(name))] = before[flag_column(name)].fillna(False).astype(bool)
        after[why_column(_was(name))] = before[why_column(name)].fillna("")
        after[flag_column(name)] = after[flag_column(name)].fillna(False).astype(bool)
    arriving = moves["to_manager_id"].value_counts()
    departing = leaving.value_counts()
    after["moving"] = (arriving.reindex(ids, fill_value=0)
                       - departing.reindex(ids, fill_value=0)).astype(int)
    frame = after.reset_index()
    frame["holder"] = frame["name"]
    # Those giving RSOs first, then the pools they leave, those receiving, the rest.
    frame["_rank"] = np.select([frame["moving"] < 0, frame["moving"] > 0], [0, 2], 3)
    pools = _pool_rows(rsos, moved)
    if len(pools):
        frame = pd.concat([frame, pools.assign(_rank=1)], ignore_index=True)
    return frame.sort_values("_rank", kind="stable").drop(columns="_rank").reset_index(
        drop=True)


def pool_names(teams: pd.Series) -> pd.Series:
    """"Pool of TEAM" for RSOs with no named manager, or "Unallocated" when no team holds them."""
    teams = teams.astype(object)
    return ("Pool of " + teams.fillna("")).where(teams.notna(), UNALLOCATED)


def _pool_rows(rsos: pd.DataFrame, moved: np.ndarray) -> pd.DataFrame:
    """One row per team pool the moved RSOs leave: pooled community RSOs before and after."""
    leaving = rsos[moved & ~rsos["named"].to_numpy(bool)]
    if leaving.empty:
        return pd.DataFrame()
    team = leaving["team"].astype(object).fillna(NO_TEAM)
    pooled = rsos[rsos["is_pooled"].to_numpy(bool)]
    held = pooled["team"].astype(object).fillna(NO_TEAM).value_counts()
    out = leaving.groupby(team.to_numpy()).agg(moving=("rso_id", "size"),
                                               community=("is_community", "sum"))
    teams = out.index.to_series().astype(object)
    names = pool_names(teams.where(teams != NO_TEAM)).to_numpy(object)
    frame = pd.DataFrame({
        "manager_id": None, "holder": names, "name": names,
        "team": teams.where(teams != NO_TEAM, "").to_numpy(object),
        "moving": -out["moving"].to_numpy(int),
        "caseload_before": held.reindex(out.index, fill_value=0).to_numpy(int),
    })
    frame["caseload"] = frame["caseload_before"] - out["community"].to_numpy(int)
    for name in LIMITS:
        for flag in (name, _was(name)):
            frame[flag_column(flag)] = False
            frame[why_column(flag)] = ""
    return frame.reset_index(drop=True)


def _limit_words(row: pd.Series) -> list[str]:
    words = []
    for name, label in LIMITS.items():
        was, now = bool(row.get(flag_column(_was(name)), False)), bool(row.get(
            flag_column(name), False))
        if was and not now:
            words.append(f"{label} cleared")
        elif now and not was:
            words.append(f"now above the {label}")
        elif now:
            words.append(f"still above the {label}")
    return words


def preview_sentences(preview: pd.DataFrame) -> list[str]:
    """One plain sentence per row of ``preview_moves``: per FTE and high-risk share before and
    after, and what happens to each flag ("Alice Ashworth: 52.0 → 40.0 per FTE, ...")."""
    sentences = []
    for _, row in preview.iterrows():  # a handful of managers
        if row["manager_id"] is None or pd.isna(row["manager_id"]):
            sentences.append(f"{row['holder']}: {int(row['caseload_before'])} → "
                             f"{int(row['caseload'])} community RSOs with no named manager.")
            continue
        share = (f"high-risk {format_value(Kind.PERCENT, row['high_risk_share_before']) or '–'}"
                 f" → {format_value(Kind.PERCENT, row['high_risk_share']) or '–'}")
        words = _limit_words(row) or ["within both limits"]
        sentences.append(
            f"{row['name']}: {format_value(Kind.FLOAT1, row['per_fte_before'])} → "
            f"{format_value(Kind.FLOAT1, row['per_fte'])} per FTE, {share}; "
            + ", ".join(words) + ".")
    return sentences


def preview_columns(policy: Policy) -> list[Column]:
    """Before and after, side by side; a cell is red where its flag is raised (hover: why)."""
    limit = f"{policy.caseload_limit_per_fte:g}"
    share = f"{policy.high_risk_share_limit:.0%}"
    caseload, was_caseload = ("caseload_over_limit",), (_was("caseload_over_limit"),)
    high, was_high = ("high_risk_share_over_limit",), (_was("high_risk_share_over_limit"),)
    return [
        Column("holder", "Offender manager"),
        Column("team", "Team"),
        Column("moving", "RSOs", Kind.INT, header_tip="RSOs arriving (+) or leaving (−)"),
        Column("caseload_before", "Caseload before", Kind.INT, was_caseload,
               header_tip="Community RSOs before the move"),
        Column("caseload", "after", Kind.INT, caseload,
               header_tip="Community RSOs after the move"),
        Column("per_fte_before", "Per FTE before", Kind.FLOAT1, was_caseload,
               header_tip=f"Flagged above {limit}"),
        Column("per_fte", "after", Kind.FLOAT1, caseload, header_tip=f"Flagged above {limit}"),
        Column("high_risk_share_before", "High-risk before", Kind.PERCENT, was_high,
               header_tip=f"High plus very high; flagged above {share}"),
        Column("high_risk_share", "after", Kind.PERCENT, high,
               header_tip=f"High plus very high; flagged above {share}"),
        Column("limits", "After the move", Kind.TEXT, (*caseload, *high)),
    ]


def with_limit_text(preview: pd.DataFrame) -> pd.DataFrame:
    """``preview`` with a ``limits`` column: what happens to the flags, in words."""
    frame = preview.copy()
    words = [", ".join(_limit_words(row)) if not pd.isna(row["manager_id"]) else ""
             for _, row in frame.iterrows()]
    frame["limits"] = [w[:1].upper() + w[1:] if w else "" for w in words]
    named = frame["manager_id"].notna().to_numpy(bool)
    frame.loc[named & (frame["limits"] == ""), "limits"] = "Within both limits"
    return frame


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


def manager_choices(figures: Figures, *, bcu: str | None, exclude: Iterable[str] = (),
                    absent: Mapping[str, date] | None = None) -> pd.DataFrame:
    """Active offender managers a move can go to, those of ``bcu`` first, then by team and name,
    each with a label: "Dan Duckworth · West 1, West · 10.0 per FTE (absent until ...)"."""
    managers = figures.managers
    choices = managers[(managers["role"] == Role.OFFENDER_MANAGER)
                       & ~managers["manager_id"].isin(list(exclude))].copy()
    choices["_other_bcu"] = choices["bcu"] != bcu
    choices = choices.sort_values(["_other_bcu", "bcu", "team", "name"], kind="stable")
    absent = absent or {}
    notes = choices["manager_id"].map(
        lambda m: f" (absent until {absent[m]:%d/%m/%Y})" if m in absent else "")
    choices["label"] = (choices["name"] + " · " + choices["team"] + ", " + choices["bcu"]
                        + " · " + choices["per_fte"].map(lambda v: format_value(Kind.FLOAT1, v))
                        + " per FTE" + notes)
    return choices[["manager_id", "name", "bcu", "team", "label"]].reset_index(drop=True)


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

        self.title = QLabel(self._title_text())
        self.title.setObjectName("sectionTitle")
        self.title.setWordWrap(True)
        moving = with_rso_names(self._moving, MOVING_COLUMNS[:-1])
        moving["holder"] = self._moving["manager_name"].astype(object).where(
            self._moving["named"].to_numpy(bool), pool_names(self._moving["team"]))
        self.moving_model = DataFrameTableModel(MOVING_COLUMNS, moving, parent=self)
        self.moving_view = data_table(self.moving_model, self)
        fit_columns(self.moving_view)
        self.moving_view.setMaximumHeight(self._rows_height(self.moving_view, min(len(moving), 8)))

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

        self.preview_title = QLabel("Before and after")
        self.preview_title.setObjectName("sectionTitle")
        self.preview_model = DataFrameTableModel(preview_columns(figures.policy), parent=self)
        self.preview_view = data_table(self.preview_model, self)
        # Those giving RSOs first, those receiving last.
        self.preview_view.sortByColumn(self.preview_model.column_of("moving"),
                                       Qt.SortOrder.AscendingOrder)
        self.summary = QLabel("Choose who the RSOs go to, to see what the move does.")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

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
        text = (f"From {self._on:%d/%m/%Y}, the as-at date these figures are for; the "
                "allocation history records the move from that date.")
        if self._on != date.today():
            text += f" (Today is {date.today():%d/%m/%Y}: set the as-at date to today to move " \
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
        """The move, for ``MainWindow.apply``: refused if an RSO moved after the as-at date."""
        ids = self._to_move()
        target, reason, on = ManagerId(self.to_manager or ""), self.reason, self._on

        def run(engine: Engine, actor: str) -> Change:
            check_effective_date(engine, ids, on)
            return reassign(engine, ids, target, reason, actor, on=on)

        return run
