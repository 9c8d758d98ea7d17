"""The README and docs/ are what a user has: they point only inside the repository (a user has no
``shared/`` folder), and every file they link to is there."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#]+)(?:#[^)]*)?\)")


def test_the_docs_never_send_a_user_to_shared():
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        assert "shared/" not in text and "](../" not in text, doc.name


def test_every_linked_file_is_in_the_repository():
    for doc in DOCS:
        for target in LINK.findall(doc.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            assert (doc.parent / target).exists(), f"{doc.name} links {target}"


def test_the_contracts_users_rely_on_are_in_docs():
    for name in ("ARCHITECTURE.md", "IMPORT-FORMAT.md", "REPORT-JSON.md"):
        assert (ROOT / "docs" / name).is_file()
