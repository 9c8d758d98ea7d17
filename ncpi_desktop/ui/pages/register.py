"""The Register page: every RSO of the register (all statuses) in one list, searched as the user
types (Ctrl+F) by id, name, neighbourhood and manager, filtered by BCU, team, manager, risk,
status, management and flag, with the data-quality flags and what to fix.

The frame logic is ``models.register.RegisterFrame``, built once per ``Figures`` when the page is
first shown with them; typing waits ``SEARCH_DELAY_MS`` for the next key before searching, so a
name typed quickly is searched once.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QWidget

from ncpi_desktop.analysis.figures import flag_title
from ncpi_desktop.domain.enums import ManagementMode, Status
from ncpi_desktop.formats import plural
from ncpi_desktop.ui.models.register import (
    ANY_DATA_QUALITY,
    ANY_FLAG,
    DATA_QUALITY_FLAGS,
    REGISTER_COLUMNS,
    RegisterChoice,
    RegisterFrame,
)
from ncpi_desktop.ui.pages.review import ReviewPage
from ncpi_desktop.ui.widgets.combos import ANY, choose, chosen
from ncpi_desktop.ui.widgets.labels import muted, section_title
from ncpi_desktop.ui.widgets.summary import SummaryCard

#: How long typing pauses before the list is searched.
SEARCH_DELAY_MS = 150


def _labelled(row: QHBoxLayout, text: str, widget: QWidget, name: str) -> None:
    """Add ``widget`` to ``row`` after a label that is its buddy (Alt+letter focuses it)."""
    label = QLabel(text)
    label.setBuddy(widget)
    widget.setAccessibleName(name)
    row.addWidget(label)
    row.addWidget(widget)


class RegisterPage(ReviewPage):
    """Every RSO of the register, searched and filtered; data-quality flags with what to fix."""

    title = "Register"
    settings_group = "register"

    def __init__(self, parent: QWidget | None = None) -> None:
        self._register: RegisterFrame | None = None
        self._register_of: object = None
        super().__init__(parent)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._on_scope_changed)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self._on_search_entered)
        self.find_action = QAction("Find in the register", self)
        self.find_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        self.find_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.find_action.triggered.connect(self.focus_search)
        self.addAction(self.find_action)

    def _build_content(self) -> QWidget:
        content, layout, filters = self._scaffold({
            "rsos": SummaryCard("RSOs listed", "RSOs of the register within the filters and "
                                "search, every status"),
            "flagged": SummaryCard("Flagged", "Listed RSOs with at least one flag"),
            "data_quality": SummaryCard("Data quality", "Listed RSOs whose record needs "
                                        "correcting: no risk level, or paper records only"),
        })
        filters.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(6)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search by id, name, neighbourhood or manager (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(260)
        _labelled(row, "&Search", self.search, "Search the register")
        self.status_combo = self._combo(row, "S&tatus", "All statuses",
                                        [(s.value.capitalize(), s.value) for s in Status])
        self.management_combo = self._combo(row, "Ma&nagement", "All management",
                                            [(m.value.capitalize(), m.value)
                                             for m in ManagementMode])
        self.flag_combo = self._combo(row, "F&lag", "All RSOs", [])
        row.addStretch(1)
        layout.addLayout(row)

        self.register_model, self.register_view = self.rso_table(
            REGISTER_COLUMNS, "rso_name", name="Register of RSOs",
            description="Every RSO within the search and filters; Enter opens the details")
        self.title_label = section_title("")
        layout.addWidget(self.title_label)
        layout.addWidget(self.register_view, 1)
        layout.addWidget(muted("Ctrl+F searches; Enter in the search goes to the list. "
                               "Double-click or Enter on an RSO for their details. Flagged cells: "
                               "hover for why."))
        return content

    def _combo(self, row: QHBoxLayout, label: str, everything: str,
               items: list[tuple[str, str]]) -> QComboBox:
        combo = QComboBox()
        combo.addItem(everything, ANY)
        for text, data in items:
            combo.addItem(text, data)
        row.addSpacing(8)
        _labelled(row, label, combo, label.replace("&", ""))
        combo.currentIndexChanged.connect(self._on_scope_changed)
        return combo

    # --- the choice ---------------------------------------------------------------------------

    @property
    def choice(self) -> RegisterChoice:
        return RegisterChoice(self.search.text(), chosen(self.status_combo),
                              chosen(self.management_combo), chosen(self.flag_combo))

    def set_choice(self, text: str = "", status: str | None = None,
                   management: str | None = None, flag: str | None = None) -> None:
        """Search and filter as the user would (the list follows at once)."""
        for combo, value in ((self.status_combo, status), (self.management_combo, management),
                             (self.flag_combo, flag)):
            combo.blockSignals(True)
            choose(combo, value)
            combo.blockSignals(False)
        self.search.setText(text)
        self.search_now()

    def search_now(self) -> None:
        """Search at once rather than after the typing pause."""
        self._search_timer.stop()
        self._on_scope_changed()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _on_search_entered(self) -> None:
        self.search_now()
        view = self.register_view
        if self.register_model.rowCount():
            view.setFocus(Qt.FocusReason.OtherFocusReason)
            if not view.selectionModel().hasSelection():
                view.selectRow(0)

    # --- showing the figures ------------------------------------------------------------------

    def _fill_flags(self, register: RegisterFrame) -> None:
        combo = self.flag_combo
        keep = chosen(combo)
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("All RSOs", ANY)
        combo.addItem("Any flag", ANY_FLAG)
        combo.addItem("Any data-quality flag", ANY_DATA_QUALITY)
        for name in register.flags:
            combo.addItem(flag_title(name), name)
        choose(combo, keep)
        combo.blockSignals(False)

    def register(self) -> RegisterFrame:
        """The register of the page's figures (built the first time they are shown)."""
        figures = self._figures
        assert figures is not None
        if self._register is None or self._register_of is not figures:
            self._register = RegisterFrame(figures.rsos)
            self._register_of = figures
            self._fill_flags(self._register)
        return self._register

    def _refresh(self) -> None:
        self._update_scope_label()
        register = self.register()
        choice = self.choice
        scope = self.scope.mask(register.frame)
        keep = register.mask(choice, scope)
        counts = register.counts(keep)
        self.summary["rsos"].set_figure(f"{counts['rsos']:,}", f"of {len(register):,} in the "
                                        f"register; {counts['community']:,} in the community")
        self.summary["flagged"].set_figure(f"{counts['flagged']:,}", "at least one flag")
        self.summary["data_quality"].set_figure(
            f"{counts['data_quality']:,}", " · ".join(
                f"{flag_title(n).lower()} {counts[n]:,}" for n in DATA_QUALITY_FLAGS))
        title = plural(counts["rsos"], "RSO")
        if choice.text.strip():
            title += f" matching “{choice.text.strip()}”"
        self.title_label.setText(title)
        rows = register.frame if keep.all() else register.frame[keep]
        self.show_rows(self.register_view, rows)

    def _clear(self) -> None:
        self._register = None
        self._register_of = None
        super()._clear()
