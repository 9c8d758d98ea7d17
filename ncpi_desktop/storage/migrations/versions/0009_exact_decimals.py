"""exact decimals: an FTE stored as the digits given, the same figures on both databases

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05

PostgreSQL kept FTEs as ``double precision``; they become ``numeric``, which keeps the digits
it is given (converted through the double's shortest text, so no digit is lost or added). SQLite
keeps its double (its ``NUMERIC`` is one too): nothing to change there. Both then hand back the
same floats (``storage.models.ExactDecimal``), and the analysis sums them exactly
(``analysis.caseload.exact_sum``), so a force's FTE is the same to the last digit whichever
database, and whichever order of rows, it comes from. Policy values are not summed; they keep
their doubles, the same on both.
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("manager", "fte", type_=sa.Numeric(),
                        postgresql_using="fte::text::numeric")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("manager", "fte", type_=sa.Float(),
                        postgresql_using="fte::double precision")
