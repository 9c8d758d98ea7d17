"""``server init``: set up a shared PostgreSQL server that enforces who may see and do what
(SERVER.md, "The shared server"), and ``demo --db postgresql://...``: the same, then a demo
register and the demo users of SECURITY.md.

Run as the owner of the database (``postgresql://OWNER@HOST[:PORT]/DB``, a role that may create
roles): the schema (the migrations), the database roles, privileges, row-level security, the
names view and the audit triggers (``storage.server``), then the first administrator from
``NCPI_USER``/``NCPI_PASSWORD`` (or asked). Running it again brings all of that up to date and
adds no user.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from ncpi_desktop.cli_session import password, user_name_of
from ncpi_desktop.exits import EXIT_OK, EXIT_UNUSABLE, say

#: The roles of a server's first user: as ``init``'s, so that one person can set the register
#: up and load its first extract (an import reads the register's names to compare).
FIRST_ROLES = ("administrator", "manager")

Progress = Callable[[int, int, str], None]


def register(commands: argparse._SubParsersAction) -> None:
    server = commands.add_parser("server", help="set up a shared PostgreSQL server")
    actions = server.add_subparsers(dest="server_action", required=True)
    init = actions.add_parser("init", help="create the schema, database roles, row-level "
                                           "security, audit triggers and the first "
                                           "administrator (run as the database's owner)")
    init.add_argument("--db", dest="sub_db", required=True,
                      help="postgresql://OWNER@HOST[:PORT]/DB")
    init.add_argument("--user", dest="sub_user", metavar="NAME",
                      help="the first administrator's name (default: $NCPI_USER, or asked); "
                           "the password from $NCPI_PASSWORD or asked")
    init.add_argument("--display-name", help="the first administrator's name as shown")


def server_commands() -> dict[str, Callable[[argparse.Namespace], int]]:
    return {"server": cmd_server}


def _not_a_server(target: str) -> str | None:
    """Why ``target`` cannot be set up as a server (None: it can)."""
    from ncpi_desktop.storage.database import parse_target, shown_location

    if parse_target(target).get_backend_name() != "postgresql":
        return (f"server init sets up a PostgreSQL database, not {shown_location(target)}: "
                f"give postgresql://OWNER@HOST[:PORT]/DB")
    return None


def prepare(target: str) -> int:
    """Migrate and set up ``target`` as a server; the number of users it already has."""
    from sqlalchemy import func, select

    from ncpi_desktop.storage.database import open_database
    from ncpi_desktop.storage.server import install
    from ncpi_desktop.storage.user_rows import APP_USER

    engine = open_database(target)
    try:
        install(engine)
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(APP_USER)).scalar())
    finally:
        engine.dispose()


def cmd_server(args: argparse.Namespace) -> int:
    from ncpi_desktop.storage.database import shown_location
    from ncpi_desktop.storage.server import ServerError
    from ncpi_desktop.storage.users import NewUser, create_database, sign_out

    target = args.sub_db
    if (why := _not_a_server(target)) is not None:
        return say(why, EXIT_UNUSABLE)
    where = shown_location(target)
    try:
        users = prepare(target)
    except ServerError as exc:
        return say(str(exc), EXIT_UNUSABLE)
    if users:
        print(f"brought {where} up to date: roles, privileges, row-level security and audit "
              f"triggers; it has {users} users (add more with ncpi-desktop users add)")
        return EXIT_OK
    name = user_name_of(args, prompt=True)
    first = NewUser(name, args.display_name or name, FIRST_ROLES, "force", None,
                    password(prompt=f"New password for {name}: ", confirm=True))
    sign_out(create_database(target, first))
    print(f"set up {where}: roles, privileges, row-level security and audit triggers; first "
          f"user {name} (administrator, manager), who signs in with --db "
          f"{_user_url(target)} --user {name}")
    return EXIT_OK


def _user_url(target: str) -> str:
    """``target`` as users give it: without the owner's name and password."""
    from ncpi_desktop.storage.database import parse_target

    url = parse_target(target)._replace(username=None, password=None)
    return url.render_as_string(hide_password=True)


def demo_on_server(target: str, profile: str, progress: Progress | None = None
                   ) -> dict[str, Any] | str:
    """``demo --db postgresql://...``: set up ``target`` as a server and load ``profile`` with
    the demo users; the rows written per table, or why not (one line)."""
    from ncpi_desktop.demo.build import PROFILES, generate, write_register
    from ncpi_desktop.demo.users import ADMIN, add_demo_users
    from ncpi_desktop.domain.policy import Policy
    from ncpi_desktop.storage.server import ServerError
    from ncpi_desktop.storage.users import create_database, sign_out

    if (why := _not_a_server(target)) is not None:
        return why.replace("server init", "demo")
    report = progress or (lambda _done, _total, _what: None)
    try:  # said once done: a server that cannot be reached is one line, not two
        if prepare(target):
            return "that database already has users: give an empty one for a demo"
    except ServerError as exc:
        return str(exc)
    report(0, 4, "Set up the server: roles, privileges, row-level security, audit triggers")
    session = create_database(target, ADMIN)
    try:
        spec = PROFILES[profile]
        report(1, 4, f"Generating the {spec.name} register")
        register = generate(spec, policy=Policy())
        report(2, 4, "Writing the register")
        with session.engine.begin() as connection:
            counts: dict[str, Any] = write_register(connection, register, spec)
        report(3, 4, "Adding the demo users and their logins")
        counts["users"] = add_demo_users(session, register.managers)
    finally:
        sign_out(session)
    report(4, 4, "Done")
    return counts
