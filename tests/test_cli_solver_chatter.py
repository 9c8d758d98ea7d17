"""``rebalance --json`` keeps what the solver prints at C level off standard output.

HiGHS 1.12 ``printf``s a diagnostic line now and then whatever its options say; the command line,
which owns its standard output, sends it to standard error while it proposes.
"""

from __future__ import annotations

import json
import os
from typing import Any

from builders import Register

import ncpi_desktop.analysis.rebalance as rebalance
from ncpi_desktop.cli import main
from ncpi_desktop.solver_chatter import solver_chatter_to_stderr

CHATTER = b"HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();\n"


def test_solver_chatter_goes_to_stderr_so_json_on_stdout_stays_valid(capfd: Any) -> None:
    print("before", flush=True)
    with solver_chatter_to_stderr():
        os.write(1, b"HighsMipSolverData::transformNewIntegerFeasibleSolution\n")
    print("after", flush=True)
    out, err = capfd.readouterr()
    assert out == "before\nafter\n"
    assert "HighsMipSolverData" in err


def test_rebalance_json_stays_valid_when_the_solver_prints(tmp_path, capfd, monkeypatch) -> None:
    r = Register()
    r.manager("A", name="Alex Hart")
    r.manager("B", name="Bea Lord")
    r.many(60, manager_id="A", team="East 1", risk_level="medium")
    r.many(30, manager_id="B", team="East 1", risk_level="low")
    r.write(tmp_path / "r.sqlite3").dispose()
    real = rebalance.propose

    def chatty(*args: Any, **kwargs: Any) -> rebalance.Proposal:
        os.write(1, CHATTER)
        return real(*args, **kwargs)

    monkeypatch.setattr(rebalance, "propose", chatty)
    status = main(["rebalance", "--db", str(tmp_path / "r.sqlite3"), "--as-at", "2017-10-09",
                   "--json"])
    out, err = capfd.readouterr()
    assert status == 0
    assert json.loads(out)["lower_bound"] == 10
    assert "HighsMipSolverData" in err
