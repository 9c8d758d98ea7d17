"""The frame behind the Register page: every RSO of ``Figures.rsos`` (all statuses), searchable
by id, name, neighbourhood and manager, filtered by status, management and flag, with a "What to
fix" sentence for each data-quality flag.

Pure pandas and numpy (the ``Column`` specs only name the columns shown), so it is tested without
a screen. ``RegisterFrame`` is built once per ``Figures``: it keeps the shown rows and one
case-folded search text per RSO, so a search is one vectorised ``str.contains`` (without a
regular expression) over 100,000 texts, then one per further word over the rows still matching.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.figures import RSO_FLAG_TITLES, flag_title
from ncpi_desktop.analysis.flags import flag_column, flag_names, why_column
from ncpi_desktop.domain.enums import MANAGEMENT_ORDER, STATUS_ORDER, Status
from ncpi_desktop.formats import Kind
from ncpi_desktop.ui.models.frames import MANAGER, RISK, RSO_ID, RSO_NAME, TEAM, rso_rows
from ncpi_desktop.ui.models.table_model import Column

#: The RSO flags about the record itself rather than the RSO's management: what a data-quality
#: check lists (``analysis.figures._data_quality_flags``).
DATA_QUALITY_FLAGS: tuple[str, ...] = ("no_risk_level", "paper_records_only")

#: What to do about each data-quality flag: one sentence, shown in the "What to fix" column.
WHAT_TO_FIX: dict[str, str] = {
    "no_risk_level": "Record a risk level in the force's system, then import the next extract.",
    "paper_records_only": "Enter the paper file in the force's system; mark it not paper-only "
                          "in the next extract.",
}

#: The flag filter's choices besides one flag by name.
ANY_FLAG = "any"
ANY_DATA_QUALITY = "data_quality"
#: The frame's flag marking the "What to fix" cell: raised with any data-quality flag, its why
#: each such flag's why followed by what to fix (the cell's tooltip, when the column is narrow).
FIX_FLAG = "to_fix"

#: Separates the searched fields of an RSO, so a search never matches across two of them.
SEPARATOR = "\x1f"

REGISTER_COLUMNS = [
    RSO_ID, RSO_NAME,
    Column("status", "Status", Kind.LABEL, order=STATUS_ORDER),
    RISK,
    Column("management", "Management", Kind.LABEL, order=MANAGEMENT_ORDER),
    MANAGER, TEAM,
    Column("bcu", "BCU"),
    Column("neighbourhood", "Neighbourhood"),
    Column("what_to_fix", "What to fix", flags=(FIX_FLAG,),
           header_tip="For a data-quality flag (no risk level, paper records only): what to "
                      "correct in the record"),
    Column("flag_text", "Flags", flags=tuple(RSO_FLAG_TITLES),
           header_tip="Every flag raised on the RSO; hover a flagged cell for why"),
]


@dataclass(frozen=True)
class RegisterChoice:
    """What the register lists besides the scope: a search text and three filters (None: all).

    ``flag`` is a flag's name, ``ANY_FLAG`` or ``ANY_DATA_QUALITY``."""

    text: str = ""
    status: str | None = None
    management: str | None = None
    flag: str | None = None


def _text(values: pd.Series) -> np.ndarray:
    return values.astype(object).fillna("").to_numpy(object)


def search_texts(rsos: pd.DataFrame) -> pd.Series:
    """Per RSO, the case-folded text a search looks in: the id, the name both ways round
    ("family, given" as lists show it, and "given family"), the neighbourhood, and the
    manager's name and id, separated by ``SEPARATOR``."""
    family, given = _text(rsos["family_name"]), _text(rsos["given_names"])
    parts = [_text(rsos["rso_id"]), family + ", " + given, given + " " + family]
    for column in ("neighbourhood", "manager_name", "manager_id"):
        if column in rsos.columns:
            parts.append(_text(rsos[column]))
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + SEPARATOR + part
    return pd.Series(joined, index=rsos.index, dtype=object).str.casefold()


def query_words(text: str) -> list[str]:
    """The words of a search, case-folded: an RSO matches when its text holds every one."""
    return text.casefold().split()


def search_mask(texts: pd.Series, text: str) -> np.ndarray:
    """Rows of ``texts`` (``search_texts``) holding every word of ``text``, as plain text (no
    pattern); every row for a blank search. Each word after the first is looked for only in the
    rows still matching."""
    keep = np.ones(len(texts), dtype=bool)
    rows = np.arange(len(texts))
    values = texts
    for word in query_words(text):
        hits = values.str.contains(word, regex=False).to_numpy(dtype=bool, na_value=False)
        rows = rows[hits]
        values = values[hits]
        if not len(rows):
            break
    if query_words(text):
        keep[:] = False
        keep[rows] = True
    return keep


def flag_texts(rsos: pd.DataFrame, names: list[str]) -> np.ndarray:
    """Per RSO, the titles of its raised flags among ``names``, joined by "; "."""
    out = np.full(len(rsos), "", dtype=object)
    for name in names:
        raised = rsos[flag_column(name)].to_numpy(bool)
        if raised.any():
            title = flag_title(name)
            out[raised] = np.where(out[raised] == "", title, out[raised] + "; " + title)
    return out


def what_to_fix(rsos: pd.DataFrame, *, why: bool = False) -> np.ndarray:
    """Per RSO, the ``WHAT_TO_FIX`` sentence of each data-quality flag it has, joined by a
    space ("" with none); with ``why``, each preceded by the flag's why, one flag a line."""
    out = np.full(len(rsos), "", dtype=object)
    for name in DATA_QUALITY_FLAGS:
        if flag_column(name) not in rsos.columns:
            continue
        raised = rsos[flag_column(name)].to_numpy(bool)
        if raised.any():
            sentence = np.full(int(raised.sum()), WHAT_TO_FIX[name], dtype=object)
            if why:
                sentence = rsos[why_column(name)].to_numpy(object)[raised] + ". " + sentence
            joiner = "\n" if why else " "
            out[raised] = np.where(out[raised] == "", sentence, out[raised] + joiner + sentence)
    return out


class RegisterFrame:
    """Every RSO of one ``Figures.rsos`` as the register lists them, and their search texts;
    ``rows(choice, scope)`` the rows one choice lists."""

    def __init__(self, rsos: pd.DataFrame) -> None:
        rsos = rsos.reset_index(drop=True)
        present = [n for n in RSO_FLAG_TITLES if flag_column(n) in rsos.columns]
        #: The flags of the frame, in ``RSO_FLAG_TITLES`` order (then any other).
        self.flags: list[str] = present + [n for n in flag_names(rsos) if n not in present]
        extra = ["manager_id", "management", *(flag_column(n) for n in self.flags),
                 *(why_column(n) for n in self.flags)]
        rows = rso_rows(rsos, REGISTER_COLUMNS, extra=[c for c in extra if c in rsos.columns])
        rows["flag_text"] = flag_texts(rsos, self.flags)
        rows["what_to_fix"] = what_to_fix(rsos)
        rows[flag_column(FIX_FLAG)] = rows["what_to_fix"].to_numpy(object) != ""
        rows[why_column(FIX_FLAG)] = what_to_fix(rsos, why=True)
        self.frame: pd.DataFrame = rows
        self.texts: pd.Series = search_texts(rsos)
        self._quality = self._any_of([n for n in DATA_QUALITY_FLAGS if n in self.flags])
        self._flagged = self._any_of(self.flags)

    def __len__(self) -> int:
        return len(self.frame)

    def _any_of(self, names: list[str]) -> np.ndarray:
        keep = np.zeros(len(self.frame), dtype=bool)
        for name in names:
            keep |= self.frame[flag_column(name)].to_numpy(bool)
        return keep

    def flag_mask(self, flag: str | None) -> np.ndarray:
        """Rows with ``flag`` raised (a name, ``ANY_FLAG``, ``ANY_DATA_QUALITY``; None: all)."""
        if flag is None:
            return np.ones(len(self.frame), dtype=bool)
        if flag == ANY_FLAG:
            return self._flagged
        if flag == ANY_DATA_QUALITY:
            return self._quality
        if flag not in self.flags:
            return np.zeros(len(self.frame), dtype=bool)
        return self.frame[flag_column(flag)].to_numpy(bool)

    def mask(self, choice: RegisterChoice, scope: np.ndarray | None = None) -> np.ndarray:
        """Rows listed for ``choice`` within ``scope`` (a mask over the frame, None: all)."""
        keep = np.ones(len(self.frame), dtype=bool) if scope is None else scope.copy()
        for column, value in (("status", choice.status), ("management", choice.management)):
            if value is not None:
                keep &= (self.frame[column] == value).to_numpy(dtype=bool, na_value=False)
        if choice.flag is not None:
            keep &= self.flag_mask(choice.flag)
        if query_words(choice.text):
            # Search only the rows the filters kept.
            rows = np.flatnonzero(keep)
            found = search_mask(self.texts.iloc[rows], choice.text)
            keep[:] = False
            keep[rows[found]] = True
        return keep

    def rows(self, choice: RegisterChoice, scope: np.ndarray | None = None) -> pd.DataFrame:
        """The rows listed for ``choice`` within ``scope``, in the frame's order."""
        keep = self.mask(choice, scope)
        return self.frame if keep.all() else self.frame[keep]

    def counts(self, keep: np.ndarray) -> dict[str, int]:
        """Within ``keep``: RSOs, in the community, flagged, and with each data-quality flag."""
        community = (self.frame["status"] == Status.COMMUNITY).to_numpy(dtype=bool, na_value=False)
        counts = {"rsos": int(keep.sum()), "community": int((keep & community).sum()),
                  "flagged": int((keep & self._flagged).sum()),
                  "data_quality": int((keep & self._quality).sum())}
        for name in DATA_QUALITY_FLAGS:
            counts[name] = int((keep & self.flag_mask(name)).sum())
        return counts
