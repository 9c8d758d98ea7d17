"""Issue 12: extracts and databases that cannot be used are exit 2 and one line, with nothing
changed: a zip with a byte flipped, odd workbooks, XML attacks, a read-only or full database."""

from __future__ import annotations

import hashlib
import os
import time
import zipfile
from pathlib import Path

import pytest
from extract_files import (
    db_state,
    new_database,
    valid_rows,
    write_folder,
    write_workbook,
    write_zip,
)

from ncpi_desktop.cli import main
from ncpi_desktop.storage.database import make_engine

EXIT_UNUSABLE = 2


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line_status_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run ``argv``: exit 2, one line on stderr, no traceback; returns the line."""
    assert main(argv) == EXIT_UNUSABLE
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and captured.err.startswith("ncpi-desktop: ")
    assert "Traceback" not in captured.err
    return captured.err


@pytest.fixture
def database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A register imported from the valid extract."""
    db = tmp_path / "r.sqlite3"
    new_database(db).dispose()
    assert main(["import", str(write_folder(tmp_path / "good")), "--db", str(db)]) == 0
    capsys.readouterr()
    return db


# --- a zip with one byte flipped ----------------------------------------------------------------

def flipped_copies(source: Path, folder: Path) -> list[Path]:
    """Copies of ``source`` with one byte of its first member's compressed data inverted, at
    eight places from its first byte to its last but one (the last can be padding)."""
    data = source.read_bytes()
    with zipfile.ZipFile(source) as archive:
        member = archive.infolist()[0]
    start = member.header_offset + 30 + len(member.filename.encode()) + len(member.extra)
    folder.mkdir()
    copies = []
    for i in range(8):
        position = start + i * (member.compress_size - 2) // 7
        flipped = bytearray(data)
        flipped[position] ^= 0xFF
        copies.append(folder / f"flipped-{i}.zip")
        copies[-1].write_bytes(bytes(flipped))
    return copies


def test_a_zip_with_a_byte_flipped_is_unusable_and_changes_nothing(
        tmp_path: Path, database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "extract.zip"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as archive:
        for csv_file in sorted((tmp_path / "good").iterdir()):
            archive.writestr(csv_file.name, csv_file.read_bytes())
    before = digest(database)
    for copy in flipped_copies(source, tmp_path / "flipped"):
        line = one_line_status_2(["import", str(copy), "--db", str(database)], capsys)
        assert copy.name in line
    assert digest(database) == before


# --- workbooks ----------------------------------------------------------------------------------

def test_a_workbook_with_an_empty_chartsheet_is_unusable(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import load_workbook

    path = write_workbook(tmp_path / "extract.xlsx")
    workbook = load_workbook(path)
    workbook.create_chartsheet("Chart1")
    workbook.save(path)
    db = tmp_path / "new.sqlite3"
    line = one_line_status_2(["import", str(path), "--db", str(db)], capsys)
    assert "extract.xlsx cannot be read" in line and "chartsheet" in line
    assert not db.exists()


def test_a_workbook_with_damaged_xml_is_unusable(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = rewrite_member(write_workbook(tmp_path / "extract.xlsx"), "xl/worksheets/sheet1.xml",
                          lambda xml: xml.replace("</row>", "</rows>", 1))
    line = one_line_status_2(["import", str(path), "--db", str(tmp_path / "new.sqlite3")], capsys)
    assert "extract.xlsx" in line


LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
                    for i in range(1, 10))
          + "]>")
EXTERNAL = '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def rewrite_member(path: Path, member: str, change) -> Path:  # noqa: ANN001 - a str -> str
    """``path`` with the XML of ``member`` passed through ``change``."""
    with zipfile.ZipFile(path) as archive:
        contents = {info.filename: archive.read(info) for info in archive.infolist()}
    xml = contents[member].decode("utf-8")
    if xml.startswith("<?xml"):
        xml = xml[xml.index("?>") + 2:]
    contents[member] = change(xml).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(("member", "change"), [
    ("xl/worksheets/sheet1.xml",
     lambda xml: LAUGHS + xml.replace("manager_id", "&lol9;", 1)),
    ("xl/workbook.xml", lambda xml: LAUGHS + xml.replace('name="managers"', 'name="&lol9;"')),
    ("xl/worksheets/sheet1.xml", lambda xml: EXTERNAL + xml.replace("manager_id", "&xxe;", 1)),
    ("xl/workbook.xml", lambda xml: EXTERNAL + xml),
], ids=["laughs-in-a-sheet", "laughs-in-the-workbook", "external-entity-in-a-sheet",
        "external-entity-declared"])
def test_xml_attacks_in_a_workbook_are_refused_at_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], member: str, change) -> None:  # noqa: ANN001
    path = rewrite_member(write_workbook(tmp_path / "attack.xlsx"), member, change)
    db = tmp_path / "new.sqlite3"
    started = time.monotonic()
    line = one_line_status_2(["import", str(path), "--db", str(db)], capsys)
    assert time.monotonic() - started < 10
    assert "attack.xlsx" in line and "root:" not in line
    assert not db.exists()


def test_openpyxl_reads_through_defusedxml() -> None:
    import openpyxl

    assert openpyxl.DEFUSEDXML  # pyproject.toml's dependency, installed


# --- databases that cannot be written -----------------------------------------------------------

def read_only(path: Path) -> str:
    """``path`` opened read-only: SQLite's own read-only mode (permissions do not bind root)."""
    return f"sqlite:///file:{path}?mode=ro&uri=true"


@pytest.mark.parametrize("command", [
    ["import", "{extract}"],
    ["rebalance", "--apply", "--reason", "balancing", "--as-at", "2017-10-09"],
], ids=["import", "rebalance-apply"])
def test_writing_to_a_read_only_database_is_unusable_and_changes_nothing(
        tmp_path: Path, database: Path, capsys: pytest.CaptureFixture[str],
        command: list[str]) -> None:
    extract = write_zip(tmp_path / "extract.zip")
    before = digest(database)
    argv = [a.format(extract=extract) for a in command] + ["--db", read_only(database)]
    if command[0] == "rebalance":
        from builders import Register

        register = Register()
        register.manager("A", name="Alex Hart")
        register.manager("B", name="Bea Lord")
        register.many(70, manager_id="A", team="East 1", risk_level="medium")
        database.unlink()
        register.write(database).dispose()
        before = digest(database)
    line = one_line_status_2(argv, capsys)
    assert "Cannot write to the database" in line and "read" in line
    assert "nothing was changed" in line
    assert digest(database) == before


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True,
                    reason="file permissions do not bind root")
def test_importing_into_a_read_only_file_is_unusable(
        tmp_path: Path, database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = digest(database)
    database.chmod(0o444)
    try:
        one_line_status_2(["import", str(write_zip(tmp_path / "x.zip")), "--db", str(database)],
                          capsys)
    finally:
        database.chmod(0o644)
    assert digest(database) == before


def test_a_full_database_is_unusable_and_changes_nothing(
        tmp_path: Path, database: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite's "database or disk is full" (SQLITE_FULL), made by capping the file's pages."""
    import ncpi_desktop.storage.database as database_module

    pragmas = database_module._sqlite_pragmas

    def capped(connection, record) -> None:  # noqa: ANN001 - the DBAPI callback's arguments
        pragmas(connection, record)
        cursor = connection.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count={pages}")
        cursor.close()

    monkeypatch.setattr(database_module, "_sqlite_pragmas", capped)
    tables = valid_rows()
    tables["managers"] = tables["managers"] + [
        dict(tables["managers"][0], manager_id=f"M{i:04}", name="Alex Hart " * 10)
        for i in range(2000)]
    before = state(database)
    line = one_line_status_2(["import", str(write_zip(tmp_path / "big.zip", tables)),
                              "--db", str(database)], capsys)
    assert "full" in line and "free some disk space" in line
    assert "Alex Hart" not in line
    assert state(database) == before


def state(path: Path) -> dict[str, list[tuple]]:
    """Every row but the sign-in's audit rows (which a full database may still find room for)."""
    engine = make_engine(path)
    try:
        return db_state(engine)
    finally:
        engine.dispose()
