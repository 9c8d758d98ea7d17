"""The forward look: what each of the coming weeks will ask of each manager, team, BCU and the
force, and the hours that work needs against the hours the team has.

Week ``k`` (0, 1, ...) covers ``as_at + 7k`` to ``as_at + 7k + 6``, both days included. Per
group and week (docs/FORECAST-JSON.md gives every measure and its unit):

- ``visits_due``: home visits falling due (rules 6-7). Each community RSO under active
  management counts in the week of its next due date (``next_visit_due`` of the figures); an
  overdue visit in week 0. The schedule then continues by the RSO's interval in calendar months,
  each visit from the one before it (as if made on its due date: 31/01, 28/02, 28/03), starting
  from the due date, or from the as-at date for an overdue visit. Reactive RSOs have none. An
  RSO released from custody within the horizon (``releases``) has its first visit due
  ``first_visit_allowance_days`` after its expected release, then by its interval.
- ``arms_due``: ARMS assessments falling due (rule 10): an adult male in the community counts in
  the week his latest ARMS expires, in week 0 if it has expired or he was never assessed; an
  adult male released within the horizon in the week of his release, or in the week his latest
  ARMS expires if that is later; then every ``arms_max_age_months``. Who is an adult male is
  ``analysis.arms``'s ``arms_applies`` (at the as-at date), computed with the figures before
  they are cut to a user: a forecast counts the same whoever reads it.
- ``orders_ending``: civil orders in force whose end date falls in the week (rule 12).
- ``releases``: RSOs in custody whose expected release date falls in the week.
- ``renotifications_due`` (rule 13, s.85): each community RSO in the week its re-notification
  falls due (``analysis.notification``: a year from the last notification), week 0 if overdue,
  then yearly while the notification lasts. ``notification_reviews_due``: the week a review of
  indefinite notification falls due (15 years from the first notification, 8 if under 18 then,
  8 after a decision to continue), week 0 if it already has. Zero where the register records no
  notification dates.
- ``hours_needed`` = ``visits_due`` x ``hours_per_visit`` + ``arms_due`` x ``hours_per_arms``.
- ``hours_available`` = FTE x ``weekly_hours_per_fte`` less recorded absences: a manager absent
  ``d`` of the week's 7 days (from an absence's start to its end or the day they returned,
  whichever is first; overlapping absences counted once) has ``(7 - d) / 7`` of their hours.
  A team's, BCU's and the force's are their active offender managers' (as their FTE is).
- ``managers_needed`` (teams, BCUs, force): the FTE that keeps the group within
  ``caseload_limit_per_fte`` community RSOs per FTE in the week: its community RSOs now plus
  those released in that week or before, divided by the limit, rounded up to a tenth of an FTE.

Everything is computed over whole frames: no loop runs over RSOs (the visit and ARMS schedules
loop over the occurrence number, a handful of steps within the horizon).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.align import is_in
from ncpi_desktop.analysis.dates import add_months
from ncpi_desktop.analysis.figures import Figures, compute_figures
from ncpi_desktop.domain.enums import ManagementMode, Role, Status
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.storage.snapshot import Snapshot

#: Counts per week (whole numbers), in the order they are shown.
COUNT_MEASURES = ("visits_due", "arms_due", "orders_ending", "releases",
                  "renotifications_due", "notification_reviews_due")
#: Hours per week.
HOUR_MEASURES = ("hours_needed", "hours_available")
#: Every manager's measures; teams, BCUs and the force have ``managers_needed`` too.
MEASURES = COUNT_MEASURES + HOUR_MEASURES
GROUP_MEASURES = (*MEASURES, "managers_needed")
#: Each measure as the user reads it.
MEASURE_TITLES: dict[str, str] = {
    "visits_due": "Home visits due",
    "arms_due": "ARMS assessments due",
    "orders_ending": "Civil orders ending",
    "releases": "Releases from custody",
    "renotifications_due": "Re-notifications due",
    "notification_reviews_due": "Notification reviews due",
    "hours_needed": "Hours needed",
    "hours_available": "Hours available",
    "managers_needed": "Offender managers needed (FTE)",
}
#: The levels of a forecast, and the columns naming each group of a level.
LEVEL_KEYS: dict[str, list[str]] = {"managers": ["manager_id", "name", "bcu", "team"],
                                    "teams": ["bcu", "team"], "bcus": ["bcu"], "force": []}
DEFAULT_WEEKS = 12
_NAT = np.datetime64("NaT", "D")


@dataclass(frozen=True)
class Level:
    """One level's groups (``keys``: one row per group, ``LEVEL_KEYS`` columns) and per measure
    an array of shape (groups, weeks)."""

    keys: pd.DataFrame
    values: dict[str, np.ndarray]

    def table(self, row: int) -> pd.DataFrame:
        """Group ``row``'s measures: one row per measure (its name as index), one column per
        week (0, 1, ...)."""
        names = [m for m in GROUP_MEASURES if m in self.values]
        return pd.DataFrame(np.vstack([self.values[m][row].astype(float) for m in names]),
                            index=pd.Index(names, name="measure"))


@dataclass(frozen=True)
class Forecast:
    as_at: date
    weeks: int
    managers: Level
    teams: Level
    bcus: Level
    force: Level

    @property
    def week_starts(self) -> list[date]:
        return [self.as_at + timedelta(days=7 * k) for k in range(self.weeks)]

    def to_json(self) -> dict[str, object]:
        """The object docs/FORECAST-JSON.md describes."""
        def measures(level: Level, row: int) -> dict[str, list[float | int]]:
            out: dict[str, list[float | int]] = {}
            for name in GROUP_MEASURES:
                if name in level.values:
                    values = level.values[name][row]
                    out[name] = ([int(v) for v in values] if name in COUNT_MEASURES
                                 else [round(float(v), 2) for v in values])
            return out

        def rows(level: Level, names: dict[str, str]) -> list[dict[str, object]]:
            return [{key: _plain(level.keys[column].iloc[row]) for key, column in names.items()}
                    | measures(level, row) for row in range(len(level.keys))]

        return {
            "as_at": self.as_at.isoformat(),
            "weeks": [{"starts_on": start.isoformat(),
                       "ends_on": (start + timedelta(days=6)).isoformat()}
                      for start in self.week_starts],
            "force": measures(self.force, 0),
            "bcus": rows(self.bcus, {"name": "bcu"}),
            "teams": rows(self.teams, {"name": "team", "bcu": "bcu"}),
            "managers": rows(self.managers, {"manager_id": "manager_id"}),
        }


def over_capacity(table: pd.DataFrame, fte: float | None) -> dict[str, np.ndarray]:
    """The weeks a group's ``table`` (``Level.table``: measures by week) is over its capacity,
    the one rule the Forecast page and the pack mark: per week, under ``"hours_needed"``, more
    hours needed than available; under ``"managers_needed"`` (a group with that measure and an
    ``fte``; None: a manager, not marked), more FTE needed than the group's ``fte``."""
    marks = {"hours_needed": (table.loc["hours_needed"] > table.loc["hours_available"]
                              ).to_numpy(bool)}
    if "managers_needed" in table.index and fte is not None:
        marks["managers_needed"] = (table.loc["managers_needed"] > fte + 1e-9).to_numpy(bool)
    return marks


def group_fte(figures: Figures, level: str, keys: pd.DataFrame, row: int) -> float | None:
    """The FTE group ``row`` of a level's ``keys`` (``LEVEL_KEYS[level]`` columns) has in
    ``figures``: the force's, a BCU's or a team's (its rows of ``figures.bcus`` or
    ``figures.teams``, matched on every key); None for a manager (``managers_needed`` is for
    groups)."""
    if level == "force":
        return float(figures.force["fte"].iloc[0])
    if level == "managers":
        return None
    groups = getattr(figures, level)
    found = np.ones(len(groups), bool)
    for column in LEVEL_KEYS[level]:
        found &= (groups[column] == keys[column].iloc[row]).to_numpy(bool, na_value=False)
    return float(groups["fte"][found].sum())


def _plain(value: object) -> object:
    return None if pd.isna(value) else str(value)


def _days(values: pd.Series) -> np.ndarray:
    return values.to_numpy("datetime64[D]")


def _schedule(first: np.ndarray, months: np.ndarray, end: np.datetime64,
              ) -> tuple[np.ndarray, np.ndarray]:
    """Every occurrence up to ``end`` of schedules starting on ``first`` (one per row; NaT: none)
    and repeating every ``months`` calendar months (0 or less: once), each from the one before.
    Returns (row, date) of each occurrence. Loops over the occurrence number, not the rows."""
    rows_out, dates_out = [], []
    rows = np.flatnonzero(~np.isnat(first) & (first <= end))
    current = first[rows]
    while len(rows):
        rows_out.append(rows)
        dates_out.append(current)
        step = months[rows]
        again = step > 0
        rows, step = rows[again], step[again]
        current = add_months(pd.Series(current[again].astype("datetime64[s]")),
                             pd.Series(step)).to_numpy("datetime64[D]")
        keep = current <= end
        rows, current = rows[keep], current[keep]
    if not rows_out:
        return np.zeros(0, np.int64), np.zeros(0, "datetime64[D]")
    return np.concatenate(rows_out), np.concatenate(dates_out)


@dataclass(frozen=True)
class _Horizon:
    as_at: np.datetime64
    weeks: int

    @property
    def end(self) -> np.datetime64:
        return self.as_at + np.timedelta64(7 * self.weeks - 1, "D")

    def week(self, days: np.ndarray) -> np.ndarray:
        """The week of each date (before the as-at date: week 0; after the horizon: -1)."""
        offset = (days - self.as_at).astype(np.int64)
        week = np.maximum(offset, 0) // 7
        return np.where(np.isnat(days) | (week >= self.weeks), -1, week)


def _months(values: pd.Series) -> np.ndarray:
    return pd.array(values, dtype="Int64").to_numpy(np.int64, na_value=0)


def _visits(rsos: pd.DataFrame, policy_allowance: int, horizon: _Horizon,
            released: np.ndarray, release_on: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, week) of every home visit falling due within the horizon."""
    due = _days(rsos["next_visit_due"])
    months = _months(rsos["interval_months"])
    overdue = ~np.isnat(due) & (due < horizon.as_at)
    first = np.where(overdue, horizon.as_at, due)
    # A release under active management with an interval: first visit after the allowance.
    active = released & is_in(rsos["management"], ManagementMode.ACTIVE) & (months > 0)
    first = np.where(active, release_on + np.timedelta64(policy_allowance, "D"), first)
    rows, days = _schedule(first, months, horizon.end)
    return rows, horizon.week(days)


def _arms(rsos: pd.DataFrame, max_age_months: int, horizon: _Horizon,
          released: np.ndarray, release_on: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, week) of every ARMS falling due within the horizon: an eligible RSO's when his
    latest expires (the as-at date if it has or he was never assessed); a release's to whom
    ARMS applies (``arms_applies``: an adult male) on his release, or when his latest expires
    if that is later; then every ``max_age_months``."""
    eligible = rsos["arms_eligible"].to_numpy(bool)
    expires = _days(rsos["arms_expires_on"])
    due = rsos["arms_due"].to_numpy(bool)
    first = np.where(eligible, np.where(due, horizon.as_at, expires), _NAT)
    on_release = released & rsos["arms_applies"].to_numpy(bool)
    later = ~np.isnat(expires) & (expires > release_on)
    first = np.where(on_release, np.where(later, expires, release_on), first)
    rows, days = _schedule(first, np.full(len(first), max_age_months), horizon.end)
    return rows, horizon.week(days)


def _dated(days: np.ndarray, horizon: _Horizon, *, past_in_week_0: bool,
           ) -> tuple[np.ndarray, np.ndarray]:
    """(row, week) of each date within the horizon (or before it, in week 0 if asked)."""
    week = horizon.week(days)
    if not past_in_week_0:
        week = np.where(days < horizon.as_at, -1, week)
    rows = np.flatnonzero(week >= 0)
    return rows, week[rows]


def _group_of(level: str, keys: pd.DataFrame, frame: pd.DataFrame) -> np.ndarray:
    """The group of ``level`` (row of ``keys``) of each row of ``frame`` (-1: none), by its
    ``manager_id``, ``bcu`` and ``team`` columns."""
    if level == "force":
        return np.zeros(len(frame), np.int64)
    if level == "managers":
        return pd.Index(keys["manager_id"]).get_indexer(frame["manager_id"])
    if level == "bcus":
        return pd.Index(keys["bcu"]).get_indexer(frame["bcu"])
    index = pd.MultiIndex.from_arrays([keys["bcu"].astype(object), keys["team"].astype(object)])
    return index.get_indexer(pd.MultiIndex.from_arrays(
        [frame["bcu"].astype(object), frame["team"].astype(object)]))


def _counts(group: np.ndarray, week: np.ndarray, groups: int, weeks: int) -> np.ndarray:
    """How many (group, week) pairs fall in each cell of a (groups, weeks) array."""
    kept = (group >= 0) & (week >= 0)
    cells = group[kept] * weeks + week[kept]
    return np.bincount(cells, minlength=groups * weeks).reshape(groups, weeks)


def _absent_days(managers: pd.DataFrame, absences: pd.DataFrame | None,
                 horizon: _Horizon) -> np.ndarray:
    """Days of each week (0-7) each manager of ``managers`` is recorded absent."""
    if absences is None or absences.empty:
        return np.zeros((len(managers), horizon.weeks))
    who = pd.Index(managers["manager_id"]).get_indexer(absences["manager_id"])
    starts = _days(absences["starts_on"])
    ends = _days(absences["ends_on"])
    returned = _days(absences["returned_on"])
    ends = np.where(~np.isnat(returned) & (returned < ends), returned, ends)
    known = (who >= 0) & ~np.isnat(starts) & ~np.isnat(ends)
    # Each day of the horizon, absent or not, per manager: overlaps are counted once.
    day_of = horizon.as_at + np.arange(7 * horizon.weeks).astype("timedelta64[D]")
    absent = np.zeros((len(managers), len(day_of)), bool)
    for_each = ((day_of[None, :] >= starts[known, None]) & (day_of[None, :] < ends[known, None]))
    np.logical_or.at(absent, who[known], for_each)
    return absent.reshape(len(managers), horizon.weeks, 7).sum(axis=2).astype(float)


def _hours_available(managers: pd.DataFrame, absences: pd.DataFrame | None,
                     weekly_hours: float, horizon: _Horizon) -> np.ndarray:
    """Per manager of ``managers`` and week: FTE x weekly hours x the share of days present."""
    present = 1 - _absent_days(managers, absences, horizon) / 7
    return managers["fte"].to_numpy(float)[:, None] * weekly_hours * present


def _group_sum(values: np.ndarray, group: np.ndarray, groups: int) -> np.ndarray:
    out = np.zeros((groups, values.shape[1]))
    kept = group >= 0
    np.add.at(out, group[kept], values[kept])
    return out


def _notifications(figures: Figures, horizon: _Horizon,
                   ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """(row, week) of each re-notification and each review of indefinite notification falling
    due (``analysis.notification``'s dates; none where the register records no notification
    dates). Re-notifications: RSOs in the community, in week 0 if already overdue, then every
    ``renotification_interval_months`` (from the as-at date for an overdue one) while the
    notification lasts. Reviews: in the week the review falls due, week 0 if it already has."""
    rsos = figures.rsos
    none = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    if "renotification_due_on" not in rsos.columns:
        return none, none
    due = _days(rsos["renotification_due_on"])
    community = is_in(rsos["status"], Status.COMMUNITY)
    first = np.where(community & ~np.isnat(due), np.maximum(due, horizon.as_at), _NAT)
    # an overdue one: week 0 (the as-at date), then the interval from it
    every = np.full(len(rsos), figures.policy.renotification_interval_months)
    rows, days = _schedule(first, every, horizon.end)
    ends = _days(rsos["notification_ends_on"])
    lasting = np.isnat(ends[rows]) | (days < ends[rows])
    renotify = (rows[lasting], horizon.week(days[lasting]))
    review = _dated(_days(rsos["notification_review_due_on"]), horizon, past_in_week_0=True)
    return renotify, review


def _events(figures: Figures, horizon: _Horizon) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per count measure: (row of ``figures.rsos``, week) of each event; for
    ``orders_ending`` the rows are the order register's."""
    rsos, policy = figures.rsos, figures.policy
    if "expected_release_on" in rsos.columns:
        release_on = _days(rsos["expected_release_on"])
    else:
        release_on = np.full(len(rsos), _NAT)
    released = (is_in(rsos["status"], Status.CUSTODY) & ~np.isnat(release_on)
                & (release_on >= horizon.as_at) & (release_on <= horizon.end))
    renotify, review = _notifications(figures, horizon)
    orders = figures.orders
    ends = (np.where(orders["in_force"].to_numpy(bool), _days(orders["ends_on"]), _NAT)
            if len(orders) else np.zeros(0, "datetime64[D]"))
    return {
        "visits_due": _visits(rsos, policy.first_visit_allowance_days, horizon, released,
                              release_on),
        "arms_due": _arms(rsos, policy.arms_max_age_months, horizon, released, release_on),
        "orders_ending": _dated(ends, horizon, past_in_week_0=False),
        "releases": _dated(np.where(released, release_on, _NAT), horizon,
                           past_in_week_0=False),
        "renotifications_due": renotify,
        "notification_reviews_due": review,
    }


def _managers_needed(community: np.ndarray, releases: np.ndarray, limit: float) -> np.ndarray:
    """Per group and week: (community RSOs now + releases up to that week) / the limit per FTE,
    rounded up to a tenth of an FTE (35 RSOs at 50 per FTE: exactly 0.7)."""
    caseload = community[:, None] + np.cumsum(releases, axis=1)
    return np.ceil(np.round(caseload / limit * 10, 6)) / 10


def hour_parts(values: dict[str, np.ndarray], policy: Policy) -> tuple[np.ndarray, np.ndarray]:
    """The hours of the visits due and of the ARMS due in each week (``values``: a level's
    measures): ``hours_needed`` is their sum; the Forecast page's chart stacks them."""
    return (values["visits_due"] * policy.hours_per_visit,
            values["arms_due"] * policy.hours_per_arms)


def _level(name: str, keys: pd.DataFrame, figures: Figures, events: dict,
           hours: np.ndarray, horizon: _Horizon) -> Level:
    """One level's measures: counts from ``events``, hours from the snapshot managers'
    ``hours`` (available) summed into the level's groups."""
    policy, weeks = figures.policy, horizon.weeks
    keys = keys.reset_index(drop=True)
    groups = len(keys)
    values: dict[str, np.ndarray] = {}
    rso_group = _group_of(name, keys, figures.rsos)
    order_group = (_group_of(name, keys, figures.orders) if len(figures.orders)
                   else np.zeros(0, np.int64))
    for measure, (rows, week) in events.items():
        group = order_group if measure == "orders_ending" else rso_group
        values[measure] = _counts(group[rows], week, groups, weeks)
    values["hours_needed"] = sum(hour_parts(values, policy))
    staff = figures.snapshot.managers
    if name == "managers":
        rows = pd.Index(staff["manager_id"]).get_indexer(keys["manager_id"])
        values["hours_available"] = hours[rows]
        return Level(keys, values)
    oms = (staff["active"].to_numpy(bool) & is_in(staff["role"], Role.OFFENDER_MANAGER))
    values["hours_available"] = _group_sum(hours[oms], _group_of(name, keys, staff[oms]),
                                           groups)
    community = np.bincount(rso_group[(rso_group >= 0) & figures.rsos["is_community"].to_numpy(
        bool)], minlength=groups)
    values["managers_needed"] = _managers_needed(community, values["releases"],
                                                 policy.caseload_limit_per_fte)
    return Level(keys, values)


def with_absences(figures: Figures, absences: pd.DataFrame | None) -> Figures:
    """``figures`` carrying the recorded ``absences`` (``storage.allocations.absences``) in
    their snapshot's ``extra``, where ``forecast`` reads them by default: a pack made from them
    counts the hours available as the Forecast page and the command line do."""
    if absences is None:
        return figures
    snapshot = replace(figures.snapshot, extra={**figures.snapshot.extra, "absences": absences})
    return replace(figures, snapshot=snapshot)


def forecast(source: Figures | Snapshot, weeks: int = DEFAULT_WEEKS, *,
             absences: pd.DataFrame | None = None) -> Forecast:
    """The forecast of ``source`` (the figures, or a snapshot read with ``full_snapshot``,
    whose figures are computed) over ``weeks`` weeks from its as-at date. ``absences``: the
    recorded absences (``storage.allocations.absences``: manager_id, starts_on, ends_on,
    returned_on); by default the snapshot's ``extra["absences"]``, if it has one."""
    if weeks < 1:
        raise ValueError(f"a forecast covers 1 week or more, not {weeks}")
    figures = source if isinstance(source, Figures) else compute_figures(source)
    snapshot = figures.snapshot
    if absences is None:
        absences = snapshot.extra.get("absences")
    horizon = _Horizon(np.datetime64(snapshot.as_at, "D"), weeks)
    events = _events(figures, horizon)
    hours = _hours_available(snapshot.managers, absences, figures.policy.weekly_hours_per_fte,
                             horizon)
    managers = figures.managers
    keys = {
        "managers": managers[LEVEL_KEYS["managers"]],
        "teams": figures.teams[["bcu", "team"]],
        "bcus": figures.bcus[["bcu"]],
        "force": pd.DataFrame(index=range(1)),
    }
    levels = {name: _level(name, frame, figures, events, hours, horizon)
              for name, frame in keys.items()}
    return Forecast(as_at=snapshot.as_at, weeks=weeks, **levels)
