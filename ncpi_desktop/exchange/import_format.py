"""The extract's format (IMPORT-FORMAT.md): its tables, their columns, and each column's kind,
vocabulary and checks.

``TABLES`` is the single source of truth for the columns: reading and validating an extract
(``exchange.extract``, ``exchange.validate``), the templates and the export all follow it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ncpi_desktop.domain.enums import (
    ArmsOutcome,
    EventType,
    ManagementMode,
    OrderType,
    ReviewGrade,
    RiskLevel,
    Role,
    Sex,
    Status,
    VisitOutcome,
)
from ncpi_desktop.domain.fte import FTE_ABOVE, FTE_AT_MOST

DATE_EXPECTED = "YYYY-MM-DD or DD/MM/YYYY"
YES = ("yes", "y", "true", "1")
NO = ("no", "n", "false", "0")
INDEFINITE = "indefinite"


@dataclass(frozen=True)
class ColumnSpec:
    """One column of IMPORT-FORMAT.md: its kind, whether it is required, and its checks.

    ``kind`` is one of ``text``, ``date``, ``yesno``, ``choice``, ``decimal``, ``whole`` and
    ``date_or_indefinite``. The typed value lands in the database column of the same name (for
    ``date_or_indefinite`` also in ``flag_column``). A ``short`` text is an id or a name: at most
    ``ImportLimits.name_chars`` characters. A ``personal`` column holds what identifies an RSO (a
    name, a date of birth, a neighbourhood, free text about them): a problem with one of its
    values names the file, row and column but never shows the value (SECURITY.md).
    """

    name: str
    kind: str
    required: bool
    example: str
    choices: tuple[str, ...] = ()
    default: Any = None
    unique: bool = False
    references: str | None = None
    not_future: bool = False
    minimum: float | None = None
    maximum: float | None = None
    minimum_exclusive: bool = False
    flag_column: str | None = None
    note: str = ""
    short: bool = False
    personal: bool = False

    @property
    def expected(self) -> str:
        """What a value must look like, as the error messages say it."""
        if self.kind == "date":
            return DATE_EXPECTED
        if self.kind == "date_or_indefinite":
            return f"{DATE_EXPECTED}, or {INDEFINITE}"
        if self.kind == "yesno":
            return "yes, no, y, n, true, false, 1 or 0"
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "decimal":
            low = "<" if self.minimum_exclusive else "<="
            return f"a decimal number, {self.minimum:g} {low} {self.name} <= {self.maximum:g}"
        if self.kind == "whole":
            if self.maximum is None:
                return f"a whole number of at least {self.minimum:g}"
            return f"a whole number from {self.minimum:g} to {self.maximum:g}"
        return "text"


@dataclass(frozen=True)
class TableSpec:
    """One file (or sheet) of the extract and the database table it fills."""

    name: str
    db_table: str
    key: tuple[str, ...]
    required: bool
    columns: tuple[ColumnSpec, ...]

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def personal_columns(self) -> frozenset[str]:
        """Columns whose values no message shows (``ColumnSpec.personal``)."""
        return frozenset(c.name for c in self.columns if c.personal)

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)

    @property
    def db_columns(self) -> list[str]:
        """Database columns this table writes, in spec order."""
        out: list[str] = []
        for column in self.columns:
            out.append(column.name)
            if column.flag_column:
                out.append(column.flag_column)
        return out


def values_of(enum: Iterable[Any]) -> tuple[str, ...]:
    """The values of a vocabulary (an enum of ``domain.enums``), in its order."""
    return tuple(member.value for member in enum)


def _text(name: str, example: str, *, required: bool = True, unique: bool = False,
          references: str | None = None, note: str = "", short: bool = True,
          personal: bool = False) -> ColumnSpec:
    return ColumnSpec(name, "text", required, example, unique=unique, references=references,
                      note=note, short=short, personal=personal)


def _date(name: str, example: str, *, required: bool = True, not_future: bool = False,
          note: str = "", personal: bool = False) -> ColumnSpec:
    return ColumnSpec(name, "date", required, example, not_future=not_future, note=note,
                      personal=personal)


def _choice(name: str, example: str, choices: tuple[str, ...], *, required: bool = True,
            default: str | None = None) -> ColumnSpec:
    return ColumnSpec(name, "choice", required, example, choices=choices, default=default)


TABLES: dict[str, TableSpec] = {
    spec.name: spec for spec in (
        TableSpec("managers", "manager", ("manager_id",), True, (
            _text("manager_id", "OM001", unique=True),
            _text("name", "Alex Example"),
            _text("bcu", "East"),
            _text("team", "East 1"),
            ColumnSpec("fte", "decimal", True, "1", minimum=FTE_ABOVE, maximum=FTE_AT_MOST,
                       minimum_exclusive=True),
            _choice("role", "offender_manager", values_of(Role), required=False,
                    default=Role.OFFENDER_MANAGER.value),
            ColumnSpec("active", "yesno", False, "yes", default=True),
        )),
        TableSpec("offenders", "rso", ("rso_id",), True, (
            _text("rso_id", "R000001", unique=True),
            _text("family_name", "Example", personal=True),
            _text("given_names", "Sam", personal=True),
            _date("date_of_birth", "1970-01-31", not_future=True, personal=True),
            _choice("sex", "male", values_of(Sex)),
            _text("bcu", "East"),
            _text("team", "East 1", required=False,
                  note="with no manager_id, the RSO is pooled in this team"),
            _text("neighbourhood", "Burnley Central", required=False, personal=True),
            _choice("status", "community", values_of(Status)),
            _choice("risk_level", "medium", values_of(RiskLevel), required=False),
            _choice("management", "active", values_of(ManagementMode), required=False,
                    default=ManagementMode.ACTIVE.value),
            _text("manager_id", "OM001", required=False, references="managers"),
            _date("registered_on", "2012-03-14", not_future=True),
            _date("community_since", "2012-03-14", required=False, not_future=True),
            ColumnSpec("notification_ends", "date_or_indefinite", False, "indefinite",
                       flag_column="notification_indefinite"),
            ColumnSpec("visit_interval_months", "whole", False, "3", minimum=1, maximum=24),
            _text("visit_interval_reason", "Risk management plan, 2017 review", required=False,
                  short=False, personal=True),
            _date("last_concern_on", "2014-06-30", required=False, not_future=True),
            ColumnSpec("paper_records_only", "yesno", False, "no", default=False),
            # Notification (DOMAIN.md rule 13): the initial notification (s.83), the latest
            # (s.85), and for an RSO in custody the expected release (the example is in the
            # community, so its release is blank).
            _date("first_notified_on", "2012-03-17", required=False, not_future=True),
            _date("last_notified_on", "2017-03-10", required=False, not_future=True),
            _date("expected_release_on", "", required=False,
                  note="only for an RSO in custody; may be in the future"),
        )),
        TableSpec("visits", "visit", ("visit_id",), False, (
            _text("visit_id", "V0000001", unique=True),
            _text("rso_id", "R000001", references="offenders"),
            _date("visited_on", "2017-06-01", not_future=True),
            _choice("outcome", "completed", values_of(VisitOutcome)),
            ColumnSpec("officers", "whole", False, "2", default=2, minimum=1),
        )),
        TableSpec("arms", "arms", ("rso_id", "completed_on"), False, (
            _text("rso_id", "R000001", references="offenders"),
            _date("completed_on", "2017-05-02", not_future=True),
            _choice("outcome", "low", values_of(ArmsOutcome)),
        )),
        TableSpec("orders", "civil_order", ("order_id",), False, (
            _text("order_id", "O00001", unique=True),
            _text("rso_id", "R000001", references="offenders"),
            _choice("type", "SHPO", values_of(OrderType)),
            _date("starts_on", "2015-09-01"),
            _date("ends_on", "2020-09-01", required=False),
        )),
        TableSpec("events", "event", ("event_id",), False, (
            _text("event_id", "E00001", unique=True),
            _text("rso_id", "R000001", references="offenders"),
            _choice("type", "disclosure_enquiry", values_of(EventType)),
            _date("occurred_on", "2017-09-01", not_future=True),
            ColumnSpec("child_at_risk", "yesno", False, "yes", default=False),
        )),
        TableSpec("referrals", "referral", ("referral_id",), False, (
            _text("referral_id", "F00001", unique=True),
            _text("rso_id", "R000001", references="offenders"),
            _date("referred_on", "2017-09-02", not_future=True),
            _text("referred_to", "children's social care"),
        )),
        # Quality assurance (DOMAIN.md rule 15): supervisors' case reviews and their actions.
        TableSpec("reviews", "case_review", ("review_id",), False, (
            _text("review_id", "QR0001", unique=True),
            _text("rso_id", "R000001", references="offenders"),
            _date("reviewed_on", "2017-09-04", not_future=True),
            _text("reviewer", "supervisor.east1"),
            _choice("grade", "requires_improvement", values_of(ReviewGrade)),
            _text("findings", "Visits late; plan not updated", short=False, personal=True),
        )),
        TableSpec("review_actions", "review_action", ("action_id",), False, (
            _text("action_id", "QA0001", unique=True),
            _text("review_id", "QR0001", references="reviews"),
            _text("text", "Update the risk management plan", short=False, personal=True),
            _text("owner", "DC Example"),
            _date("due_on", "2017-10-04"),
            _date("done_on", "2017-10-02", required=False, not_future=True),
        )),
    )
}

#: Which key a reference column must match: the table's one-column key.
REFERENCED_KEY = {"managers": "manager_id", "offenders": "rso_id", "reviews": "review_id"}
