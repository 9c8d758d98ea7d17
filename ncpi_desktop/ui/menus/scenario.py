"""The Scenario menu: a what-if scenario made, kept by name, shown beside today on every page,
and its real parts made for real.

A scenario's figures are worked out off the GUI thread (``core.workers.run_job``) from the
snapshot of the figures the window shows (``analysis.scenario.scenario_figures``), in memory:
showing one never writes to the database. While one is shown (``AppContext.scenario``), every
page carries the banner "What if: <name> — not the register" and its group tables the what-if
and difference columns; when the window's figures change (a reload, a change made here) the
scenario is worked out again from the new ones.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QInputDialog, QMessageBox
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.analysis.scenario import Scenario, ScenarioError, scenario_figures, steps_from
from ncpi_desktop.analysis.visibility import cut_to
from ncpi_desktop.domain.security import NotPermitted, Operation, User
from ncpi_desktop.storage import offline
from ncpi_desktop.storage.change import OperationError
from ncpi_desktop.ui.core.context import AppContext, ShownScenario, one_line
from ncpi_desktop.ui.core.permissions import gate, show_tips
from ncpi_desktop.ui.core.workers import Cancel, Job, Progress, run_job
from ncpi_desktop.ui.dialogs.scenario import ScenarioEditor
from ncpi_desktop.ui.menus.scenario_apply import ApplyFlow, apply_real_parts

#: Failures of working out a scenario that are the scenario's (a step the register cannot
#: take), said in a message box rather than raised.
EXPECTED = (ScenarioError, KeyError, ValueError)
#: Failures of keeping a scenario by name, said in a message box.
STORE_ERRORS = (OperationError, NotPermitted, SQLAlchemyError)
#: Why Open, Save and Delete are disabled on an offline copy, which keeps no scenario
#: (``storage.scenarios`` refuses both there).
ON_OFFLINE_COPY = ("This is an offline copy: what-if scenarios are kept on its source, not "
                   "in the copy (open, save or delete them there)")


def work_out(figures: Figures, scenario: Scenario,
             user: User | None = None) -> Callable[[Progress, Cancel], Figures]:
    """The job working out ``scenario``'s figures from ``figures``' snapshot (a plain
    function: the snapshot is copied, never changed), then cut to ``user``. ``figures`` must
    be uncut (``AppContext.uncut_figures``): a date of birth blanked outside the user's scope
    would change who ARMS and reactive management apply to."""
    def work(progress: Progress, _cancel: Cancel) -> Figures:
        progress(0, 0, f"Working out the scenario \u201c{scenario.name}\u201d")
        # Given today's complete figures, only what the steps touch is computed again.
        result = scenario_figures(figures.snapshot, scenario,
                                  figures if figures.complete else None)
        return result if user is None else cut_to(user, result)
    return work


#: ``pack_scenario``'s answer when the user cancelled.
PACK_CANCELLED = object()


def pack_scenario(context: AppContext) -> ShownScenario | None | object:
    """Which figures File › performance pack is for: with a scenario shown (worked out from
    the figures on show), ask: the scenario's (marked SCENARIO on every page), today's (None),
    or neither (``PACK_CANCELLED``). Without one, today's."""
    shown = context.scenario
    if shown is None or not shown.ready_for(context.figures):
        return None
    box = QMessageBox(QMessageBox.Icon.Question, "Performance pack",
                      f"The what-if scenario “{shown.name}” is shown beside today. "
                      "Produce the pack for the scenario, marked SCENARIO on every page, or "
                      "for the register?", QMessageBox.StandardButton.Cancel,
                      context.dialog_parent)
    for_scenario = box.addButton("For the &scenario", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("For the &register", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(for_scenario)
    box.exec()
    clicked = box.clickedButton()
    if clicked is None or clicked is box.button(QMessageBox.StandardButton.Cancel):
        return PACK_CANCELLED
    return shown if clicked is for_scenario else None


def record_pack_use(engine: Engine, shown: ShownScenario, user: User, path: Path) -> None:
    """The audit's row that a scenario's figures left the application as a pack."""
    from ncpi_desktop.storage.scenarios import record_scenario_use

    steps = [step.to_dict() for step in getattr(shown.scenario, "steps", ())]
    as_at = shown.base.snapshot.as_at.isoformat() if shown.base is not None else None
    record_scenario_use(engine, shown.name, "pack", user,
                        detail={"file": path.name, "as_at": as_at, "steps": steps})


class ScenarioActions(QObject):
    """The Scenario menu of one window, and the scenario it is working on."""

    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        self._context = context
        #: The scenario made, opened or shown last (None: none yet).
        self.scenario: Scenario | None = None
        #: The stored version of ``scenario`` (None: not saved, or changed since opened).
        self.saved_version: int | None = None
        self.job: Job | None = None
        self.editor: ScenarioEditor | None = None
        self.last_message: QMessageBox | None = None
        self.apply_flow: ApplyFlow | None = None
        #: The engine ``on_copy`` was read for, and whether it opens an offline copy.
        self._copy_of: tuple[Engine | None, bool] = (None, False)
        menu = context.menu("Sc&enario")
        show_tips(menu)

        def action(text: str, tip: str, slot: Callable[[], Any], shortcut: str = "") -> QAction:
            item = QAction(text, context.dialog_parent)
            item.setStatusTip(tip)
            item.setToolTip(tip)
            if shortcut:
                item.setShortcut(QKeySequence(shortcut))
            item.triggered.connect(slot)
            menu.addAction(item)
            return item

        self.new_action = action("&New scenario…", "Make a what-if scenario: changes tried on "
                                 "the figures in memory, never the register", self.new,
                                 "Ctrl+Alt+N")
        self.edit_action = action("&Edit scenario…", "Change the scenario's name or changes",
                                  self.edit, "Ctrl+Alt+E")
        menu.addSeparator()
        self.open_action = action("&Open saved scenario…", "Open a scenario saved by name",
                                  self.open_saved, "Ctrl+Alt+O")
        self.save_action = action("&Save scenario", "Keep the scenario by its name (the "
                                  "register is not changed)", self.save, "Ctrl+Alt+S")
        self.delete_action = action("&Delete saved scenario…", "Delete a scenario saved by "
                                    "name", self.delete_saved)
        menu.addSeparator()
        self.show_action = action("Show &beside today", "Every page shows the scenario's "
                                  "figures beside today's, with the difference", self.show,
                                  "Ctrl+Alt+W")
        self.stop_action = action("S&top showing", "Show the register alone again",
                                  self.stop, "Ctrl+Alt+H")
        menu.addSeparator()
        self.apply_action = action("&Apply real parts…", "Make the scenario's real changes "
                                   "(a manager leaving, reactive decisions) as the usual "
                                   "operations, with their checks", self.apply_real,
                                   "Ctrl+Alt+A")
        context.scenario_changed.connect(self._on_scenario_changed)
        context.figures_changed.connect(self._on_figures_changed)
        context.user_changed.connect(self._update_enabled)
        context.database_changed.connect(self._update_enabled)
        self._update_enabled()

    # --- state ---------------------------------------------------------------------------------

    @property
    def shown(self) -> ShownScenario | None:
        return self._context.scenario

    def _update_enabled(self, *_args: object) -> None:
        context = self._context
        has_figures = context.figures is not None
        has_scenario = self.scenario is not None
        self.new_action.setEnabled(has_figures)
        self.edit_action.setEnabled(has_figures and has_scenario)
        self.show_action.setEnabled(has_figures and has_scenario)
        self.stop_action.setEnabled(self.shown is not None)
        user, engine = context.user, context.engine is not None
        self._gate_kept(self.open_action, enabled=engine)
        self._gate_kept(self.delete_action, enabled=engine)
        self._gate_kept(self.save_action, enabled=engine and has_scenario)
        gate(self.apply_action, user, Operation.REASSIGN,
             enabled=engine and has_figures and has_scenario and any(
                 step.real for step in (self.scenario.steps if self.scenario else ())))

    @property
    def on_copy(self) -> bool:
        """The window's database is an offline copy (``storage.offline.info``, as File › Sync
        now asks), read once per database opened."""
        engine = self._context.engine
        if engine is not self._copy_of[0]:
            try:
                found = engine is not None and offline.info(engine) is not None
            except SQLAlchemyError:  # a database that cannot be read is no copy here
                found = False
            self._copy_of = (engine, found)
        return self._copy_of[1]

    def _gate_kept(self, action: QAction, *, enabled: bool) -> None:
        """Open, Save and Delete: ``gate``d by the rule, and on an offline copy disabled too,
        saying why on hover (the rule, when it refuses, is said first)."""
        copy = self.on_copy
        if gate(action, self._context.user, Operation.SCENARIO, enabled=enabled and not copy) \
                and copy:
            action.setToolTip(ON_OFFLINE_COPY)
            action.setStatusTip(ON_OFFLINE_COPY)

    def _say(self, title: str, text: str) -> None:
        self._context.show_error(title, text)

    # --- making and editing -------------------------------------------------------------------

    def new(self) -> ScenarioEditor | None:
        return self._edit(None)

    def edit(self) -> ScenarioEditor | None:
        return self._edit(self.scenario)

    def _edit(self, scenario: Scenario | None) -> ScenarioEditor | None:
        figures = self._context.figures
        if figures is None:
            self._say("Nothing to try it on", "Open a database holding a register first.")
            return None
        self.editor = ScenarioEditor(figures, scenario, self._context.dialog_parent)
        editor = self.editor
        editor.accepted.connect(lambda: self.set_scenario(editor.scenario,
                                                          same=scenario is not None))
        editor.open()
        return editor

    def set_scenario(self, scenario: Scenario | None, *, same: bool = False,
                     version: int | None = None) -> None:
        """Work on ``scenario`` (``same``: an edit of the one before, keeping its stored
        version); if a scenario is shown, show this one instead."""
        keep = same and self.scenario is not None and scenario is not None \
            and scenario.name == self.scenario.name
        self.saved_version = version if version is not None else (
            self.saved_version if keep else None)
        self.scenario = scenario
        self._update_enabled()
        if scenario is not None and self.shown is not None:
            self.show()

    # --- showing beside today -----------------------------------------------------------------

    def show(self) -> Job | None:
        """Work out the scenario's figures off the GUI thread and show them on every page."""
        context, scenario = self._context, self.scenario
        figures, uncut = context.figures, context.uncut_figures()
        if scenario is None or figures is None:
            return None
        if uncut is None:
            self._say("The figures are still being read",
                      "A scenario is worked out from the complete figures: try again once the "
                      "pages show them.")
            return None
        if self.job is not None and self.job.is_running:
            self.job.cancel()
        context.set_scenario(ShownScenario(scenario, base=figures))  # the banner says wait

        def done(result: Figures) -> None:
            waiting = context.scenario  # not stopped, nor another asked for, meanwhile
            if waiting is not None and waiting.scenario is scenario \
                    and waiting.base is figures and context.figures is figures:
                context.set_scenario(ShownScenario(scenario, base=figures, figures=result))
                context.show_status(f"Showing the scenario \u201c{scenario.name}\u201d beside "
                                    "today: nothing is written to the database", 8000)

        def failed(error: BaseException) -> None:
            if context.scenario is not None and context.scenario.scenario is not scenario:
                return  # another scenario is shown by now
            context.set_scenario(None)
            self._say("Cannot work out the scenario", one_line(error))

        self.job = run_job(context.dialog_parent, "What-if scenario",
                           work_out(uncut, scenario, context.user), on_success=done,
                           on_failure=failed,
                           on_cancel=lambda: context.set_scenario(None), expected=EXPECTED,
                           label=f"Working out \u201c{scenario.name}\u201d…")
        return self.job

    def stop(self) -> None:
        if self.job is not None and self.job.is_running:
            self.job.cancel()
        self._context.set_scenario(None)

    def _on_scenario_changed(self, shown: ShownScenario | None) -> None:
        """Every page shows ``shown`` beside today (or today alone)."""
        for page in self._context.pages():
            set_scenario = getattr(page, "set_scenario", None)
            if set_scenario is not None:
                set_scenario(shown)
        self._update_enabled()

    def _on_figures_changed(self, figures: Figures | None) -> None:
        """New figures on show: a scenario shown is worked out again from them."""
        self._update_enabled()
        shown = self.shown
        if shown is None or shown.base is figures:
            return
        if figures is None:
            self.stop()
        else:
            self.show()

    # --- keeping by name ------------------------------------------------------------------------

    def _store(self, title: str, call: Callable[[], Any]) -> Any:
        """Run a storage call of ``storage.scenarios``; a refusal is said, None returned."""
        try:
            return call()
        except STORE_ERRORS as exc:
            self._say(title, one_line(exc))
            return None

    def save(self) -> bool:
        from ncpi_desktop.storage.scenarios import save_scenario

        context, scenario = self._context, self.scenario
        if scenario is None or context.engine is None:
            return False
        engine, user, seen = context.engine, context.user, self.saved_version
        saved = self._store("Scenario not saved", lambda: save_scenario(
            engine, scenario.name, scenario.steps_json(), user, seen=seen))
        if saved is None:
            return False
        self.saved_version = saved.version
        context.show_status(f"Saved the scenario \u201c{scenario.name}\u201d (the register is "
                            "not changed)", 8000)
        return True

    def _choose_saved(self, title: str, label: str) -> Any:
        from ncpi_desktop.storage.scenarios import list_scenarios

        context = self._context
        if context.engine is None:
            return None
        engine, user = context.engine, context.user
        saved = self._store(title, lambda: list_scenarios(engine, user))
        if not saved:
            if saved is not None:
                self._say(title, "No scenario is saved yet (Scenario › Save scenario).")
            return None
        names = [s.name for s in saved]
        name, ok = QInputDialog.getItem(context.dialog_parent, title, label, names, 0, False)
        return next((s for s in saved if s.name == name), None) if ok else None

    def open_saved(self) -> Scenario | None:
        from ncpi_desktop.storage.scenarios import load_scenario

        chosen = self._choose_saved("Open saved scenario", "Scenario:")
        if chosen is None or self._context.engine is None:
            return None
        engine, user = self._context.engine, self._context.user
        loaded = self._store("Scenario not opened",
                             lambda: load_scenario(engine, chosen.name, user))
        return self.open_stored(loaded) if loaded is not None else None

    def open_stored(self, loaded: Any) -> Scenario | None:
        """Work on a stored scenario (``storage.scenarios.SavedScenario``)."""
        try:
            scenario = Scenario(loaded.name, steps_from(loaded.steps))
        except ScenarioError as exc:
            self._say("Scenario not opened", one_line(exc))
            return None
        self.set_scenario(scenario, version=loaded.version)
        self._context.show_status(f"Opened the scenario \u201c{scenario.name}\u201d", 8000)
        return scenario

    def delete_saved(self) -> bool:
        from ncpi_desktop.storage.scenarios import delete_scenario

        chosen = self._choose_saved("Delete saved scenario", "Scenario to delete:")
        context = self._context
        if chosen is None or context.engine is None:
            return False
        answer = QMessageBox.question(context.dialog_parent, "Delete saved scenario",
                                      f"Delete the saved scenario \u201c{chosen.name}\u201d? "
                                      "The register is not changed.")
        if answer != QMessageBox.StandardButton.Yes:
            return False
        try:
            delete_scenario(context.engine, chosen.name, context.user, seen=chosen.version)
        except STORE_ERRORS as exc:
            self._say("Scenario not deleted", one_line(exc))
            return False
        if self.scenario is not None and self.scenario.name == chosen.name:
            self.saved_version = None
        context.show_status(f"Deleted the saved scenario \u201c{chosen.name}\u201d", 8000)
        return True

    # --- applying the real parts ----------------------------------------------------------------

    def apply_real(self) -> ApplyFlow | None:
        """Show what applying the scenario makes for real and what not; apply once confirmed."""
        if self.scenario is None:
            return None
        self.apply_flow = apply_real_parts(self._context, self.scenario)
        return self.apply_flow
