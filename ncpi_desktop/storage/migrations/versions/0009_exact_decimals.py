"""exact decimals: an FTE stored to four decimal places, the same on both databases

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-05

PostgreSQL kept FTEs as ``double precision``; they become ``numeric(9, 4)``, which holds the
digits themselves. SQLite keeps a double (its ``NUMERIC`` is one too): each is rounded to the
four places, the double nearest those digits, which reads back as them. New values are rounded
on the way in (``storage.models.ExactDecimal``), and the analysis sums FTEs in ten-thousandths,
so a force's FTE is the same to the last digit whichever database and row order it comes from.
Policy values are not summed and keep their doubles, the same on both.
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

DECIMALS = 4


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("manager", "fte", type_=sa.Numeric(9, DECIMALS),
                        postgresql_using=f"round(fte::numeric, {DECIMALS})")
    else:
        # No rebuild (which would drop migration 0005's triggers): the column stays a double.
        op.execute(f"UPDATE manager SET fte = round(fte, {DECIMALS}) "
                   f"WHERE fte <> round(fte, {DECIMALS})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("manager", "fte", type_=sa.Float(),
                        postgresql_using="fte::double precision")
