"""The pack's workbook: named sheets whose cells are the JSON report's figures, unrounded."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from exchange.pack_register import FAMILY_NAMES, figures_at, write_register

from ncpi_desktop.cli import main
from ncpi_desktop.exchange.pack import SHEETS, Pack, build_pack
from ncpi_desktop.exchange.pack_xlsx import write_pack_xlsx

PRODUCED = datetime(2017, 10, 10, 8, 45)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return write_register(tmp_path_factory.mktemp("xlsx") / "r.sqlite3")


@pytest.fixture(scope="module")
def pack(db) -> Pack:
    return build_pack(figures_at(db), produced_by="DSupt Rowe", produced_at=PRODUCED)


@pytest.fixture(scope="module")
def workbook(pack, tmp_path_factory):
    path = tmp_path_factory.mktemp("out") / "pack.xlsx"
    write_pack_xlsx(pack, path)
    return openpyxl.load_workbook(path)


def read_table(sheet, caption: str) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of the table under ``caption`` (rows as cells, for their formats)."""
    rows = list(sheet.iter_rows())
    start = next(i for i, row in enumerate(rows) if row[0].value == caption)
    header = [c.value for c in rows[start + 1] if c.value is not None]
    body = []
    for row in rows[start + 2:]:
        if all(c.value is None for c in row):
            break
        body.append(list(row[:len(header)]))
    return header, body


def records(sheet, caption: str, pack: Pack, table_key: str) -> list[dict[str, Any]]:
    """The table's rows keyed as the report keys them."""
    table = next(t for t in pack.tables() if t.key == table_key)
    keys = {c.label: c.key for c in table.columns}
    header, body = read_table(sheet, caption)
    return [{keys[h]: cell.value for h, cell in zip(header, row, strict=True)} for row in body]


def test_the_named_sheets_in_order(workbook, pack):
    expected = [name for name in SHEETS if pack.sheet_tables(name)]
    assert workbook.sheetnames == expected
    for name in ("Summary", "BCUs", "Teams", "Managers", "Flags", "ARMS", "Reactive", "Policy"):
        assert name in workbook.sheetnames


def test_group_figures_equal_the_json_exactly(workbook, pack):
    report = pack.report
    bcus = records(workbook["BCUs"], "Force and BCUs", pack, "bcus")
    assert bcus[0] == {"name": "Force", **report["force"]}
    assert bcus[1:] == report["bcus"]
    teams = records(workbook["Teams"], "Teams", pack, "teams")
    assert teams == report["teams"]


def test_managers_equal_the_json_with_flags_and_why(workbook, pack):
    managers = records(workbook["Managers"], "Managers", pack, "managers")
    for row, expected in zip(managers, pack.report["managers"], strict=True):
        flat = {**expected, "flags": ", ".join(expected["flags"]) or None,
                "why": "; ".join(expected["why"]) or None}
        assert row == flat
    flagged = records(workbook["Flags"], "Managers above a limit", pack, "managers_over")
    assert {r["manager_id"]: r["why"] for r in flagged} == {
        m["manager_id"]: "; ".join(m["why"]) for m in pack.report["managers"] if m["flags"]}


def test_numbers_are_numbers_with_formats(workbook):
    header, body = read_table(workbook["BCUs"], "Force and BCUs")
    force = dict(zip(header, body[0], strict=True))
    assert isinstance(force["RSOs"].value, int) and force["RSOs"].number_format == "#,##0"
    assert force["High-risk share"].number_format == "0.0%"
    assert force["High-risk share"].value == pytest.approx(19 / 92)
    assert force["Per FTE"].number_format == "#,##0.0" and force["Per FTE"].value == 36.8
    assert force["ARMS completion"].number_format == "0.0%"
    summary = {row[0].value: row[1] for row in workbook["Summary"].iter_rows() if row[0].value}
    assert summary["As at"].value == datetime(2017, 10, 9)
    assert summary["As at"].number_format == "DD/MM/YYYY"
    assert summary["Produced"].value == PRODUCED
    assert summary["Produced by"].value == "DSupt Rowe"


def test_key_and_force_figures_on_the_summary(workbook, pack):
    rows = records(workbook["Summary"], "Force figures", pack, "force")
    assert {r["key"]: r["value"] for r in rows} == pack.report["force"]


def test_policy_sheet_holds_the_values_used(workbook, pack):
    rows = records(workbook["Policy"], "Policy values used", pack, "policy")
    values = {r["key"]: r["value"] for r in rows}
    assert values == pack.report["policy"]
    header, body = read_table(workbook["Policy"], "Policy values used")
    share = next(row for row in body if row[-1].value == "high_risk_share_limit")
    assert share[1].number_format == "0.0%"
    cells = [c.value for row in workbook["Policy"].iter_rows() for c in row]
    assert pack.policy.rules_text()[0] in cells


def test_arms_by_team_against_the_force(workbook, pack):
    rows = records(workbook["ARMS"], "ARMS completion by team against the force", pack,
                   "arms_by_team")
    force = pack.report["force"]["arms_completion"]
    assert rows[0]["name"] == "Force" and rows[0]["arms_completion"] == force
    # Every team with someone eligible (the ARMS page's rule), with the report's figures.
    teams = {(t["bcu"], t["name"]): t for t in pack.report["teams"] if t["arms_eligible"]}
    assert [(row["bcu"], row["name"]) for row in rows[1:]] == sorted(teams)
    for row in rows[1:]:
        team = teams[(row["bcu"], row["name"])]
        assert row["arms_completion"] == team["arms_completion"]
        assert row["vs_force"] == team["arms_completion"] - force


class Stop(Exception):
    pass


def test_progress_per_sheet_and_a_stopped_workbook_leaves_nothing(pack, tmp_path):
    calls: list[tuple[int, int, str]] = []
    out = tmp_path / "pack.xlsx"
    write_pack_xlsx(pack, out, progress=lambda *a: calls.append(a))
    sheets = [name for name in SHEETS if pack.sheet_tables(name)]
    assert [what for _, _, what in calls] == [
        *(f"Writing sheet {name}" for name in sheets), "Saving the workbook", "Done"]
    assert calls[-1][0] == calls[-1][1] == len(sheets) + 1

    def stop(done, total, what):
        if what == "Writing sheet Managers":
            raise Stop

    out.write_bytes(b"last month's pack")
    with pytest.raises(Stop):
        write_pack_xlsx(pack, out, progress=stop)
    assert out.read_bytes() == b"last month's pack"
    assert [p.name for p in tmp_path.iterdir()] == ["pack.xlsx"]


def _all_text(path: Path) -> str:
    book = openpyxl.load_workbook(path)
    return " ".join(str(c.value) for s in book for row in s.iter_rows() for c in row
                    if c.value is not None)


def test_rso_names_only_when_asked_for(db, tmp_path):
    figures = figures_at(db)
    plain, named = tmp_path / "plain.xlsx", tmp_path / "named.xlsx"
    write_pack_xlsx(build_pack(figures, produced_by="x", produced_at=PRODUCED), plain)
    named_pack = build_pack(figures, produced_by="x", produced_at=PRODUCED, names=True)
    write_pack_xlsx(named_pack, named)
    text = _all_text(plain).upper()
    assert not any(name.upper() in text for name in FAMILY_NAMES)
    if any("rso_name" in t.frame.columns for t in named_pack.tables()):
        assert FAMILY_NAMES[0].upper() in _all_text(named).upper()


def test_cli_pack_xlsx_equals_report_json(db, tmp_path, capsys):
    out = tmp_path / "pack.xlsx"
    assert main(["pack", "--db", str(db), "--as-at", "09/10/2017", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    assert main(["report", "--db", str(db), "--as-at", "2017-10-09", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    book = openpyxl.load_workbook(out)
    header, body = read_table(book["BCUs"], "Force and BCUs")
    pack = build_pack(figures_at(db), produced_by="x", produced_at=PRODUCED)
    keys = {c.label: c.key for c in next(t for t in pack.tables() if t.key == "bcus").columns}
    force = {keys[h]: c.value for h, c in zip(header, body[0], strict=True)}
    assert force == {"name": "Force", **report["force"]}
    summary = {row[0].value: row[1].value for row in book["Summary"].iter_rows() if row[0].value}
    assert summary["Produced by"] == "manager"  # the signed-in user (tests/conftest.py)


@pytest.mark.parametrize("name", ["pack.docx", "pack", "pack.pdf.txt"])
def test_cli_pack_refuses_other_formats(db, tmp_path, capsys, name):
    assert main(["pack", "--db", str(db), "--out", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "use a .pdf or .xlsx file" in err
    assert not (tmp_path / name).exists()


def test_cli_pack_missing_database(tmp_path, capsys):
    assert main(["pack", "--db", str(tmp_path / "none.sqlite3"),
                 "--out", str(tmp_path / "p.xlsx")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No database at" in err
    assert not (tmp_path / "p.xlsx").exists()


def test_cli_pack_missing_folder(db, tmp_path, capsys):
    assert main(["pack", "--db", str(db), "--out", str(tmp_path / "no" / "p.xlsx")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not exist" in err


def test_overdue_visits_sheet_lists_every_overdue_rso_with_dates(workbook, pack):
    overdue = {r["rso_id"]: r for r in pack.report["rsos"] if "visit_overdue" in r["flags"]}
    rows = records(workbook["Overdue visits"], "Most overdue home visits", pack, "most_overdue")
    assert {r["rso_id"] for r in rows} == set(overdue)
    for row in rows:
        expected = overdue[row["rso_id"]]
        assert row["days_overdue"] == expected["days_overdue"]
        assert row["manager_id"] == expected["manager_id"] and row["team"] == expected["team"]
        assert row["next_visit_due"] == datetime.fromisoformat(expected["next_visit_due"])
    header, body = read_table(workbook["Overdue visits"], "Most overdue home visits")
    due = header.index("Next visit due")
    assert all(row[due].number_format == "DD/MM/YYYY" for row in body)
    assert "Manager" not in header  # the PDF's 'Name (id)'; the sheet has both apart
    by_risk = records(workbook["Overdue visits"], "Overdue home visits by risk level", pack,
                      "overdue_by_risk")
    assert sum(r["visits_overdue"] for r in by_risk) == pack.report["force"]["visits_overdue"]


def test_orders_ending_sheet(workbook, pack, db):
    rows = records(workbook["Orders ending"], "Civil orders ending within 90 days", pack,
                   "orders_ending")
    assert [(r["type"], r["ends_on"], r["days_to_end"]) for r in rows] == [
        ("SHPO", datetime(2017, 11, 30), 52)]
    assert "rso_name" not in rows[0]


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    from builders import Register

    r = Register()
    r.manager("OM001", name='=HYPERLINK("http://example.invalid","x")')
    r.many(3, manager_id="OM001")
    r.write(tmp_path / "r.sqlite3").dispose()
    out = tmp_path / "pack.xlsx"
    write_pack_xlsx(build_pack(figures_at(tmp_path / "r.sqlite3"), produced_by="=1+1",
                               produced_at=PRODUCED), out)
    book = openpyxl.load_workbook(out)
    cells = [c for s in book for row in s.iter_rows() for c in row
             if isinstance(c.value, str) and "=HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" and c.value.startswith("'=") for c in cells)
    assert not [c for s in book for row in s.iter_rows() for c in row if c.data_type == "f"]
