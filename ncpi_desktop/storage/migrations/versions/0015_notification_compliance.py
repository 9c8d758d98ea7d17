"""notification compliance: the RSO's notification dates and reviews of indefinite notification

Three dates on ``rso`` (DOMAIN.md rule 13; docs/IMPORT-FORMAT.md): ``first_notified_on`` (the
initial notification, s.83, which starts the clock of a review of indefinite notification),
``last_notified_on`` (the latest notification or re-notification, s.85: at least yearly) and
``expected_release_on`` (an RSO in custody: the expected date of release). All may be blank.

``notification_review``: the decisions on a review of an RSO's indefinite notification
(ss.91A-91F): ``continue`` (the next review falls due 8 years on) or ``discharge``. Read at each
as-at date, as events are (``storage.notification_reviews``), so it needs no register trigger.
Adding columns to ``rso`` does not rebuild the table on SQLite (``ALTER TABLE ... ADD COLUMN``):
the register triggers of migration 0005 stay in place.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

DATES = ("first_notified_on", "last_notified_on", "expected_release_on")


def upgrade() -> None:
    for column in DATES:
        op.add_column("rso", sa.Column(column, sa.Date(), nullable=True))
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "notification_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rso_id", text(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("outcome", text(), nullable=False),
        sa.Column("reason", text(), nullable=False),
        sa.Column("actor", text(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["rso_id"], ["rso.rso_id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notification_review_rso_id", "notification_review", ["rso_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_notification_review_rso_id", table_name="notification_review")
    op.drop_table("notification_review")
    for column in DATES:  # SQLite 3.35+: in place, keeping the table's triggers (0008)
        op.drop_column("rso", column)
