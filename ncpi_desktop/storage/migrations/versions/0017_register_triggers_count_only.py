"""register triggers count only

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06

On SQLite the triggers of migration 0005 counted each row written to a register table in
``register_version.n`` and also deleted the register's stored copy (``register_cache``), in the
writer's own transaction. The copy is about 27 MB for a national register: deleting it cost the
first change after every store about 0.09 s (the whole overflow chain of each blob is walked),
inside the user's change. A stored copy is only used while the count it was stored at is the
count now (``register_store.stored_register`` reads both in one statement), so the count alone
keeps a stale copy from being used; the next store replaces it, off the user's change.

The triggers now only count. Same names, same tables and events.
"""
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

#: The tables the stored frames are read from (as in migration 0005).
REGISTER_TABLES = ("manager", "rso", "allocation", "arms", "civil_order",
                   "management_decision", "policy_value")
EVENTS = ("insert", "update", "delete")


def _triggers(body: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in REGISTER_TABLES:
        for event in EVENTS:
            name = f"register_changed_{table}_{event}"
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} "
                       f"BEGIN {body} END")


def upgrade() -> None:
    _triggers("UPDATE register_version SET n = n + 1;")


def downgrade() -> None:
    _triggers("UPDATE register_version SET n = n + 1; DELETE FROM register_cache WHERE 1;")
