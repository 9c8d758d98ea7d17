"""A shared PostgreSQL server that enforces SECURITY.md itself (SERVER.md, "The shared server").

``install`` (``ncpi-desktop server init``, run by the schema owner after the migrations) makes
the database roles, privileges, row-level security policies, the names view and the audit
triggers (``grants``, ``sql``). Each application user is then a login role of the same name,
a member of the groups of its roles (``logins``), so a user's own ``psql`` session can read and
change no more than the application would let them, and every change is audited by the server.
"""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

from ncpi_desktop.storage.audit import verify
from ncpi_desktop.storage.database import forget_server, is_server, named_rso
from ncpi_desktop.storage.server import grants, logins, sql

__all__ = ["ServerError", "install", "is_server", "logins", "named_rso"]


class ServerError(Exception):
    """The server cannot be set up as asked; the message is one line."""


def install(engine: Engine) -> None:
    """Set up (or bring up to date) the server's roles, privileges, policies, view and audit
    triggers on ``engine``'s PostgreSQL database (at the current schema), as its owner. Run it
    again after an upgrade: every statement replaces what it makes."""
    if engine.dialect.name != "postgresql":
        raise ServerError("server init sets up a PostgreSQL database, not a SQLite file")
    verify(engine)  # a log from before the chain is sealed first, by the application's hash
    with engine.begin() as connection:
        _check_owner(connection)
        schema = connection.exec_driver_sql("SELECT current_schema()").scalar()
        columns = {table: [c["name"] for c in inspect(connection).get_columns(table)]
                   for table in ("rso", *sql.WITHHELD_TEXT)}
        statements = [*grants.roles(), *sql.functions(schema), *sql.named_view(columns["rso"]),
                      *sql.text_views(columns), *sql.triggers(),
                      *grants.grants(schema, columns), *grants.policies()]
        for statement in statements:
            connection.exec_driver_sql(statement.replace("%", "%%"))
        forget_server(connection)


def _check_owner(connection: Connection) -> None:
    """The caller owns the register's tables and may create roles."""
    owner, me, create_role = connection.exec_driver_sql(
        "SELECT t.tableowner, current_user, r.rolcreaterole OR r.rolsuper FROM pg_tables t, "
        "pg_roles r WHERE t.tablename = 'rso' AND t.schemaname = current_schema() "
        "AND r.rolname = current_user").one()
    if owner != me:
        raise ServerError(f"server init must be run by the owner of the register's tables "
                          f"({owner}), not {me}")
    if not create_role:
        raise ServerError(f"{me} may not create roles: give it CREATEROLE "
                          f"(ALTER ROLE {me} CREATEROLE) and run server init again")
