"""``audit verify`` and ``audit list`` as a user runs them, and the audit rows the command line's
own imports, exports, packs and reports leave (SECURITY.md, "The audit log")."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import UTC, date, datetime

import pytest
from builders import Register, as_user
from sqlalchemy import text

from ncpi_desktop import cli_audit
from ncpi_desktop.cli import main
from ncpi_desktop.storage import audit
from ncpi_desktop.storage.database import open_database
from ncpi_desktop.storage.operations import reassign, set_policy_values


@pytest.fixture
def db(tmp_path):
    r = Register()
    r.manager("OM001", name="Alex Hart")
    r.manager("OM002", name="Sam Lee")
    r.many(8, manager_id="OM001", risk_level="high")
    r.many(2, team="East 1")
    engine = r.write(tmp_path / "r.sqlite3")
    reassign(engine, ["R00001", "R00002"], "OM002", "caseload", as_user("om.hart"),
             on=date(2017, 10, 9))
    set_policy_values(engine, {"caseload_limit_per_fte": 45.0}, as_user("admin"))
    audit.record(engine, "om.lee", "consultation", "open RSO detail", ["R00003"])
    engine.dispose()
    return tmp_path / "r.sqlite3"


def sql(db, statement: str) -> None:
    engine = open_database(db)
    with engine.begin() as c:
        c.execute(text(statement))
    engine.dispose()


def listed(db, capsys, *options: str) -> list[dict]:
    """The rows ``audit list`` prints, without the access rows of the commands' own signing
    in and out (unless ``--kind access`` is asked for)."""
    assert main(["audit", "list", "--db", str(db), *options, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    return rows if "access" in options else [r for r in rows if r["kind"] != "access"]


def pinned(db, action: str) -> tuple[str, int]:
    """The hash of the disclosure row ``action`` wrote, and how many rows the log had then."""
    engine = open_database(db)
    with engine.connect() as c:
        row = c.execute(text("SELECT hash, id FROM audit WHERE operation = :a"),
                        {"a": action}).one()
    engine.dispose()
    return row.hash, row.id


def test_verify_prints_the_rows_and_head_of_an_intact_chain(db, capsys):
    assert main(["audit", "verify", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    engine = open_database(db)  # the head as it stood: the sign-in, before the sign-out
    with engine.connect() as c:
        head = c.execute(text("SELECT hash FROM audit WHERE id = 4")).scalar()
    engine.dispose()
    # the three rows, and this command's own sign-in
    assert re.fullmatch(r"audit log intact: 4 rows; head [0-9a-f]{64}\n", out)
    assert head in out


@pytest.mark.parametrize(("tamper", "row", "how"), [
    ("UPDATE audit SET actor = 'nobody' WHERE id = 2", 2, "changed"),
    ("UPDATE audit SET rso_ids = '[]' WHERE id = 1", 1, "changed"),
    ("DELETE FROM audit WHERE id = 2", 3, "deleted"),
    ("INSERT INTO audit (id, at, actor, operation, detail, kind, rso_ids, prev_hash, hash) "
     "VALUES (4, '2017-10-09 12:00:00.000000', 'intruder', 'reassign', '{}', 'alteration', "
     "'[]', '', '')", 4, "inserted"),
])
def test_verify_exits_1_naming_the_row_that_breaks_the_chain(db, capsys, tamper, row, how):
    sql(db, tamper)
    assert main(["audit", "verify", "--db", str(db)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    line = captured.err.strip()
    assert "\n" not in line
    assert f"audit row {row} " in line and how in line


def test_list_json_has_one_object_per_row_with_the_contract_keys(db, capsys):
    rows = listed(db, capsys)
    assert [set(r) for r in rows] == [{"id", "at", "actor", "kind", "action", "rso_ids",
                                       "detail"}] * 3
    assert [(r["id"], r["actor"], r["kind"], r["action"], r["rso_ids"]) for r in rows] == [
        (1, "om.hart", "alteration", "reassign", ["R00001", "R00002"]),
        (2, "admin", "alteration", "set policy", []),
        (3, "om.lee", "consultation", "open RSO detail", ["R00003"]),
    ]
    assert rows[1]["detail"] == {"before": {"caseload_limit_per_fte": None},
                                 "after": {"caseload_limit_per_fte": 45.0}}
    assert datetime.fromisoformat(rows[0]["at"]).utcoffset().total_seconds() == 0


def test_list_filters_by_rso_actor_kind_and_since(db, capsys):
    assert [r["id"] for r in listed(db, capsys, "--rso", "R00002")] == [1]
    assert [r["id"] for r in listed(db, capsys, "--actor", "om.lee")] == [3]
    assert [r["id"] for r in listed(db, capsys, "--kind", "alteration")] == [1, 2]
    today = datetime.now(UTC).date()
    assert len(listed(db, capsys, "--since", today.strftime("%d/%m/%Y"))) == 3
    assert listed(db, capsys, "--since", f"{today.year + 1}-01-01") == []
    assert listed(db, capsys, "--rso", "R99999") == []


def test_list_without_json_is_a_table_with_local_uk_times(db, capsys):
    assert main(["audit", "list", "--db", str(db)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["Id", "When", "Who", "Kind", "Action", "RSOs"]
    assert len([line for line in lines[1:] if " access " not in line]) == 3
    assert re.match(r"1\s+\d\d/\d\d/\d{4} \d\d:\d\d\s+om\.hart\s+alteration\s+reassign\s+"
                    r"R00001, R00002$", lines[1])


def test_an_unknown_kind_is_refused_by_the_parser(db, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["audit", "list", "--db", str(db), "--kind", "gossip"])
    assert exited.value.code == 2


def test_the_kinds_offered_are_the_stored_ones():
    assert cli_audit.KINDS == audit.KINDS


def test_an_import_is_a_collection_row_naming_its_rsos(db, tmp_path, capsys):
    out = tmp_path / "extract"
    assert main(["export", "--db", str(db), "--out", str(out)]) == 0
    target = tmp_path / "new.sqlite3"
    assert main(["init", "--db", str(target)]) == 0
    assert main(["import", str(out), "--db", str(target)]) == 0
    capsys.readouterr()
    rows = listed(target, capsys, "--kind", "collection")
    assert [(r["actor"], r["action"]) for r in rows] == [("manager", "import")]
    assert rows[0]["rso_ids"] == [f"R{n:05d}" for n in range(1, 11)]
    assert rows[0]["detail"]["after"]["counts"]["offenders"]["added"] == 10


def test_an_extract_export_and_a_report_are_disclosures(db, tmp_path, capsys):
    assert main(["export", "--db", str(db), "--out", str(tmp_path / "x.zip")]) == 0
    assert main(["report", "--db", str(db), "--as-at", "2017-10-09", "--json"]) == 0
    capsys.readouterr()
    rows = listed(db, capsys, "--kind", "disclosure")
    assert [r["action"] for r in rows] == ["export extract", "report"]
    everyone = [f"R{n:05d}" for n in range(1, 11)]
    assert rows[0]["rso_ids"] == everyone and rows[0]["detail"] == {"file": "x.zip"}
    assert rows[1]["rso_ids"] == everyone


def test_the_xlsx_pack_is_a_disclosure_and_prints_the_head_including_itself(db, tmp_path,
                                                                            capsys):
    from openpyxl import load_workbook

    out = tmp_path / "pack.xlsx"
    assert main(["pack", "--db", str(db), "--as-at", "2017-10-09", "--out", str(out),
                 "--names"]) == 0
    capsys.readouterr()
    rows = listed(db, capsys, "--kind", "disclosure")
    assert [(r["actor"], r["action"]) for r in rows] == [("manager", "pack with names")]
    assert rows[0]["detail"]["file"] == "pack.xlsx"
    assert main(["audit", "verify", "--db", str(db)]) == 0  # the chain runs on through it
    head, count = pinned(db, "pack with names")
    assert count == 5  # the three rows, the pack's sign-in and its own disclosure
    summary = load_workbook(out)["Summary"]
    cells = {r[0]: r[1] for r in summary.iter_rows(values_only=True, max_col=2) if r[0]}
    assert cells["Audit log"].startswith(f"Audit log head: {head}, {count} rows, as at ")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_the_pdf_pack_prints_the_head_on_its_first_page(db, tmp_path, capsys, qapp):
    out = tmp_path / "pack.pdf"
    assert main(["pack", "--db", str(db), "--as-at", "2017-10-09", "--out", str(out)]) == 0
    capsys.readouterr()
    head, count = pinned(db, "pack")
    assert count == 5
    first = subprocess.run(["pdftotext", "-l", "1", str(out), "-"], check=True,
                           capture_output=True, text=True).stdout
    assert re.search(rf"Audit log head: {head}, {count} rows, as at \d\d/\d\d/\d{{4}} "
                     r"\d\d:\d\d UTC", " ".join(first.split()))
