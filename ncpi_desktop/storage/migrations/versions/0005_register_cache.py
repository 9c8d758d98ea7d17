"""register cache

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

The register's frames, stored in the database for the next start (``storage.register_store``),
and a count of the changes to the tables they are read from. On SQLite, a trigger on each of
those tables adds one to the count and deletes the stored frames with every row written, in the
writer's own transaction, whoever the writer is (the application, an import, the sqlite3 command
line): a stored copy of the register can never outlive a change to it. Visits are not stored
(they are read at each as-at date), so they have no trigger. PostgreSQL gets the tables but no
triggers, and the stored copy is never used there.

A later migration that rebuilds one of these tables (``batch_alter_table`` on SQLite copies the
table and drops the old one, and its triggers with it) must create the triggers again; until it
does, ``register_store.stored_register`` finds them missing and never uses the stored copy,
and ``tests/storage/test_register_triggers.py`` fails.
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: The tables the stored frames are read from (storage.snapshot and storage.history).
REGISTER_TABLES = ("manager", "rso", "allocation", "arms", "civil_order",
                   "management_decision", "policy_value")
EVENTS = ("insert", "update", "delete")


def trigger_name(table: str, event: str) -> str:
    return f"register_changed_{table}_{event}"


def upgrade() -> None:
    op.create_table(
        "register_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "register_cache",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("format", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.execute("INSERT INTO register_version (id, n) VALUES (1, 0)")
    if op.get_bind().dialect.name != "sqlite":
        return
    # Per row written (SQLite has no statement triggers): about 2 us a row in a bulk insert.
    # ``WHERE 1`` skips SQLite's truncate path, which costs more on the (mostly) empty table.
    for table in REGISTER_TABLES:
        for event in EVENTS:
            op.execute(
                f"CREATE TRIGGER {trigger_name(table, event)} AFTER {event.upper()} ON {table} "
                "BEGIN UPDATE register_version SET n = n + 1; "
                "DELETE FROM register_cache WHERE 1; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in REGISTER_TABLES:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS {trigger_name(table, event)}")
    op.drop_table("register_cache")
    op.drop_table("register_version")
