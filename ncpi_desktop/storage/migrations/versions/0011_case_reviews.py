"""case reviews and their actions (DOMAIN.md rule 15)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "case_review",
        sa.Column("review_id", _TEXT(), nullable=False),
        sa.Column("rso_id", _TEXT(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("reviewer", _TEXT(), nullable=False),
        sa.Column("grade", _TEXT(), nullable=False),
        sa.Column("findings", _TEXT(), nullable=False),
        sa.ForeignKeyConstraint(["rso_id"], ["rso.rso_id"]),
        sa.PrimaryKeyConstraint("review_id"),
    )
    with op.batch_alter_table("case_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_review_rso_id"), ["rso_id"], unique=False)
    op.create_table(
        "review_action",
        sa.Column("action_id", _TEXT(), nullable=False),
        sa.Column("review_id", _TEXT(), nullable=False),
        sa.Column("text", _TEXT(), nullable=False),
        sa.Column("owner", _TEXT(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["review_id"], ["case_review.review_id"]),
        sa.PrimaryKeyConstraint("action_id"),
    )
    with op.batch_alter_table("review_action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_action_review_id"), ["review_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_action_review_id"))
    op.drop_table("review_action")
    with op.batch_alter_table("case_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_review_rso_id"))
    op.drop_table("case_review")
