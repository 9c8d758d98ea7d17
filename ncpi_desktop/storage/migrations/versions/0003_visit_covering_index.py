"""visit covering index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

The per-RSO visit facts (storage.history.load_visits) seek each RSO's latest completed visit and
read its visits from then on: with outcome and officers in the index, SQLite answers from the
index alone instead of reading each visit's row.
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.create_index("ix_visit_rso_date_covering",
                              ["rso_id", "visited_on", "outcome", "officers"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_rso_date_covering")
