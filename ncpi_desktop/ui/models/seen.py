"""What the user saw, for the lost-update check (SERVER.md, "No lost update"): the version of each
RSO as the figures on show carry it (the register's ``version`` column), which a named
operation takes as ``seen`` and refuses (``StaleWrite``) if someone changed the RSO since."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

#: The register's column holding each RSO's version (``storage.snapshot``).
VERSION = "version"


def seen_versions(rsos: pd.DataFrame | None, rso_ids: Iterable[str]) -> dict[str, int] | None:
    """rso_id -> version, for the RSOs of ``rso_ids`` the frame ``rsos`` shows; None when the
    frame carries no versions (nothing is then checked)."""
    if rsos is None or VERSION not in rsos.columns or "rso_id" not in rsos.columns:
        return None
    wanted = {str(i) for i in rso_ids}
    rows = rsos.loc[rsos["rso_id"].isin(wanted), ["rso_id", VERSION]]
    return {str(rso_id): int(version)
            for rso_id, version in zip(rows["rso_id"], rows[VERSION], strict=True)
            if pd.notna(version)}


def caseload_seen(rsos: pd.DataFrame | None, manager_id: str) -> list[str] | None:
    """The RSOs ``rsos`` shows with ``manager_id`` (None without a frame)."""
    if rsos is None or "manager_id" not in rsos.columns:
        return None
    return sorted(str(i) for i in rsos.loc[rsos["manager_id"] == manager_id, "rso_id"])
