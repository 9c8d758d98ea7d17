"""What a user may see of the register (SECURITY.md): the figures cut to the user.

Every page and every export is handed ``cut_to(user, figures)``, never the figures as read: an
RSO outside the user's name scope has no family name, given names or date of birth in any frame
of it (and no neighbourhood when it lies outside the user's scope), so no page, model or file
made from them can show one by accident. Counts, flags and every other figure stay: an offender
manager sees their own RSOs' names but everyone's figures; an analyst or an administrator
(without another role) sees RSOs by id alone.

The scope rules are ``domain.security``'s (``in_scope``, ``sees_names``), applied to whole
columns at once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.domain.security import (
    NotPermitted,
    Operation,
    ScopeKind,
    User,
    require,
    sees_names,
)
from ncpi_desktop.storage.snapshot import Snapshot

#: The columns of an RSO frame that name a person or say when they were born: blanked for an
#: RSO whose name the user may not see.
NAME_COLUMNS = ("family_name", "given_names", "rso_name", "display_name", "full_name",
                "date_of_birth",
                # free text written about the RSO, which may name them or their family
                "management_reason", "visit_interval_reason")
#: Blanked for an RSO outside the user's scope.
PLACE_COLUMNS = ("neighbourhood",)

#: Which column of an RSO frame says where the RSO is, for each kind of scope (the first one
#: present is used): the RSO's own BCU, as storage's checks read it, else the holder's.
_SCOPE_COLUMNS: dict[ScopeKind, tuple[str, ...]] = {
    ScopeKind.BCU: ("home_bcu", "bcu"),
    ScopeKind.TEAM: ("team",),
    ScopeKind.CASELOAD: ("manager_id",),
    ScopeKind.NEIGHBOURHOOD: ("neighbourhood",),
}


def scope_mask(user: User, frame: pd.DataFrame) -> pd.Series:
    """Per row of the RSO frame ``frame``: the RSO lies inside the user's scope (whatever their
    roles). A frame without the column the scope needs is judged outside (nothing is shown
    that cannot be shown to belong)."""
    if user.scope.kind is ScopeKind.FORCE:
        return pd.Series(True, index=frame.index)
    column = next((c for c in _SCOPE_COLUMNS[user.scope.kind] if c in frame.columns), None)
    if column is None:
        return pd.Series(False, index=frame.index)
    return frame[column].isin(list(user.scope.values)).fillna(False).astype(bool)


def name_mask(user: User, frame: pd.DataFrame) -> pd.Series:
    """Per row of the RSO frame ``frame``: the user may see that RSO's name and date of birth
    (a role that sees names, and the RSO in the user's scope)."""
    if not sees_names(user):
        return pd.Series(False, index=frame.index)
    return scope_mask(user, frame)


def _blank(frame: pd.DataFrame, shown: np.ndarray, columns: tuple[str, ...]) -> pd.DataFrame:
    """``frame`` with ``columns`` blank (NA) on the rows not ``shown``; the other columns are
    shared, not copied."""
    present = [c for c in columns if c in frame.columns]
    if not present or shown.all():
        return frame
    out = frame.copy(deep=False)
    for column in present:
        out[column] = frame[column].where(shown)
    return out


@dataclass(frozen=True)
class _Shown:
    """Per row of a snapshot's register: whether the user may see the RSO's name, and its
    place. Every RSO frame is matched to those rows through the snapshot's own index of rso_ids
    (hashed once per snapshot), so a frame costs one lookup, not a comparison of strings."""

    snapshot: Snapshot
    names: np.ndarray
    places: np.ndarray

    def cut(self, frame: pd.DataFrame) -> pd.DataFrame:
        """An RSO frame (one with ``rso_id``) cut: an RSO not in the register is shown by id."""
        if ("rso_id" not in frame.columns or frame.empty
                or not any(c in frame.columns for c in NAME_COLUMNS + PLACE_COLUMNS)):
            return frame
        if frame is self.snapshot.rsos:
            rows = np.arange(len(frame))
        else:
            rows = self.snapshot.rso_rows(frame["rso_id"])
        known = rows >= 0
        at = np.where(known, rows, 0)
        frame = _blank(frame, known & self.names[at], NAME_COLUMNS)
        return _blank(frame, known & self.places[at], PLACE_COLUMNS)


def _shown(user: User, figures: Figures) -> _Shown | None:
    """What ``user`` may see of ``figures``' RSOs, judged on ``figures.rsos`` (one row per
    RSO); None when they may see every name and place."""
    rsos, snapshot = figures.rsos, figures.snapshot
    if "rso_id" not in rsos.columns:
        return _Shown(snapshot, np.zeros(len(snapshot.rsos), bool),
                      np.zeros(len(snapshot.rsos), bool))
    names = name_mask(user, rsos).to_numpy(bool)
    places = scope_mask(user, rsos).to_numpy(bool)
    if names.all() and places.all():
        return None
    rows = snapshot.rso_rows(rsos["rso_id"])
    known = rows >= 0
    by_row = np.zeros((2, len(snapshot.rsos)), bool)  # an RSO of no row of rsos: by id alone
    by_row[0, rows[known]] = names[known]
    by_row[1, rows[known]] = places[known]
    return _Shown(snapshot, by_row[0], by_row[1])


def cut_to(user: User, figures: Figures) -> Figures:
    """``figures`` as ``user`` may see them: in every RSO frame (the per-RSO figures, the order
    register, the snapshot's register and any frame of its ``extra``), the name columns and
    date of birth of each RSO outside the user's name scope are blank, and its neighbourhood
    when it is outside the user's scope. Every count and flag is as before."""
    shown = _shown(user, figures)
    if shown is None:
        return figures  # a user who may see every name: nothing to cut
    snapshot = dataclasses.replace(
        figures.snapshot, rsos=shown.cut(figures.snapshot.rsos),
        extra={key: shown.cut(frame) for key, frame in figures.snapshot.extra.items()})
    return dataclasses.replace(figures, snapshot=snapshot, rsos=shown.cut(figures.rsos),
                               orders=shown.cut(figures.orders))


def cut_rows(user: User, figures: Figures | None, frame: pd.DataFrame) -> pd.DataFrame:
    """An RSO frame read beside the figures (an allocation history, the RSOs on cover), cut to
    the user as ``cut_to`` cuts the figures: each row by its RSO's row of ``figures`` (an RSO
    not in them is shown by id alone)."""
    if figures is None:
        shown = np.zeros(len(frame), bool)
        return _blank(_blank(frame, shown, NAME_COLUMNS), shown, PLACE_COLUMNS)
    found = _shown(user, figures)
    return frame if found is None else found.cut(frame)


#: Free text of an RSO's records that could name them (a reason for a move or a decision):
#: blank for an RSO whose name the user may not see.
FREE_TEXT_COLUMNS = ("reason",)


def cut_records(user: User, figures: Figures | None, rso_id: str,
                records: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """One RSO's records (what the detail panel lists) as ``user`` may see them: for an RSO
    outside the user's name scope (judged on its row of ``figures``; an RSO not in them is
    outside), their free text is blank."""
    rows = figures.rsos[figures.rsos["rso_id"] == rso_id] if figures is not None else None
    if rows is not None and len(rows) and bool(name_mask(user, rows).all()):
        return records
    return {name: _blank(frame, np.zeros(len(frame), bool), FREE_TEXT_COLUMNS)
            for name, frame in records.items()}


#: Operations that hand over the whole register, names and all (the extract): only for a user
#: whose scope is the force, as a cut extract would not read back as the register it came from.
WHOLE_REGISTER = frozenset({Operation.EXPORT_EXTRACT})


def require_whole_register(user: User, operation: Operation) -> None:
    """``require(user, operation)``, and for an operation of ``WHOLE_REGISTER`` a scope of the
    whole force: ``NotPermitted`` naming the rule otherwise."""
    require(user, operation)
    if operation in WHOLE_REGISTER and user.scope.kind is not ScopeKind.FORCE:
        raise NotPermitted(f"{user} may not {operation.value}: it holds the whole register "
                           f"(scope: {user.scope})")
