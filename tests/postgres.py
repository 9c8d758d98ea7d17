"""A throwaway PostgreSQL server for tests: initdb + pg_ctl in a temp dir, as user postgres.

``server()`` trusts every connection; ``server(password=...)`` checks passwords (SCRAM), as a
shared server does, with ``password`` the owner's (postgres)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available() -> str | None:
    """Why a server cannot be started here, or None when it can."""
    if _bin_dir() is None:
        return "PostgreSQL server binaries are not installed"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "runuser is needed to start PostgreSQL as root"
    return None


@contextmanager
def server(password: str | None = None) -> Iterator[str]:
    """Start a server on a free loopback port; yield a SQLAlchemy URL; stop and remove it.
    With ``password``, connections sign in by password (SCRAM-SHA-256), postgres with this."""
    bin_dir = _bin_dir()
    assert bin_dir is not None
    root = Path(tempfile.mkdtemp(prefix="ncpi-pg-"))
    data = root / "data"
    port = _free_port()
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=60)

    if password is None:
        run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    else:
        secret = root / "pwfile"
        secret.write_text(password + "\n")
        if as_user:
            shutil.chown(secret, "postgres")
        run(str(bin_dir / "initdb"), "-D", str(data), "-A", "scram-sha-256", "-U", "postgres",
            f"--pwfile={secret}")
        secret.unlink()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root}"
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l",
        str(root / "log"), "start")
    try:
        run(*([] if password is None else ["env", f"PGPASSWORD={password}"]),
            str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
            "ncpi")
        owner = "postgres" if password is None else f"postgres:{password}"
        yield f"postgresql+psycopg://{owner}@127.0.0.1:{port}/ncpi"
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)
