"""offline copies: the changes a source has applied from them (SERVER.md, "Offline laptops")

One row per change (or view) a laptop's offline copy sent and the source applied, written in the
same transaction as the change itself: a sync run twice, or resumed after being killed, finds
what it already applied here and applies nothing twice. The copy's own tables (its source, its
journal of changes and views) are made only in the copy (``storage.offline.copy``).

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-05
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "offline_applied",
        sa.Column("change_uuid", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("copy_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("change_uuid"),
    )


def downgrade() -> None:
    op.drop_table("offline_applied")
