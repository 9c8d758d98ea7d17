"""Management decisions: reactive management only for an RSO that meets every criterion."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date

from sqlalchemy.engine import Engine

from ncpi_desktop.analysis.reactive import reactive_status, unmet_criteria
from ncpi_desktop.domain.enums import ManagementMode
from ncpi_desktop.domain.ids import RsoId
from ncpi_desktop.domain.security import User
from ncpi_desktop.formats import uk_date
from ncpi_desktop.storage.change import Change, OperationError
from ncpi_desktop.storage.history import load_decisions, load_orders
from ncpi_desktop.storage.load import load_snapshot
from ncpi_desktop.storage.operations import validate_decision, write_decision


def record_decision(engine: Engine, rso_id: RsoId, mode: str, decided_on: date, reason: str,
                    user: User, *, decided_by: str | None = None,
                    today: date | None = None,
                    seen: Mapping[str, int] | None = None) -> Change:
    """Record an offender manager's decision to manage an RSO actively or reactively.

    Reactive is refused, with the unmet criteria listed, unless the RSO meets every criterion
    at ``decided_on`` (the same ``analysis.reactive.reactive_status`` the pages show). The RSO's
    recorded mode becomes that of its latest decision (``storage.operations.write_decision``).
    Refusals (``OperationError``, or ``NotPermitted`` for a user who may not decide for the
    RSO: a supervisor or manager in scope) write nothing; ``StaleWrite`` if the RSO's version
    is not the one ``seen`` or its mode changed meanwhile.
    """
    decision = validate_decision(engine, rso_id, mode, decided_on, reason, user,
                                 decided_by=decided_by, today=today)
    if decision.mode == ManagementMode.REACTIVE:
        unmet = reactive_unmet(engine, decision.rso_id, decision.decided_on)
        if unmet:
            raise OperationError(
                f"{decision.rso_id} cannot be managed reactively on "
                f"{uk_date(decision.decided_on)}: " + "; ".join(unmet))
    return write_decision(engine, decision, seen=seen)


def reactive_unmet(engine: Engine, rso_id: str, on: date) -> list[str]:
    """The reactive criteria ``rso_id`` does not meet at ``on``, by the one implementation."""
    snapshot = load_snapshot(engine, on, loaders={"orders": load_orders,
                                                  "decisions": load_decisions})
    mine = snapshot.rsos["rso_id"] == rso_id
    if not mine.any():
        return [f"not registered by {uk_date(on)}"]
    # The rules are per RSO: judging this one alone gives its row of the full frame, quicker.
    one = dataclasses.replace(
        snapshot, rsos=snapshot.rsos[mine], arms=snapshot.arms[snapshot.arms["rso_id"] == rso_id],
        extra={name: frame[frame["rso_id"] == rso_id] for name, frame in snapshot.extra.items()})
    return unmet_criteria(reactive_status(one), rso_id)
