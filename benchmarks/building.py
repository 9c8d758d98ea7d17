"""Each profile's demo database under ``bench-out/``: built in a fresh process, measured, and
reused while the code it is made from is unchanged; and the ``Context`` every benchmark is
given (the profile, its database, the measurements shared between rows)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from common import ROOT, RUN, run_measured
from table import BUILD_SECONDS, Row

PROFILES = ("lancashire-2017", "national")


@dataclass
class Context:
    """One profile's database and what has been measured on it so far. ``db`` is the demo as
    ``ncpi-desktop demo`` builds it (encrypted) until ``build_database`` has made its plain copy
    (the same data, unencrypted), which the other benchmarks then read; ``encrypted`` is the
    demo itself, which ``bench_encryption`` measures beside the copy."""

    profile: str
    db: Path
    rebuild: bool
    encrypted: Path | None = None
    as_at: date | None = None
    cache: dict[str, Any] = field(default_factory=dict)

    def measurement(self) -> dict[str, Any]:
        """Load, analysis and sorts, measured once in a fresh process and shared by the rows."""
        if "measure" not in self.cache:
            result = run_measured([sys.executable, str(RUN), "--measure", str(self.db),
                                   self.as_at.isoformat() if self.as_at else ""])
            if result.status != 0:
                self.cache["measure"] = {"error": result.stderr.strip().splitlines()[-1:]}
            else:
                self.cache["measure"] = json.loads(result.stdout) | {"peak_mb": result.peak_mb}
        return self.cache["measure"]


def _demo_fingerprint() -> str:
    """A digest of the code a demo database is made from: change it and the database is stale."""
    package = ROOT / "ncpi_desktop"
    sources = sorted([*package.glob("demo/**/*.py"), package / "storage" / "models.py",
                      *package.glob("storage/migrations/versions/*.py")])
    digest = hashlib.sha256()
    for path in sources:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_database(ctx: Context) -> list[Row]:
    """Build the profile's demo database, or reuse the one built before from the same code."""
    record = ctx.db.with_suffix(".build.json")
    fingerprint = _demo_fingerprint()
    stale = (not ctx.db.exists() or not record.exists()
             or json.loads(record.read_text()).get("code") != fingerprint)
    if ctx.rebuild or stale:
        ctx.db.unlink(missing_ok=True)
        ctx.db.with_name(ctx.db.name + ".keys").unlink(missing_ok=True)
        ctx.db.parent.mkdir(parents=True, exist_ok=True)
        result = run_measured([sys.executable, "-m", "ncpi_desktop", "demo", "--profile",
                               ctx.profile, "--db", str(ctx.db)])
        if result.status != 0:
            raise SystemExit(f"building {ctx.profile} failed:\n{result.stderr}")
        record.write_text(json.dumps({"seconds": result.seconds, "cpu": result.cpu_seconds,
                                      "peak_mb": result.peak_mb,
                                      "built_on": date.today().isoformat(),
                                      "code": fingerprint,
                                      "counts": result.stdout.strip()}))
        note = f"CPU {result.cpu_seconds:.1f} s; {result.stdout.strip()}"
    else:
        note = f"reused, built {json.loads(record.read_text())['built_on']} (--rebuild to redo)"
    built = json.loads(record.read_text())
    plain = ctx.db.with_name(ctx.db.stem + "-plain.sqlite3")
    if not plain.exists() or plain.stat().st_mtime < record.stat().st_mtime:
        plain_copy(ctx.db, plain)
    ctx.encrypted, ctx.db = ctx.db, plain
    ctx.as_at = _as_at_of(ctx.db)
    return [Row(ctx.profile, "build demo database", built["seconds"], "s",
                BUILD_SECONDS.get(ctx.profile), note),
            Row(ctx.profile, "build peak memory", built["peak_mb"], "MB")]


def plain_copy(encrypted: Path, plain: Path) -> Path:
    """An unencrypted copy of the encrypted demo ``encrypted`` (SQLCipher's export, as the
    demo's manager unlocks it): the same pages' data, for the figures measured on a plain file."""
    from sqlcipher3 import dbapi2

    from ncpi_desktop.storage.keys import KeyFile, keys_path

    keyfile = KeyFile.load(keys_path(encrypted))
    key = keyfile.unlock_with("manager", keyfile.kek_for("manager", "demo-password"))
    plain.unlink(missing_ok=True)
    plain.touch(mode=0o600)  # owner-only, as the application makes its files
    connection = dbapi2.connect(str(encrypted))
    try:
        connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        connection.execute("ATTACH DATABASE ? AS plain KEY ''", (str(plain),))
        connection.execute("SELECT sqlcipher_export('plain')")
        connection.execute("DETACH DATABASE plain")
    finally:
        connection.close()
    return plain


def _as_at_of(db: Path) -> date:
    """The date the demo register is as at (recorded by the build in the audit)."""
    with sqlite3.connect(db) as connection:
        row = connection.execute(
            "SELECT detail FROM audit WHERE operation = 'build demo' ORDER BY id DESC").fetchone()
    return date.fromisoformat(json.loads(row[0])["after"]["as_at"]) if row else date.today()
