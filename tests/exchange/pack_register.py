"""A small register for the performance pack's tests: two BCUs, a manager above each limit,
overdue visits at several risk levels, ARMS, a reactive RSO, orders ending inside and outside the
review window, and RSOs with family names the tests can look for."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from builders import AS_AT, Register
from sqlalchemy.engine import Engine

from ncpi_desktop.analysis.figures import Figures, compute_figures
from ncpi_desktop.storage.database import open_database
from ncpi_desktop.storage.load import load_snapshot

#: Family names given to RSOs that appear in the pack's RSO lists (overdue, reactive, orders).
FAMILY_NAMES = ("Whitcombe", "Okonkwo-Reyes", "Tallisker")


def pack_register() -> Register:
    r = Register()
    r.manager("OM001", name="Alex Hart")
    r.manager("OM002", name="Sam Lee", fte=0.5, team="East 2")
    r.manager("OM003", name="Jo Bell", bcu="West", team="West 1")
    r.manager("DS001", name="Pat Quinn", role="supervisor")
    medium = r.many(58, manager_id="OM001", risk_level="medium")
    high = r.many(9, manager_id="OM001", risk_level="high")
    sam = r.many(10, manager_id="OM002", risk_level="high", team="East 2")
    west = r.many(12, manager_id="OM003", risk_level="low", bcu="West", team="West 1")
    r.many(2, team="East 1")  # pooled
    r.rso(manager_id="OM003", bcu="West", status="custody", risk_level="high")
    r.rso(manager_id="OM003", bcu="West", sex="female", risk_level="low")
    for rso_id in [*medium[:40], *high, *sam[:5], *west[:10]]:
        r.visit(rso_id, date(2017, 9, 1))
        r.assessment(rso_id, date(2017, 3, 1), outcome="low")
    # Overdue at three risk levels, by different amounts (never visited: due 28 days after
    # entering the community).
    r.visit(medium[40], date(2017, 1, 2))
    r.visit(sam[5], date(2017, 5, 1))
    named = {rso["rso_id"]: rso for rso in r.rsos}
    for days, rso_id in enumerate([*medium[41:], *sam[6:], *west[11:12]]):
        named[rso_id]["community_since"] = date(2017, 6, 1) + timedelta(days=3 * days)
    # A reactive RSO: low risk, current low ARMS, concern-free, no order, the OM's decision.
    named[west[10]]["management"] = "reactive"
    r.assessment(west[10], date(2017, 6, 1), outcome="low")
    r.decisions.append(dict(rso_id=west[10], mode="reactive", decided_on=date(2017, 7, 1),
                            reason="Meets the criteria; OM satisfied", decided_by="Jo Bell",
                            recorded_at=datetime(2017, 7, 1, 9, 0, tzinfo=UTC)))
    # Named RSOs on the lists: an order ending inside the window, one outside, an overdue visit.
    named[sam[6]]["family_name"] = FAMILY_NAMES[0]
    r.order(sam[6], date(2012, 1, 1), date(2017, 11, 30))
    named[medium[41]]["family_name"] = FAMILY_NAMES[1]
    r.order(medium[41], date(2016, 1, 1), date(2021, 1, 1))
    named[medium[42]]["family_name"] = FAMILY_NAMES[2]
    return r


def write_register(path: Path) -> Path:
    pack_register().write(path).dispose()
    return path


def figures_at(path: Path | Engine, as_at: date = AS_AT) -> Figures:
    engine = open_database(path) if not isinstance(path, Engine) else path
    try:
        return compute_figures(load_snapshot(engine, as_at))
    finally:
        engine.dispose()
