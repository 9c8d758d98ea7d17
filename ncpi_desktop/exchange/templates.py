"""Extract templates: one CSV per table with every column of IMPORT-FORMAT.md and an example row.

A template is marked like every file the application writes (its first line
``OFFICIAL-SENSITIVE``, which the import skips: a filled-in template holds the register), and its
cells follow the same rule as an export's (``exchange.outgoing``).

The files live in ``ncpi_desktop/resources/templates`` so a user (or File > Save extract template)
can copy them; they are generated from the column spec (``extract.TABLES``) and a test keeps them
equal to it, so the templates, the validation and the export cannot drift apart.
"""

from __future__ import annotations

import csv
import io
import shutil
from importlib import resources
from pathlib import Path

from ncpi_desktop.exchange.files import replacing
from ncpi_desktop.exchange.import_format import TABLES, TableSpec
from ncpi_desktop.exchange.outgoing import MARKING_LINE, safe_values

ENCODING = "utf-8-sig"  # the BOM makes Excel read the file as UTF-8


def template_text(spec: TableSpec) -> str:
    """The marking line, the header naming every column, then one example row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([MARKING_LINE])
    writer.writerow(safe_values(spec.column_names))
    writer.writerow(safe_values([c.example for c in spec.columns]))
    return buffer.getvalue()


def template_folder() -> Path:
    """Where the packaged templates are."""
    return Path(str(resources.files("ncpi_desktop"))) / "resources" / "templates"


def write_templates(folder: str | Path) -> list[Path]:
    """Copy the templates into ``folder`` (created if missing; files of the same name are
    replaced, each whole or not at all: ``exchange.files.replacing``) and return the files
    written. Raises ``OSError`` when the folder cannot be written."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in TABLES.values():
        destination = target / spec.filename
        with replacing(destination) as partial:
            shutil.copyfile(template_folder() / spec.filename, partial)
        written.append(destination)
    return written


def regenerate() -> None:
    """Rewrite the packaged templates from the spec (after a change to ``extract.TABLES``)."""
    folder = template_folder()
    folder.mkdir(parents=True, exist_ok=True)
    for spec in TABLES.values():
        (folder / spec.filename).write_bytes(template_text(spec).encode(ENCODING))


if __name__ == "__main__":
    regenerate()
