"""Issue 12: input that is not what it claims to be (a damaged zip, a workbook openpyxl cannot
open, XML with entity tricks in a workbook) is unusable input: one line, exit status 2, nothing
written, no traceback."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest
from extract_files import write_workbook, write_zip

from ncpi_desktop.cli import main

#: How long a refusal may take, on a loaded machine.
REFUSAL_SECONDS = 20


def test_a_corrupt_zip_is_unusable_input_not_a_traceback(tmp_path, capsys):
    path = write_zip(tmp_path / "x.zip")
    data = bytearray(path.read_bytes())
    start = data.index(b"offenders.csv") + len("offenders.csv") + 40
    data[start] ^= 0xFF
    path.write_bytes(bytes(data))
    assert main(["import", str(path), "--db", str(tmp_path / "r.sqlite3")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == ["ncpi-desktop: x.zip cannot be read: its compressed data is damaged (in "
                   "offenders.csv); save or export it again (as .xlsx, or CSV files in a folder "
                   "or a .zip) and import that"]
    assert not (tmp_path / "r.sqlite3").exists()


def test_a_zip_claiming_a_version_python_cannot_read_is_unusable_input(tmp_path, capsys):
    """A damaged central directory naming a zip version above 6.3 (zipfile raises
    NotImplementedError) is refused as unusable, not a crash (exit 70)."""
    path = write_zip(tmp_path / "x.zip")
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 6] = 84  # version needed to extract: 8.4
    path.write_bytes(bytes(data))
    assert main(["import", str(path), "--db", str(tmp_path / "r.sqlite3")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "ncpi-desktop: x.zip is not a readable .zip file"]
    assert not (tmp_path / "r.sqlite3").exists()


def _rewritten(source: Path, target: Path, part: str, change) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for member in old.infolist():
            data = old.read(member)
            new.writestr(member, change(data) if member.filename == part else data)
    return target


#: Entities of entities: a few hundred bytes that expand to a billion "lol"s.
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (n, b"&lol%d;" % (n - 1) * 10)
                     for n in range(1, 10)) + b"]>")


def test_a_workbook_with_an_empty_chartsheet_is_unusable_input(tmp_path, capsys):
    import openpyxl

    path = write_workbook(tmp_path / "x.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook.create_chartsheet("chart")
    workbook.save(path)
    assert main(["import", str(path), "--db", str(tmp_path / "r.sqlite3")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "ncpi-desktop: x.xlsx cannot be read: it holds a part the import cannot read (such as an "
        "empty chartsheet); save or export it again (as .xlsx, or CSV files in a folder or a "
        ".zip) and import that"]


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/worksheets/sheet2.xml",
                                  "xl/styles.xml", "[Content_Types].xml"])
def test_an_xml_attack_in_a_workbook_is_unusable_input(tmp_path, capsys, part):
    def laughs(data: bytes) -> bytes:
        body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
        return LAUGHS + body.replace(b"<v>", b"<v>&lol9;", 1)

    path = _rewritten(write_workbook(tmp_path / "x.xlsx"), tmp_path / "attack.xlsx", part,
                      laughs)
    started = time.perf_counter()
    assert main(["import", str(path), "--db", str(tmp_path / "r.sqlite3")]) == 2
    assert time.perf_counter() - started < REFUSAL_SECONDS
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("ncpi-desktop: attack.xlsx cannot be read: it declares XML entities")
