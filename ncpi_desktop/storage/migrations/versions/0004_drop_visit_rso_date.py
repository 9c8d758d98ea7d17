"""drop the visit index the covering one makes redundant

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

``ix_visit_rso_date`` (rso_id, visited_on) is the leading part of ``ix_visit_rso_date_covering``
(0003), which answers every query the first did: keeping both only slows writing visits.
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_rso_date")


def downgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.create_index("ix_visit_rso_date", ["rso_id", "visited_on"], unique=False)
