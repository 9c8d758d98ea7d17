"""the audit log's kinds, RSO ids and hash chain (SECURITY.md)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05

Rows written before this migration become ``alteration`` rows; their chain is computed by the
audit module when it is first verified or appended to (storage.audit).
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default="alteration"))
        batch_op.add_column(sa.Column("rso_ids", sqlmodel.sql.sqltypes.AutoString(),
                                      nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(),
                                      nullable=False, server_default=""))
        batch_op.add_column(sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(),
                                      nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("audit", schema=None) as batch_op:
        for column in ("hash", "prev_hash", "rso_ids", "kind"):
            batch_op.drop_column(column)
