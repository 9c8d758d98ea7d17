"""What a user may see of the figures (``analysis.visibility``): names and dates of birth only in
the user's name scope, neighbourhoods only in their scope, every figure for everyone."""

from __future__ import annotations

import pandas as pd
import pytest
from builders import AS_AT, FORCE_MANAGER, Register, as_user

from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.analysis.visibility import cut_rows, cut_to, name_mask, scope_mask
from ncpi_desktop.domain.security import Role, Scope
from ncpi_desktop.storage.load import load_snapshot

FRAME = pd.DataFrame({
    "rso_id": ["R1", "R2", "R3", "R4"],
    "home_bcu": ["East", "East", "East", "West"],
    "bcu": ["East", "East", "West", "West"],  # R3 held in West: the RSO's own BCU decides
    "team": ["East 1", "East 2", "West 1", None],
    "manager_id": ["OM1", "OM3", "OM4", None],
    "neighbourhood": ["Ashton", None, "Ashton", "Preston"],
})


@pytest.mark.parametrize(("scope", "roles", "names"), [
    ("force", (Role.MANAGER,), [True, True, True, True]),
    ("bcu:East", (Role.SUPERVISOR,), [True, True, True, False]),
    ("team:East 1", (Role.SUPERVISOR,), [True, False, False, False]),
    ("caseload:OM3", (Role.OFFENDER_MANAGER,), [False, True, False, False]),
    ("neighbourhood:Ashton", (Role.OFFENDER_MANAGER,), [True, False, True, False]),
    ("force", (Role.ANALYST,), [False, False, False, False]),
    ("force", (Role.ADMINISTRATOR,), [False, False, False, False]),
    ("force", (Role.ADMINISTRATOR, Role.MANAGER), [True, True, True, True]),
])
def test_the_name_mask_follows_the_scope_rules(scope, roles, names):
    user = as_user("u", *roles, scope=Scope.parse(scope))
    assert name_mask(user, FRAME).tolist() == names


def test_the_scope_mask_ignores_the_role():
    analyst = as_user("a", Role.ANALYST, scope=Scope.parse("bcu:West"))
    assert scope_mask(analyst, FRAME).tolist() == [False, False, False, True]
    assert not name_mask(analyst, FRAME).any()


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    r = Register()
    r.manager("OM1", team="East 1")
    r.manager("OM4", bcu="West", team="West 1")
    r.rso("R1", manager_id="OM1", team="East 1", neighbourhood="Ashton")
    r.rso("R4", manager_id="OM4", team="West 1", bcu="West", neighbourhood="Preston")
    r.order("R4", AS_AT.replace(year=2016))
    engine = r.write(tmp_path_factory.mktemp("v") / "r.sqlite3")
    try:
        return compute_figures(load_snapshot(engine, AS_AT))
    finally:
        engine.dispose()


def test_cut_to_blanks_names_outside_the_scope_in_every_rso_frame(figures):
    east = as_user("s", Role.SUPERVISOR, scope=Scope.parse("bcu:East"))
    cut = cut_to(east, figures)
    for frame in (cut.rsos, cut.snapshot.rsos, cut.orders):
        rows = frame.set_index("rso_id")
        assert rows.loc["R4", ["family_name", "given_names"]].isna().all()
        if "R1" in rows.index:
            assert rows.loc["R1", "family_name"] == "Family0"
    rsos = cut.rsos.set_index("rso_id")
    assert pd.isna(rsos.loc["R4", "date_of_birth"]) and pd.isna(rsos.loc["R4", "neighbourhood"])
    assert rsos.loc["R1", "neighbourhood"] == "Ashton"
    # Every figure is as before; the figures read are not changed.
    pd.testing.assert_frame_equal(cut.managers, figures.managers)
    assert figures.rsos.set_index("rso_id").loc["R4", "family_name"] == "Family1"


def test_a_user_who_may_see_every_name_gets_the_figures_as_they_are(figures):
    assert cut_to(FORCE_MANAGER, figures) is figures


def test_rows_read_beside_the_figures_are_cut_by_the_rsos_rows(figures):
    history = pd.DataFrame({"rso_id": ["R1", "R4", "R9"], "family_name": ["A", "B", "C"],
                            "rso_name": ["A, x", "B, y", "C, z"]})
    om1 = as_user("om1", Role.OFFENDER_MANAGER, scope=Scope.parse("caseload:OM1"))
    cut = cut_rows(om1, figures, history)
    assert cut["family_name"].tolist()[0] == "A" and cut["family_name"][1:].isna().all()
    assert cut["rso_name"][1:].isna().all()  # R9 is not in the figures: by id alone


def test_an_rsos_records_lose_their_free_text_outside_the_name_scope(figures):
    from ncpi_desktop.analysis.visibility import cut_records

    records = {"decisions": pd.DataFrame({"mode": ["active"], "reason": ["named in a letter"]}),
               "visits": pd.DataFrame({"outcome": ["completed"]})}
    om1 = as_user("om1", Role.OFFENDER_MANAGER, scope=Scope.parse("caseload:OM1"))
    assert cut_records(om1, figures, "R1", records) is records
    cut = cut_records(om1, figures, "R4", records)
    assert cut["decisions"]["reason"].isna().all() and cut["decisions"]["mode"].tolist() == [
        "active"]
    assert cut["visits"].equals(records["visits"])
