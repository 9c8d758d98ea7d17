"""Scenario › Apply real parts: the plan worked out off the GUI thread, shown and confirmed
(``dialogs.scenario_apply``), then ``actions.scenario.apply_scenario`` run through the window's
usual apply path (``AppContext.apply``): the operations it makes are one undo entry (Ctrl+Z
takes each back, last first), and every page shows the register after them.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QMessageBox
from sqlalchemy.engine import Engine

from ncpi_desktop.actions.scenario import Applied, apply_scenario
from ncpi_desktop.analysis.scenario import Outcome, Scenario, plan
from ncpi_desktop.domain.security import User
from ncpi_desktop.formats import plural
from ncpi_desktop.storage.change import Change, OperationError
from ncpi_desktop.storage.snapshot import Snapshot
from ncpi_desktop.ui.core.context import AppContext
from ncpi_desktop.ui.core.workers import Cancel, Job, Progress, run_job
from ncpi_desktop.ui.dialogs.scenario_apply import ApplyScenarioDialog


def combined(changes: Sequence[Change], operation: str, summary: str) -> Change:
    """Several changes made one after another as one undo entry: its undo takes each back,
    last first (each its own transaction, checked as usual), and gives their inverses as one
    change again (the redo)."""
    changes = list(changes)

    def undo(engine: Engine, user: User) -> Change:
        inverses = [change.undo(engine, user) for change in reversed(changes)]
        return combined(inverses, f"undo {operation}", f"Undo: {summary}")

    versions: dict[str, int] = {}
    for change in changes:
        versions.update(change.versions)
    return Change(operation, summary, {"changes": [c.before for c in changes]},
                  {"changes": [c.after for c in changes]}, undo, versions)


class ApplyFlow:
    """One application of a scenario's real parts: plan, confirm, apply, say what happened."""

    def __init__(self, context: AppContext, scenario: Scenario) -> None:
        self._context = context
        self.scenario = scenario
        self.job: Job | None = None
        self.dialog: ApplyScenarioDialog | None = None
        self.applied: Applied | None = None
        self.last_message: QMessageBox | None = None

    def start(self) -> Job | None:
        # The uncut snapshot: who is eligible must not depend on what the user may see.
        figures = self._context.uncut_figures()
        if figures is None:
            self._context.show_error(
                "The figures are still being read",
                "The scenario's real parts are worked out from the complete figures: try "
                "again once the pages show them.")
            return None
        snapshot, scenario = figures.snapshot, self.scenario

        def work(progress: Progress, _cancel: Cancel) -> list[Outcome]:
            progress(0, 0, "Working out what applying the scenario does")
            return plan(snapshot, scenario)[1]

        self.job = run_job(self._context.dialog_parent, "Apply real parts", work,
                           on_success=lambda outcomes: self.confirm(snapshot, outcomes),
                           expected=(ValueError, KeyError))
        return self.job

    def confirm(self, snapshot: Snapshot, outcomes: list[Outcome]) -> ApplyScenarioDialog:
        self.dialog = ApplyScenarioDialog(self.scenario.name, outcomes,
                                          self._context.dialog_parent)
        dialog = self.dialog
        dialog.accepted.connect(lambda: self.apply(snapshot, dialog.reason))
        dialog.open()
        return dialog

    def apply(self, snapshot: Snapshot, reason: str) -> Applied | None:
        """Run the scenario's real parts through ``AppContext.apply``; say what was made."""
        scenario = self.scenario
        found: list[Applied] = []

        def operation(engine: Engine, user: User) -> Change:
            done = apply_scenario(engine, snapshot, scenario, reason, user)
            found.append(done)
            if not done.changes:
                raise OperationError("nothing of the scenario could be made for real")
            return combined(done.changes, "apply scenario",
                            f"Apply the real parts of \u201c{scenario.name}\u201d "
                            f"({plural(len(done.changes), 'operation')})")

        refusal: list[str] = []
        # The register is about to change: the scenario no longer describes a change of it.
        self._context.set_scenario(None)
        self._context.apply(operation, on_refused=lambda _t, message: refusal.append(message))
        self.applied = found[0] if found else None
        self._report(refusal)
        return self.applied

    def _report(self, refusal: list[str]) -> None:
        done = self.applied
        if done is None:
            self._context.show_error("Not applied", refusal[0] if refusal else "Not applied")
            return
        parts = [f"Made for real ({len(done.applied)}):", *done.applied[:20]]
        if len(done.applied) > 20:
            parts.append(f"… and {len(done.applied) - 20:,} more")
        parts += ["", f"Refused ({len(done.refused)}):", *done.refused[:20]]
        parts += ["", f"Not applied, hypothetical ({len(done.not_applied)}):", *done.not_applied]
        box = QMessageBox(QMessageBox.Icon.Information, "Scenario applied",
                          f"The real parts of \u201c{self.scenario.name}\u201d: "
                          f"{len(done.applied):,} made, {len(done.refused):,} refused.",
                          QMessageBox.StandardButton.Ok, self._context.dialog_parent)
        box.setDetailedText("\n".join(parts))
        box.setInformativeText("\n".join(parts[:12]))
        box.open()
        self.last_message = box


def apply_real_parts(context: AppContext, scenario: Scenario) -> ApplyFlow:
    """Start applying ``scenario``'s real parts (the plan is shown to confirm first)."""
    flow = ApplyFlow(context, scenario)
    flow.start()
    return flow
