"""The integer program of one group, and the one call to ``scipy.optimize.milp`` (HiGHS).

scipy is imported when a proposal is solved, not at the application's start. The solver runs
silent (``milp``'s ``disp`` is off), except for a diagnostic line HiGHS 1.12 ``printf``s
unconditionally now and then; a command that prints a document on standard output keeps it off
there itself (``solver_chatter.solver_chatter_to_stderr``, around the command line's call).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from scipy.sparse import csr_array

#: Root heuristics cost most of a solve on these small models and find nothing the LP does not.
_HIGHS_OPTIONS = {
    "mip_heuristic_effort": 0.0, "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False, "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_run_zi_round": False, "mip_heuristic_run_shifting": False,
}


def _milp(c: np.ndarray, integrality: np.ndarray, bounds: tuple[np.ndarray, np.ndarray],
          constraints: list[tuple[Any, Any, Any]], time_limit: float) -> Any:
    """``milp`` over ``lb <= x <= ub`` (``bounds``) and ``lb <= A x <= ub`` (``constraints``)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    options: dict[str, Any] = {"time_limit": time_limit, "mip_rel_gap": 0.0}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Unrecognized options", category=RuntimeWarning)
        try:
            return milp(c, integrality=integrality, bounds=Bounds(*bounds),
                        constraints=[LinearConstraint(*row) for row in constraints],
                        options={**options, **_HIGHS_OPTIONS})
        except AttributeError:  # a HiGHS without these options: run with its defaults
            return milp(c, integrality=integrality, bounds=Bounds(*bounds),
                        constraints=[LinearConstraint(*row) for row in constraints],
                        options=options)


@dataclass
class Model:
    """All-integer model of one group (built by ``assembly.build``)."""

    tiers: list[np.ndarray]  # objectives in strict order of importance
    matrix: csr_array
    row_lb: np.ndarray
    row_ub: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    y_pairs: list[tuple[int, int]]  # (special index, destination; m = the new post)
    placeable: bool  # pooled RSOs and leavers' RSOs have somewhere to go
    m: int
    new_post: bool

    def solve(self, c: np.ndarray, time_limit: float,
              extra: Iterable[tuple[np.ndarray, float]] = ()) -> tuple[np.ndarray | None, int]:
        """Minimise ``c``; ``extra`` adds ``c_i . x <= bound_i`` rows. Returns (x, status)."""
        constraints = [(self.matrix, self.row_lb, self.row_ub)]
        constraints += [(ci[None, :], -np.inf, bound) for ci, bound in extra]
        result = _milp(c, np.ones(len(self.lb)), (self.lb, self.ub), constraints,
                       time_limit)
        if result.x is None:
            return None, int(result.status)
        return np.round(np.asarray(result.x)).astype(np.int64), int(result.status)

    def relaxed(self, c: np.ndarray, time_limit: float) -> float | None:
        """The optimum of ``c`` over the linear relaxation (no integrality), if it solves."""
        constraints = [(self.matrix, self.row_lb, self.row_ub)]
        result = _milp(c, np.zeros(len(self.lb)), (self.lb, self.ub), constraints,
                       time_limit)
        return None if result.x is None or result.status != 0 else float(result.fun)


#: Above this an objective's integer weights would lose float precision.
MAX_WEIGHT = 1e12


def solve_in_order(model: Model, maxima: list[int],
                   time_limit: float) -> tuple[np.ndarray | None, int]:
    """Minimise ``model.tiers`` in strict order, ``maxima`` being each tier's largest value.

    Integer weights built on those maxima (each weight beats all later tiers at their largest)
    order the tiers exactly in one solve; when they would outgrow float precision, the tiers are
    solved one after another instead, each holding the ones before at their optimum.
    """
    weights = [1.0]
    for later in range(len(maxima) - 1, 0, -1):
        weights.insert(0, sum(w * mx for w, mx in zip(weights, maxima[later:], strict=True)) + 1)
    if weights[0] * (maxima[0] + 1) < MAX_WEIGHT:
        return model.solve(sum(w * c for w, c in zip(weights, model.tiers, strict=True)),
                           time_limit)
    x, status = None, 2
    fixed: list[tuple[np.ndarray, float]] = []
    for c in model.tiers:
        x, status = model.solve(c, time_limit, fixed)
        if x is None:
            return None, status
        fixed.append((c, float(c @ x) + 0.5))
    return x, status
