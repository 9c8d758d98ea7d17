"""The register's frame logic without a screen: the search over 100,000 synthetic RSOs finds
exactly the RSOs a plain Python search of each field finds; filters and what-to-fix sentences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ncpi_desktop.analysis.flags import set_flag
from ncpi_desktop.ui.models.register import (
    ANY_DATA_QUALITY,
    ANY_FLAG,
    WHAT_TO_FIX,
    RegisterChoice,
    RegisterFrame,
    search_mask,
    search_texts,
)

ROWS = 100_000
FAMILIES = ["Smith", "Smithson", "Blacksmith", "Jones", "O'Brien", "Nowak", "Brown", "Kowalski",
            "Ahmed", "Taylor", "Green", "Greenwood"]
GIVEN = ["John", "Jane", "Amy", "Zoë", "Mohammed", "Tomasz", "Ian", "Sam", "Ann"]
PLACES = ["Blackburn", "Darwen", "Preston Central", "Burnley", None]
MANAGERS = [("OM1", "Alice Ashworth"), ("OM2", "Bob Birtwistle"), ("OM3", "Carol Smithies"),
            (None, None)]


@pytest.fixture(scope="module")
def rsos() -> pd.DataFrame:
    """100,000 RSOs: names, places and managers cycled at different periods, so every
    combination occurs; some flagged."""
    n = np.arange(ROWS)
    managers = [MANAGERS[i % len(MANAGERS)] for i in range(ROWS)]
    frame = pd.DataFrame({
        "rso_id": [f"R{i:06d}" for i in n],
        "family_name": [FAMILIES[i % len(FAMILIES)] for i in n],
        "given_names": [GIVEN[i % len(GIVEN)] for i in n],
        "neighbourhood": [PLACES[i % len(PLACES)] for i in n],
        "manager_id": [m[0] for m in managers],
        "manager_name": [m[1] for m in managers],
        "team": np.where(n % 2 == 0, "East 1", "West 1"),
        "bcu": np.where(n % 2 == 0, "East", "West"),
        "status": np.where(n % 10 == 0, "custody", "community"),
        "management": np.where(n % 7 == 0, "reactive", "active"),
        "risk_level": np.where(n % 13 == 0, None, "medium"),
    })
    set_flag(frame, "no_risk_level", frame["risk_level"].isna().to_numpy(), "No risk level")
    set_flag(frame, "paper_records_only", n % 17 == 0, "Paper only")
    set_flag(frame, "visit_overdue", n % 5 == 0, "Overdue")
    return frame


@pytest.fixture(scope="module")
def register(rsos: pd.DataFrame) -> RegisterFrame:
    return RegisterFrame(rsos)


def plain_search(rsos: pd.DataFrame, text: str) -> set[str]:
    """The RSOs a plain loop finds: every word in one of the fields (or in the name)."""
    found = set()
    words = text.casefold().split()
    for row in rsos.itertuples():
        fields = [row.rso_id, f"{row.family_name}, {row.given_names}",
                  f"{row.given_names} {row.family_name}", row.neighbourhood,
                  row.manager_name, row.manager_id]
        fields = [f.casefold() for f in fields if isinstance(f, str)]  # a blank is NaN
        if all(any(w in f for f in fields) for w in words):
            found.add(row.rso_id)
    return found


@pytest.mark.parametrize("text", ["smith", "SMITHSON", "zoë smith", "r01234", "r0999",
                                  "preston", "birtwistle amy", "o'brien", "nobody", "om3 ann",
                                  "  "])
def test_search_over_100000_rsos_finds_exactly_the_matches(rsos: pd.DataFrame,
                                                          register: RegisterFrame,
                                                          text: str) -> None:
    rows = register.rows(RegisterChoice(text=text))
    expected = plain_search(rsos, text) if text.strip() else set(rsos["rso_id"])
    assert set(rows["rso_id"]) == expected
    assert len(rows) == len(expected)


def test_a_search_never_matches_across_two_fields(rsos: pd.DataFrame) -> None:
    texts = search_texts(rsos.head(3))
    # R000000: Smith, John in Blackburn: "john" then "blackburn" are two fields.
    assert not search_mask(texts, "johnblackburn")[0]
    assert search_mask(texts, "smith, john")[0]
    assert search_mask(texts, "john smith")[0]


def test_filters_combine_with_the_search_and_the_scope(rsos: pd.DataFrame,
                                                      register: RegisterFrame) -> None:
    n = np.arange(ROWS)
    rows = register.rows(RegisterChoice(status="custody", management="reactive"))
    assert set(rows["rso_id"]) == {f"R{i:06d}" for i in n[(n % 10 == 0) & (n % 7 == 0)]}
    quality = register.rows(RegisterChoice(flag=ANY_DATA_QUALITY))
    assert len(quality) == int(((n % 13 == 0) | (n % 17 == 0)).sum())
    flagged = register.rows(RegisterChoice(flag=ANY_FLAG))
    assert len(flagged) == int(((n % 13 == 0) | (n % 17 == 0) | (n % 5 == 0)).sum())
    east = (rsos["bcu"] == "East").to_numpy()
    rows = register.rows(RegisterChoice(text="amy", flag="paper_records_only"), east)
    assert set(rows["rso_id"]) == {f"R{i:06d}" for i in n[
        (n % 2 == 0) & (n % 17 == 0) & (n % len(GIVEN) == GIVEN.index("Amy"))]}
    assert register.rows(RegisterChoice(flag="no_such_flag")).empty


def test_what_to_fix_for_each_data_quality_flag(rsos: pd.DataFrame) -> None:
    frame = RegisterFrame(rsos.head(300)).frame.set_index("rso_id")
    both = WHAT_TO_FIX["no_risk_level"] + " " + WHAT_TO_FIX["paper_records_only"]
    assert frame.loc["R000000", "what_to_fix"] == both  # 0 is a multiple of 13 and of 17
    assert frame.loc["R000013", "what_to_fix"] == WHAT_TO_FIX["no_risk_level"]
    assert frame.loc["R000017", "what_to_fix"] == WHAT_TO_FIX["paper_records_only"]
    assert frame.loc["R000001", "what_to_fix"] == ""
    assert frame.loc["R000005", "flag_text"] == "Home visit overdue"
    assert frame.loc["R000001", "manager_label"] == "Bob Birtwistle"
    counts = RegisterFrame(rsos.head(300)).counts(np.ones(300, dtype=bool))
    assert counts["no_risk_level"] == 24 and counts["paper_records_only"] == 18
