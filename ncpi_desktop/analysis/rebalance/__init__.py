"""Rebalancing proposals (issue 4): the fewest moves that clear every flag of a BCU or team;
when they cannot all clear, the caseloads levelled (issue 13, ``level``).

A pure function over a snapshot: no database, no Qt. The supervisor reviews the proposal and applies
the moves they accept through ``storage.operations.reassign``.

How it works, per group (a BCU, or a team with ``scope="team"``):

* Only community RSOs count (rule 1). Custody, abroad and missing RSOs stay where they are.
* Moves of RSOs of the same risk class from one manager are interchangeable as far as the limits
  go, so the work is in counts per manager and class (non-high, high, very high): how many leave
  and arrive. RSOs named in an exclusion are the exception; each gets its own variables
  (``model``).
* A lower bound on the moves any plan needs (``bounds``).
* A greedy pass first (``greedy``): its answer is kept only when it provably meets the bounds,
  which makes it optimal.
* Otherwise a real solver (``scipy.optimize.milp``, HiGHS) on an all-integer model of about six
  variables per manager, whatever the number of RSOs (``assembly`` builds it, ``milp`` runs it,
  ``solve`` orders the objectives): fewest very-high-risk moves (they stay unless nothing else
  works), fewest moves, fewest high-risk moves.
* Continuity then decides which RSOs move (most recently allocated first, then lowest id) and
  where (a manager of the RSO's own team first) (``placement``).
* When no set of moves clears every flag, the group is levelled (``level``, issue 13): every RSO
  named, nobody above the lowest caseload per FTE reachable, every high-risk share flag cleared
  that there is room for, the fewest moves for that against a reported bound; each move says why
  (``why``), recent allocations stay and same-neighbourhood receivers come first (``nearby``).
  Groups with a leaving or absent manager are levelled too (their RSOs must go), and groups with
  an RSO named in an exclusion on the flag-clearing model's ``soft`` form at the level's
  capacities (``solve.level_with_exclusions``). With ``propose(spread=...)`` (``rebalance
  --leaving``/``--absent`` and the window's dialogs) only the named managers' RSOs move, by the
  same level plan, and pooled RSOs stay pooled (``leaving``).
* ``propose(max_moves=N)`` (``rebalance --max-moves N``): at most N moves per group, for the
  lowest highest per FTE they reach, and every proposal carries the curve of moves against that
  level (``budget``).
* Where no receiver can hold the RSOs and no set of moves clears every flag, the plan adds a new
  post and makes it as small as it can be (its caseload over the limit per FTE is ``fte_short``;
  its high-risk share is held to the same limit), the staff taking pooled and leavers' RSOs first.
  The moves among the staff are proposed; the RSOs the plan gives the new post stay where they are
  (``for_new_post``); pooled and leavers' RSOs nobody has room for are ``unplaced``. When the
  group's own high-risk share is above the limit no number of staff can fix it: ``fte_short`` is
  ``None`` and the proposal keeps the total excess (RSOs above capacity, high-risk RSOs above the
  share) as small as it can.
* Feasibility is never taken from the solver: the moves are applied to the RSO frame and the real
  ``manager_figures`` decides whether every flag is clear (``outcome``).

``proposal`` ties the steps together (``propose``) and holds the result (``Proposal``).
"""

from ncpi_desktop.analysis.rebalance.leaving import spread_scope
from ncpi_desktop.analysis.rebalance.model import Scope
from ncpi_desktop.analysis.rebalance.outcome import (
    REASON_ABSENT,
    REASON_BALANCE,
    REASON_EXCLUDED,
    REASON_LEFT,
    REASON_POOLED,
    apply_moves,
)
from ncpi_desktop.analysis.rebalance.proposal import (
    Proposal,
    level_summary,
    proposal_to_json,
    propose,
)

__all__ = [
    "REASON_ABSENT",
    "REASON_BALANCE",
    "REASON_EXCLUDED",
    "REASON_LEFT",
    "REASON_POOLED",
    "Proposal",
    "Scope",
    "apply_moves",
    "level_summary",
    "proposal_to_json",
    "propose",
    "spread_scope",
]
