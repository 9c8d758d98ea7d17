"""Extract templates: every column of IMPORT-FORMAT.md, an example row that imports cleanly, and
both copies (the package's, and the repository's top-level ``resources/templates``) equal to what
the column spec generates."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from extract_files import new_database

from ncpi_desktop.exchange.extract import TABLES, read_extract
from ncpi_desktop.exchange.importer import import_extract
from ncpi_desktop.exchange.templates import (
    ENCODING,
    template_folder,
    template_text,
    write_templates,
)
from ncpi_desktop.exchange.validate import validate_extract

#: The columns of IMPORT-FORMAT.md, in its order: the contract the spec implements.
IMPORT_FORMAT = {
    "managers": ["manager_id", "name", "bcu", "team", "fte", "role", "active"],
    "offenders": ["rso_id", "family_name", "given_names", "date_of_birth", "sex", "bcu", "team",
                  "neighbourhood", "status", "risk_level", "management", "manager_id",
                  "registered_on", "community_since", "notification_ends",
                  "visit_interval_months", "visit_interval_reason", "last_concern_on",
                  "paper_records_only", "first_notified_on", "last_notified_on",
                  "expected_release_on"],
    "visits": ["visit_id", "rso_id", "visited_on", "outcome", "officers"],
    "arms": ["rso_id", "completed_on", "outcome"],
    "orders": ["order_id", "rso_id", "type", "starts_on", "ends_on"],
    "events": ["event_id", "rso_id", "type", "occurred_on", "child_at_risk"],
    "referrals": ["referral_id", "rso_id", "referred_on", "referred_to"],
    "reviews": ["review_id", "rso_id", "reviewed_on", "reviewer", "grade", "findings"],
    "review_actions": ["action_id", "review_id", "text", "owner", "due_on", "done_on"],
}


def test_the_spec_has_every_column_of_the_import_format():
    assert {name: spec.column_names for name, spec in TABLES.items()} == IMPORT_FORMAT
    required = {name: [c.name for c in spec.columns if c.required]
                for name, spec in TABLES.items()}
    assert required["offenders"] == ["rso_id", "family_name", "given_names", "date_of_birth",
                                     "sex", "bcu", "status", "registered_on"]
    assert [n for n, s in TABLES.items() if s.required] == ["managers", "offenders"]


@pytest.mark.parametrize("name", list(TABLES))
def test_the_packaged_template_is_what_the_spec_generates(name):
    data = (template_folder() / f"{name}.csv").read_bytes()
    assert data.decode(ENCODING) == template_text(TABLES[name]), (
        "run python -m ncpi_desktop.exchange.templates to regenerate")
    rows = list(csv.reader(data.decode(ENCODING).splitlines()))
    assert rows[0] == ["OFFICIAL-SENSITIVE"]  # the marking line, which the import skips
    assert rows[1] == IMPORT_FORMAT[name] and len(rows) == 3


#: The copy at the top of the repository (issue 5: the templates "live in resources/").
REPOSITORY_TEMPLATES = Path(__file__).resolve().parents[2] / "resources" / "templates"


@pytest.mark.parametrize("name", list(TABLES))
def test_the_repository_copy_is_what_the_spec_generates(name):
    data = (REPOSITORY_TEMPLATES / f"{name}.csv").read_bytes()
    assert data.decode(ENCODING) == template_text(TABLES[name]), (
        "run python -m ncpi_desktop.exchange.templates, then "
        "cp ncpi_desktop/resources/templates/*.csv resources/templates/")


def test_the_two_copies_hold_the_same_files():
    def files(folder: Path) -> list[str]:
        return sorted(p.name for p in folder.iterdir() if p.is_file())

    assert files(REPOSITORY_TEMPLATES) == files(template_folder()) == sorted(
        spec.filename for spec in TABLES.values())


def test_write_templates_copies_the_five_files(tmp_path):
    written = write_templates(tmp_path / "new folder")
    assert sorted(p.name for p in written) == sorted(f"{n}.csv" for n in TABLES)
    for path in written:
        assert path.read_bytes() == (template_folder() / path.name).read_bytes()


def test_the_templates_are_a_valid_extract(tmp_path):
    valid, issues = validate_extract(read_extract(template_folder()))
    assert issues == []
    engine = new_database(tmp_path / "db.sqlite3")
    result = import_extract(engine, write_templates(tmp_path / "t")[0].parent, actor="t")
    assert result.written and all(c.added == 1 for c in result.counts.values())
    engine.dispose()
