"""Issue 13, part 2: ``propose(max_moves=N)`` gives the lowest highest-per-FTE reachable with N
moves, and the curve of what each move buys.

Hand-built cases whose optimum is known, and brute force over every allocation of tiny registers
within each budget.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from test_rebalance import Case, make_snapshot, manager, rso
from test_rebalance_level import highest_after, share_flags

from ncpi_desktop.analysis.caseload import EPSILON
from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.analysis.rebalance import level_summary, proposal_to_json, propose
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.storage.load import load_snapshot

POLICY = Policy()


def short_case() -> Case:
    """A 90, B 50, C 10 on 0.5 FTE, and 3 pooled: 153 RSOs over 2.5 FTE, lowest level 62."""
    managers = [manager("A"), manager("B"), manager("C", fte=0.5)]
    rsos = ([rso(f"A{i:02d}", "A") for i in range(90)] + [rso(f"B{i:02d}", "B") for i in range(50)]
            + [rso(f"C{i:02d}", "C") for i in range(10)] + [rso(f"P{i}", None) for i in range(3)])
    return Case(make_snapshot(managers, rsos))


def test_no_budget_changes_nothing() -> None:
    proposal = short_case().propose(max_moves=0)
    assert proposal.moves.empty and proposal.unplaced.empty
    assert highest_after(proposal) == pytest.approx(90.0)
    assert bool(proposal.groups["limited"].iat[0])
    assert (proposal.after["caseload"] == proposal.after["caseload_before"]).all()


def test_a_budget_below_the_pooled_rsos_names_managers_for_them_first() -> None:
    proposal = short_case().propose(max_moves=2)
    assert len(proposal.moves) == 2 and proposal.moves["from_manager_id"].isna().all()
    assert proposal.unplaced.empty  # the third stays pooled: beyond the budget, not refused
    assert highest_after(proposal) == pytest.approx(90.0)


def test_an_intermediate_budget_reaches_its_known_level() -> None:
    """13 moves: the 3 pooled, then A's 10 newest (A 90 -> 80): nobody above 80, and 80 is the
    best 13 moves can do (A must shed 11 to reach 79)."""
    proposal = short_case().propose(max_moves=13)
    assert len(proposal.moves) == 13
    assert highest_after(proposal) == pytest.approx(80.0)
    assert (proposal.moves["from_manager_id"] == "A").sum() == 10
    document = proposal_to_json(proposal)
    assert document["max_moves"] == 13
    assert document["highest_per_fte_after"] == 80.0 and document["lowest_reachable"] == 62.0
    assert document["groups"][0]["limited_by_max_moves"] is True
    assert level_summary(proposal) == ("Within 13 move(s): nobody above 80.0 per FTE (now 90.0). "
                                       "With no limit: 62.0 per FTE, with at least 31 move(s).")


def test_a_budget_at_or_above_the_level_plan_gives_the_lowest_level() -> None:
    unlimited = short_case().propose()
    needed = len(unlimited.moves)
    for budget in (needed, needed + 50):
        proposal = short_case().propose(max_moves=budget)
        assert not proposal.groups["limited"].any()
        assert highest_after(proposal) == pytest.approx(62.0)
        assert len(proposal.moves) == needed


def test_the_curve_falls_to_the_lowest_level() -> None:
    proposal = short_case().propose()
    curve = proposal.curve
    assert list(curve["moves"]) == [0, 10, 20, 31]
    assert list(curve["highest_per_fte"]) == [90.0, 83.0, 73.0, 62.0]
    for budget, level in zip(curve["moves"], curve["highest_per_fte"], strict=True):
        if budget:
            assert highest_after(short_case().propose(max_moves=int(budget))) == level


def test_a_budget_clears_the_high_risk_flags_it_can() -> None:
    """A holds 30 high-risk of 90; the level is 70. With 20 moves (what 70 needs) the high-risk
    RSOs are among them and A's share flag clears, as with no budget."""
    managers = [manager("A"), manager("B"), manager("C")]
    rsos = ([rso(f"A{i:02d}", "A", "high") for i in range(30)]
            + [rso(f"AL{i:02d}", "A") for i in range(60)]
            + [rso(f"B{i:02d}", "B") for i in range(60)] + [rso(f"C{i:02d}", "C")
                                                            for i in range(60)])
    case = Case(make_snapshot(managers, rsos))
    assert highest_after(case.propose(max_moves=10)) == pytest.approx(80.0)
    proposal = case.propose(max_moves=20)
    assert highest_after(proposal) == pytest.approx(70.0) and share_flags(proposal) == 0
    assert (proposal.moves["risk_level"] == "high").sum() == 16


def test_max_moves_does_not_go_with_a_spread() -> None:
    with pytest.raises(ValueError, match="max_moves"):
        short_case().propose(max_moves=5, spread=True, leaving=["A"])
    with pytest.raises(ValueError, match="max_moves"):
        short_case().propose(max_moves=-1)


# --- brute force on tiny registers -----------------------------------------------------------

TINY = replace(POLICY, caseload_limit_per_fte=2.0, high_risk_share_limit=0.34)


@st.composite
def tiny_short_cases(draw: st.DrawFn) -> Case:
    """Three managers (one may be a supervisor), up to seven RSOs (some pooled)."""
    managers = [manager(f"M{i}", fte=draw(st.sampled_from([1.0, 0.5]))) for i in range(3)]
    if draw(st.booleans()):
        managers[2]["role"] = "supervisor"
    rsos = [rso(f"R{j}", draw(st.sampled_from(["M0", "M0", "M1", "M2", None])),
                draw(st.sampled_from(["low", "high"]))) for j in range(draw(st.integers(5, 7)))]
    return Case(make_snapshot(managers, rsos, TINY), "team")


def brute_force(case: Case, budget: int) -> tuple[int, float]:
    """(pooled RSOs left unnamed, lowest highest per FTE) within ``budget``: only offender
    managers receive, and a supervisor's caseload counts like anyone's (it may only shed)."""
    rsos = case.rsos
    staff = case.snapshot.managers.set_index("manager_id")
    receivers = [m for m in staff.index if staff.at[m, "role"] == "offender_manager"]
    holders = [*receivers, *(m for m in staff.index if m not in receivers
                             and (rsos["manager_id"] == m).any())]
    now = [h if named else None for h, named in zip(rsos["manager_id"], rsos["named"],
                                                    strict=True)]
    options = [sorted({*receivers, h}, key=str) if h is not None else [None, *receivers]
               for h in now]
    best = None
    for choice in itertools.product(*options):
        if sum(c != h for c, h in zip(choice, now, strict=True)) > budget:
            continue
        load = {m: 0 for m in holders}
        for m in choice:
            if m in load:
                load[m] += 1
        level = max(load[m] / staff.at[m, "fte"] for m in holders)
        score = (sum(c is None for c in choice), round(level, 6))
        best = score if best is None or score < best else best
    assert best is not None
    return best


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_short_cases(), st.integers(0, 6))
def test_within_a_budget_is_optimal_on_tiny_registers(case: Case, budget: int) -> None:
    unlimited = case.propose()
    assume(unlimited.levelled)  # short of managers: every level above the limit counts
    proposal = case.propose(max_moves=budget)
    assert len(proposal.moves) <= budget
    left, level = brute_force(case, budget)
    pooled = int((~case.rsos["named"] & case.rsos["is_community"]).sum())
    named = int(proposal.moves["from_manager_id"].isna().sum())
    assert pooled - named == left
    assert max(highest_after(proposal), TINY.caseload_limit_per_fte) == pytest.approx(
        max(level, TINY.caseload_limit_per_fte))


def supervisor_holding_rsos() -> Case:
    """A supervisor (M2) holding three RSOs, one high-risk, beside two offender managers holding
    two and none: the supervisor's caseload counts in the level (it may shed, not receive), so
    nobody need stay above 2.0 per FTE and nobody can be brought to 1.0."""
    managers = [manager("M0"), manager("M1"), manager("M2", role="supervisor")]
    rsos = [rso("R0", "M0"), rso("R1", "M0"), rso("R2", "M2"), rso("R3", "M2"),
            rso("R4", "M2", "high")]
    return Case(make_snapshot(managers, rsos, TINY), "team")


def test_a_supervisors_caseload_counts_in_the_level() -> None:
    """The supervisor (3.0 per FTE) sheds one RSO to M1 (it never receives); the proposal, its
    lowest level and its curve all say 2.0, and the supervisor's caseload flag clears."""
    proposal = supervisor_holding_rsos().propose()
    assert proposal.levelled
    assert list(zip(proposal.moves["from_manager_id"], proposal.moves["to_manager_id"],
                    strict=True)) == [("M2", "M1")]
    row = proposal.groups.iloc[0]
    assert (row["highest_per_fte_before"], row["highest_per_fte_after"]) == (3.0, 2.0)
    assert row["lowest_reachable"] == 2.0 and row["moves_lower_bound"] == 1
    assert list(proposal.curve["highest_per_fte"]) == [3.0, 2.0]
    assert not proposal.after["flag_caseload_over_limit"].any()


def test_a_group_short_of_high_risk_room_only_is_not_levelled_below_the_limit() -> None:
    """Nobody has room for the one high-risk RSO within the share (level mode), but nobody is
    above the caseload limit: no move (moving one of M0's would flag its receiver instead),
    and the lowest reachable level is the curve's, today's 2.0, not 1.0."""
    managers = [manager("M0"), manager("M1"), manager("M2")]
    case = Case(make_snapshot(managers, [rso("R0", "M0"), rso("R1", "M0", "high")], TINY),
                "team")
    proposal = case.propose()
    assert proposal.levelled and proposal.moves.empty
    assert proposal.groups["lowest_reachable"].iat[0] == 2.0
    assert list(proposal.curve["highest_per_fte"]) == [2.0]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_short_cases())
@example(supervisor_holding_rsos())
def test_the_curve_never_rises_and_each_point_is_reached(case: Case) -> None:
    unlimited = case.propose()
    assume(unlimited.levelled)
    curve = unlimited.curve
    assert curve["highest_per_fte"].iat[-1] == pytest.approx(
        unlimited.groups["lowest_reachable"].iat[0])
    levels = list(curve["highest_per_fte"])
    assert all(b <= a + EPSILON for a, b in itertools.pairwise(levels))
    for budget, level in zip(curve["moves"], levels, strict=True):
        reached = highest_after(case.propose(max_moves=int(budget)))
        assert reached <= level + EPSILON


# --- the Lancashire demo ---------------------------------------------------------------------

def test_lancashire_east_within_a_budget_follows_its_curve(lancashire: Any) -> None:
    """Each point of East's curve is what a budget of that many moves reaches, within it; a
    leaver's RSOs spread with nobody above the lowest level and only theirs moving."""
    figures = compute_figures(load_snapshot(lancashire, date(2017, 10, 9)))
    full = propose(figures, bcu="East")
    points = list(zip(full.curve["moves"], full.curve["highest_per_fte"], strict=True))
    assert points[0] == (0, 94.0) and points[-1][1] == full.groups["lowest_reachable"].iat[0]
    for budget, level in points[1:]:
        within = propose(figures, bcu="East", max_moves=int(budget))
        assert len(within.moves) <= budget
        assert highest_after(within) == pytest.approx(level)
    leaving = propose(figures, team="East 3", leaving=["OM009"], spread=["OM009"])
    assert set(leaving.moves["from_manager_id"]) == {"OM009"}
    assert highest_after(leaving) <= leaving.groups["lowest_reachable"].iat[0] + EPSILON
