"""An offender manager's full-time equivalent (FTE): the register's rule, 0 < fte <= 1.

One place for the import format's ``fte`` column (``exchange.import_format``) and a what-if
step's FTE (``analysis.scenario_steps``): a manager works part of or all of one full-time post.
"""

from __future__ import annotations

import math
from typing import Any

#: An FTE is above this (a manager with no hours is not on the register)...
FTE_ABOVE = 0.0
#: ...and at most this (one person holds at most one full-time post).
FTE_AT_MOST = 1.0


def fte_problem(value: Any) -> str | None:
    """Why ``value`` cannot be a manager's FTE, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value) or not FTE_ABOVE < value <= FTE_AT_MOST:
        return f"must be a number above {FTE_ABOVE:g} and at most {FTE_AT_MOST:g}"
    return None
