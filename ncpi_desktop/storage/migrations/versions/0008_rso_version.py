"""rso version: a counter every named operation moves, for the lost-update check

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05

Each named operation adds one to the ``version`` of every RSO it writes, in its own transaction
(storage.operations.guard); a window carries the versions it read and an operation refuses a
write to an RSO whose version has moved since (a lost update, SERVER.md). A plain ``ADD COLUMN``
(not a table copy), so that SQLite keeps the register tables' triggers (migration 0005).
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("rso", sa.Column("version", sa.Integer(), nullable=False,
                                   server_default=sa.text("0")))


def downgrade() -> None:
    op.drop_column("rso", "version")  # SQLite 3.35+: in place, keeping the table's triggers
