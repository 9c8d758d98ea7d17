"""events and referrals

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05

Trigger events (DOMAIN.md rule 14) and referrals to other agencies. Neither table is read into
the stored register (``register_store``): they are read at each as-at date, as visits are, so
they need no register trigger. ``recorded_by`` and ``recorded_at`` are blank for rows an import
wrote (the import's own audit row says who and when).
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "event",
        sa.Column("event_id", text(), nullable=False),
        sa.Column("rso_id", text(), nullable=False),
        sa.Column("type", text(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("child_at_risk", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", text(), nullable=True),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["rso_id"], ["rso.rso_id"]),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_index("ix_event_rso_id", "event", ["rso_id"], unique=False)
    op.create_table(
        "referral",
        sa.Column("referral_id", text(), nullable=False),
        sa.Column("rso_id", text(), nullable=False),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("referred_to", text(), nullable=False),
        sa.Column("recorded_by", text(), nullable=True),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["rso_id"], ["rso.rso_id"]),
        sa.PrimaryKeyConstraint("referral_id"),
    )
    op.create_index("ix_referral_rso_id", "referral", ["rso_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_referral_rso_id", table_name="referral")
    op.drop_table("referral")
    op.drop_index("ix_event_rso_id", table_name="event")
    op.drop_table("event")
