"""Scenario › Apply real parts: what will be made for real and what cannot be, confirmed, then
run through the window's usual apply path (``AppContext.apply``: undo, figures updated)."""

from __future__ import annotations

from ncpi_desktop.analysis.scenario import Scenario
from ncpi_desktop.ui.core.context import AppContext


def apply_real_parts(context: AppContext, scenario: Scenario) -> None:
    context.show_error("Not yet", f"Applying {scenario.name} needs actions.scenario")
