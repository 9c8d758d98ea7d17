"""manager absence

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "manager_absence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("returned_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["manager_id"], ["manager.manager_id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("manager_absence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_manager_absence_manager_id"), ["manager_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("manager_absence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_manager_absence_manager_id"))
    op.drop_table("manager_absence")
