"""change notification

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05

On PostgreSQL, every statement that writes a table the figures are read from notifies the
channel ``ncpi_changed`` (``pg_notify``, delivered when the writer's transaction commits; the
payload is the table's name): an open window listening on it (``ui.core.watch``) reads the
register again within a couple of seconds, whoever made the change (another user's window, the
command line, ``psql``). Statement-level triggers, so a write of many rows notifies once.

SQLite needs nothing here: a window there polls ``PRAGMA data_version``, which moves with every
commit made by another connection. This migration does nothing on SQLite.
"""
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

#: The channel a window listens on (``ui.core.watch.CHANNEL``).
CHANNEL = "ncpi_changed"
#: The tables whose rows the figures, the detail panel and the proposals are read from.
WATCHED_TABLES = ("manager", "rso", "allocation", "arms", "visit", "civil_order",
                  "management_decision", "policy_value", "manager_absence")
FUNCTION = "ncpi_notify_changed"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME);
            RETURN NULL;
        END
        $$""")
    for table in WATCHED_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_notify_changed ON {table}")
        op.execute(f"CREATE TRIGGER {table}_notify_changed "
                   f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in WATCHED_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_notify_changed ON {table}")
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
