"""Rebalancing in the main window: the Manage menu, Ctrl+R on any RSO list, the reassign,
proposal, leaver/absence, hand-back and history dialogs, and the hand-back reminder.

``Rebalancing(context, caseload_page)`` wires it all; its ``lists`` (``menus.rso_lists``) make
the caseload page's and every other page's RSO lists selectable, draggable onto a manager (table
row or chart bar) and right-clickable, and ask it for the dialogs.

Every move takes effect on the window's as-at date (see ``dialogs.reassign``): what the user
previews and then sees is the register as at that date.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QPushButton

from ncpi_desktop.domain.security import Operation
from ncpi_desktop.storage.allocations import (
    absences,
    absent_on,
    hand_backs_due,
    proposal_context,
)
from ncpi_desktop.ui.core.context import AppContext
from ncpi_desktop.ui.core.permissions import gate, show_tips, why_not
from ncpi_desktop.ui.dialogs.absence import GoingDialog, HandBackDialog
from ncpi_desktop.ui.dialogs.allocation_history import HistoryDialog
from ncpi_desktop.ui.dialogs.proposal import Going, ProposalView, Scope
from ncpi_desktop.ui.dialogs.reassign import ReassignDialog
from ncpi_desktop.ui.menus.rso_lists import RsoLists
from ncpi_desktop.ui.menus.shown_dialog import show_dialog
from ncpi_desktop.ui.pages.caseload import CaseloadPage


class Rebalancing(QObject):
    """The window's rebalancing controller (one per window)."""

    def __init__(self, context: AppContext, caseload_page: CaseloadPage) -> None:
        super().__init__(context)
        self.setObjectName("rebalancing")
        self.context = context
        self.page = caseload_page
        #: The dialog last opened (kept alive while open; tests read it).
        self.dialog: QDialog | None = None
        #: RSOs on cover whose managers are back (the hand-back reminder counts them).
        self._due = 0
        self._build_actions()
        #: The RSO lists and drop targets: what they ask for comes back here.
        self.lists = RsoLists(self, caseload_page, context.dialog_parent, context.pages(),
                              self.reassign_action.shortcut())
        self.hand_back_button = QPushButton("")
        self.hand_back_button.setFlat(True)
        self.hand_back_button.setObjectName("warningButton")  # coloured by the theme
        self.hand_back_button.clicked.connect(self.hand_back)
        self.hand_back_button.hide()
        context.add_status_widget(self.hand_back_button)
        context.figures_changed.connect(self._on_figures)
        self._on_figures(context.figures)
        context.user_changed.connect(self._gate)
        self._gate()

    def _gate(self, *_user: object) -> None:
        """Offer only what the signed-in user may do (and say why not on hover)."""
        user = self.context.user
        for item, operation in ((self.reassign_action, Operation.REASSIGN),
                                (self.propose_action, Operation.PROPOSE),
                                (self.leaving_action, Operation.MANAGER_LEAVING),
                                (self.absent_action, Operation.MANAGER_ABSENT),
                                (self.hand_back_action, Operation.HAND_BACK)):
            gate(item, user, operation, enabled=item is not self.hand_back_action
                 or self._due > 0)
        if not self.hand_back_action.isEnabled():
            self.hand_back_button.hide()

    def _refused(self, operation: Operation) -> bool:
        """The user may not do ``operation`` at all: said (the rule), and True."""
        reason = why_not(self.context.user, operation)
        if reason is not None:
            self.context.show_error("Not permitted", reason)
        return reason is not None

    # --- actions ------------------------------------------------------------------------------

    def _build_actions(self) -> None:
        parent = self.context.dialog_parent
        menu = self.context.menu("&Manage")
        show_tips(menu)

        def action(text: str, slot: object, shortcut: str | None = None,
                   tip: str = "") -> QAction:
            item = QAction(text, parent)
            if shortcut:
                item.setShortcut(QKeySequence(shortcut))
            item.setStatusTip(tip)
            item.setToolTip(tip)
            item.triggered.connect(slot)
            menu.addAction(item)
            return item

        self.reassign_action = action(
            "&Reassign selected RSOs…", self.reassign_selected, "Ctrl+R",
            "Move the RSOs selected in a list to another offender manager, with a preview")
        self.propose_action = action(
            "&Propose rebalancing…", lambda: self.propose(), "Ctrl+Shift+R",
            "The fewest moves that bring every manager within the limits")
        menu.addSeparator()
        self.leaving_action = action("Manager &leaving…", lambda: self.going(absence=False),
                                     tip="Move every RSO of a manager who leaves")
        self.absent_action = action("Manager &absent until…", lambda: self.going(absence=True),
                                    tip="Move a manager's RSOs to cover until they are back")
        self.hand_back_action = action("&Hand back RSOs…", self.hand_back,
                                       tip="Give RSOs on cover back to managers who are back")
        menu.addSeparator()
        self.history_action = action("Allocation &history…", self.history,
                                     tip="Who held an RSO, or whom a manager held, and why")

    # --- the dialogs ------------------------------------------------------------------------

    @property
    def on(self) -> date:
        """The effective date of every move made here: the window's as-at date."""
        return self.context.as_at

    def _absent_now(self) -> dict[str, date]:
        engine = self.context.engine
        if engine is None:
            return {}
        frame = absent_on(absences(engine), self.on)
        return {str(m): pd.Timestamp(d).date()
                for m, d in zip(frame["manager_id"], frame["ends_on"], strict=True)}

    def _ready(self) -> bool:
        if self.context.figures is None or self.context.engine is None:
            self.context.show_error("Nothing to rebalance", "Open a database with offender "
                                   "managers and RSOs first (File › Open database).")
            return False
        return True

    def reassign_selected(self) -> None:
        """Ctrl+R: reassign the RSOs selected in the RSO list used last."""
        ids = self.lists.current_rsos()
        if not ids:
            self.context.show_error("No RSOs selected", "Select one or more RSOs in a list "
                                   "(a manager's RSOs, or Pooled), then press Ctrl+R.")
            return
        self.reassign(ids)

    def reassign(self, rso_ids: list[str], to_manager: str | None = None) -> ReassignDialog | None:
        if self._refused(Operation.REASSIGN) or not self._ready():
            return None
        figures = self.context.figures
        assert figures is not None
        dialog = ReassignDialog(figures, rso_ids, on=self.on, to_manager=to_manager,
                                absent=self._absent_now(), parent=self.context.dialog_parent)
        dialog.accepted.connect(lambda: self.context.apply(dialog.operation()))
        show_dialog(self, dialog)
        return dialog

    def propose(self, scope: Scope | None = None, going: Going | None = None
                ) -> ProposalView | None:
        if self._refused(Operation.PROPOSE) or not self._ready():
            return None
        figures, engine = self.context.figures, self.context.engine
        assert figures is not None and engine is not None
        if scope is None and going is None:
            scope = Scope(self.page.current_bcu, self.page.current_team)
            if scope.bcu is None and scope.team is None:
                selected = figures.managers[figures.managers["manager_id"]
                                            == self.page.selected_manager]
                bcus = sorted(figures.managers["bcu"].dropna().unique())
                scope = Scope(str(selected["bcu"].iat[0]) if len(selected) else
                              (str(bcus[0]) if bcus else None))
        absent, starts = proposal_context(engine, self.on)
        if going is not None:
            absent = [m for m in absent if m != going.manager_id]
        view = ProposalView(figures, on=self.on, apply=self.context.apply, scope=scope,
                            going=going, absent_now=absent, allocated_on=starts,
                            parent=self.context.dialog_parent)
        show_dialog(self, view)
        return view

    def going(self, *, absence: bool, manager_id: str | None = None) -> GoingDialog | None:
        """Manager leaving or absent: who (and until when), then the proposal for their RSOs."""
        needed = Operation.MANAGER_ABSENT if absence else Operation.MANAGER_LEAVING
        if self._refused(needed) or not self._ready():
            return None
        figures = self.context.figures
        assert figures is not None
        dialog = GoingDialog(figures, on=self.on, absence=absence,
                             manager_id=manager_id or self.page.selected_manager,
                             parent=self.context.dialog_parent)

        def next_step() -> None:
            chosen = dialog.manager_id
            if chosen is None:
                return
            self.propose(going=Going(chosen, dialog.back_on if absence else None,
                                     dialog.note.text().strip()))

        dialog.accepted.connect(next_step)
        show_dialog(self, dialog)
        return dialog

    def hand_back(self) -> HandBackDialog | None:
        if self._refused(Operation.HAND_BACK) or not self._ready():
            return None
        engine, figures = self.context.engine, self.context.figures
        assert engine is not None and figures is not None
        dialog = HandBackDialog(engine, figures, on=self.on, apply=self.context.apply,
                                user=self.context.user,
                                parent=self.context.dialog_parent)
        show_dialog(self, dialog)
        return dialog

    def history(self, *, rso_id: str | None = None,
                manager_id: str | None = None) -> HistoryDialog | None:
        """The allocation history of an RSO or a manager (default: the RSO selected in the list
        used last, else the manager selected on the caseload page)."""
        engine, figures = self.context.engine, self.context.figures
        if engine is None or figures is None:
            return None
        if rso_id is None and manager_id is None:
            ids = self.lists.current_rsos()
            if len(ids) == 1 or (ids and self.lists.last_view_has_focus()):
                rso_id = ids[0]
            else:
                manager_id = self.page.selected_manager
        if rso_id is None and manager_id is None:
            self.context.show_error("Allocation history", "Select an RSO or an offender "
                                   "manager first.")
            return None
        title = ""
        if manager_id is not None:
            row = figures.snapshot.managers[figures.snapshot.managers["manager_id"]
                                            == manager_id]
            title = f"{row['name'].iat[0]} ({manager_id})" if len(row) else manager_id
        dialog = HistoryDialog(engine, user=self.context.user, figures=figures,
                               rso_id=rso_id, manager_id=manager_id, title=title,
                               parent=self.context.dialog_parent)
        return show_dialog(self, dialog, modality=Qt.WindowModality.NonModal)

    # --- the hand-back reminder ---------------------------------------------------------------

    def _on_figures(self, _figures: object) -> None:
        self.lists.hook_charts()
        engine = self.context.engine
        due = hand_backs_due(engine, self.on) if engine is not None else pd.DataFrame()
        self._due = len(due)
        self._gate()
        if len(due) and self.hand_back_action.isEnabled():
            managers = due["manager_id"].nunique()
            self.hand_back_button.setText(
                f"{managers} manager(s) back from absence: hand back {len(due)} RSO(s)…")
            self.hand_back_button.show()
        else:
            self.hand_back_button.hide()
