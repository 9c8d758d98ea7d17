"""The demo profiles: what a register should look like, as numbers (data, not rules).

``lancashire-2017`` reproduces the figures HMICFRS found in Lancashire in October 2017 exactly;
``national`` is England and Wales at the scale the application must stay fast at (DOMAIN.md,
"Scale"). The rules those figures are judged by come from ``domain.Policy``, never from here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date


@dataclass(frozen=True)
class TeamSpec:
    bcu: str
    team: str
    offender_managers: int


@dataclass(frozen=True)
class Profile:
    name: str
    seed: int
    #: The date the register is as at; None means the day the demo is built.
    as_at: date | None
    rsos: int
    custody: int
    abroad: int
    missing: int
    #: Community RSOs at very high and at high risk.
    very_high: int
    high: int
    #: Of the other community RSOs, the share at low risk (the rest are medium).
    low_share: float
    reactive: int
    #: Eligible community RSOs with a current ARMS, as a fraction (hit to the nearest RSO).
    arms_completion: float
    #: Eligible RSOs whose ARMS was completed in the year before the as-at date's previous year
    #: (Lancashire: completion was 18% in October 2016).
    arms_year_before: float
    #: Community RSOs pooled in a team with no named manager, and the teams they are pooled in
    #: (None: a random twentieth of the teams).
    pooled: int
    pooled_teams: tuple[str, ...] | None
    pooled_high_share: float
    #: Newly registered community RSOs not yet allocated to any team.
    unallocated: int
    female_share: float
    juvenile_share: float
    own_interval_share: float
    overdue_share: float
    paper_records: int
    #: Only the BCU whose cases are kept on paper (None: any).
    paper_records_bcu: str | None
    history_years: float
    #: How strongly time in the community leans to the recent (1: evenly spread, higher: more
    #: recent releases).
    community_skew: float
    #: Mean time between completed visits as a multiple of the interval (visits are often
    #: booked ahead of the due date).
    visit_gap: float
    #: Exact number of visits to keep (the most recent), or None for the natural number.
    visits: int | None
    #: When the SOMU was reorganised and many RSOs changed manager (Lancashire: devolved to the
    #: BCUs in December 2016).
    reorganised_on: date | None
    #: When reactive management became possible (NPCC, January 2017).
    reactive_from: date
    #: Lancashire: the teams below; national: this many offender managers over the forces.
    teams: tuple[TeamSpec, ...] = ()
    offender_managers: int = 0
    #: Lancashire: FTE of the part-time offender managers (the rest are full time).
    part_time_fte: tuple[float, ...] = ()
    #: Mean community caseload per FTE by BCU (Lancashire; national draws its own).
    bcu_load: tuple[tuple[str, float], ...] = ()
    leavers: int = 1

    def scaled(self, scale: float) -> Profile:
        """The same shape at another size (tests build the national profile small)."""
        if scale == 1:
            return self

        def n(value: int) -> int:
            return max(1, round(value * scale)) if value else 0

        return replace(
            self, rsos=n(self.rsos), custody=n(self.custody), abroad=n(self.abroad),
            missing=n(self.missing), very_high=n(self.very_high), high=n(self.high),
            reactive=n(self.reactive), pooled=n(self.pooled), unallocated=n(self.unallocated),
            paper_records=n(self.paper_records),
            visits=None if self.visits is None else n(self.visits),
            offender_managers=max(3, n(self.offender_managers)),
            leavers=n(self.leavers))


LANCASHIRE_2017 = Profile(
    name="lancashire-2017",
    seed=20171009,
    as_at=date(2017, 10, 9),
    rsos=2742,
    custody=590,
    abroad=31,
    missing=20,
    very_high=5,
    high=321,
    low_share=0.56,
    reactive=12,
    arms_completion=0.70,
    arms_year_before=0.165,
    pooled=80,
    pooled_teams=("West 2",),
    pooled_high_share=0.075,
    unallocated=3,
    female_share=0.022,
    juvenile_share=0.009,
    own_interval_share=0.035,
    overdue_share=0.09,
    paper_records=8,
    paper_records_bcu="West",
    history_years=5,
    community_skew=1.15,
    visit_gap=1.0,
    visits=None,
    reorganised_on=date(2016, 12, 1),
    reactive_from=date(2017, 1, 20),
    teams=(
        TeamSpec("East", "East 1", 4), TeamSpec("East", "East 2", 4),
        TeamSpec("East", "East 3", 3), TeamSpec("South", "South 1", 5),
        TeamSpec("South", "South 2", 5), TeamSpec("West", "West 1", 4),
        TeamSpec("West", "West 2", 3), TeamSpec("West", "West 3", 3),
    ),
    part_time_fte=(0.8, 0.9),
    bcu_load=(("East", 76.0), ("South", 64.0), ("West", 58.0)),
    leavers=1,
)

NATIONAL = Profile(
    name="national",
    seed=20240331,
    as_at=None,
    rsos=100_000,
    custody=19_000,
    abroad=1_200,
    missing=800,
    very_high=320,
    high=11_000,
    low_share=0.55,
    reactive=4_000,
    arms_completion=0.82,
    arms_year_before=0.6,
    pooled=1_500,
    pooled_teams=None,
    pooled_high_share=0.08,
    unallocated=80,
    female_share=0.025,
    juvenile_share=0.012,
    own_interval_share=0.12,
    overdue_share=0.07,
    paper_records=150,
    paper_records_bcu=None,
    history_years=25,
    community_skew=0.8,
    visit_gap=0.88,
    visits=1_500_000,
    reorganised_on=None,
    reactive_from=date(2017, 1, 20),
    offender_managers=2_000,
    leavers=40,
)

PROFILES: dict[str, Profile] = {p.name: p for p in (LANCASHIRE_2017, NATIONAL)}
