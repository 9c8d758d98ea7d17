"""``init``, ``users``, ``encrypt`` and ``rekey``: making a database, its users and its key
(SECURITY.md). Each change is checked against the signed-in user's role and audited by
``storage.users``; a new user's password comes from ``NCPI_NEW_PASSWORD`` or a prompt."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from ncpi_desktop.cli_session import (
    NEW_PASSWORD_VARIABLE,
    add_sign_in_arguments,
    password,
    signed_in,
    target_of,
    user_name_of,
)
from ncpi_desktop.exits import EXIT_OK, EXIT_UNUSABLE, say

#: The roles of a database's first user (``init``, ``encrypt``): one person can set it up and
#: load its first extract.
FIRST_ROLES = ("administrator", "manager")


def add_user_commands(commands: argparse._SubParsersAction) -> None:
    init = commands.add_parser("init", help="make a new encrypted database and its first user "
                                            "(administrator and manager)")
    init.add_argument("--db", dest="sub_db", required=True, help="the new database file (or "
                      "an empty PostgreSQL database's URL)")
    _first_user_arguments(init)

    encrypt = commands.add_parser("encrypt", help="replace a plain database from an older "
                                                  "version by an encrypted one")
    encrypt.add_argument("--db", dest="sub_db", required=True, help="the plain database file")
    _first_user_arguments(encrypt)

    rekey = commands.add_parser("rekey", help="replace the database key (administrators); "
                                              "other users then need new passwords")
    add_sign_in_arguments(rekey, "the encrypted database file")

    users = commands.add_parser("users", help="list, add, change or disable users "
                                              "(administrators)")
    actions = users.add_subparsers(dest="users_action", required=True)
    listing = actions.add_parser("list", help="every user, their roles and scope")
    add_sign_in_arguments(listing)
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    add = actions.add_parser("add", help=f"add a user (password from ${NEW_PASSWORD_VARIABLE} "
                                         f"or a prompt)")
    add.add_argument("name")
    _user_fields(add, required=True)
    add_sign_in_arguments(add)
    change = actions.add_parser("set", help="change a user's roles, scope, manager or name")
    change.add_argument("name")
    _user_fields(change, required=False)
    add_sign_in_arguments(change)
    for action, what in (("disable", "disable a user (their key slot goes)"),
                         ("passwd", f"set a user's password (from ${NEW_PASSWORD_VARIABLE} or a "
                                    f"prompt)")):
        parser = actions.add_parser(action, help=what)
        parser.add_argument("name")
        add_sign_in_arguments(parser)


def _first_user_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", dest="sub_user", metavar="NAME",
                        help="the first user's name (default: $NCPI_USER, or asked); the "
                             "password from $NCPI_PASSWORD or asked")
    parser.add_argument("--display-name", help="the first user's name as shown (default: the "
                                               "user name)")


def _user_fields(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument("--roles", required=required,
                        help="comma-separated: offender_manager, supervisor, manager, analyst, "
                             "administrator, frontline")
    parser.add_argument("--scope", required=required,
                        help="force, bcu:NAME, team:NAME, caseload:MANAGER_ID or "
                             "neighbourhood:NAME[,NAME...]")
    parser.add_argument("--manager-id", help="the manager an offender-manager user is")
    parser.add_argument("--display-name", help="the name as shown (default: the user name)")


def user_commands() -> dict[str, Callable[[argparse.Namespace], int]]:
    return {"init": cmd_init, "encrypt": cmd_encrypt, "rekey": cmd_rekey, "users": cmd_users}


def _first_user(args: argparse.Namespace):  # noqa: ANN202 - storage is imported lazily
    from ncpi_desktop.storage.users import NewUser

    name = user_name_of(args, prompt=True)
    return NewUser(name, args.display_name or name, FIRST_ROLES, "force", None,
                   password(prompt=f"New password for {name}: ", confirm=True))


def cmd_init(args: argparse.Namespace) -> int:
    from ncpi_desktop.storage.database import shown_location
    from ncpi_desktop.storage.keys import keys_path
    from ncpi_desktop.storage.users import create_database, sign_out

    session = create_database(args.sub_db, _first_user(args))
    sign_out(session)
    where = shown_location(args.sub_db)
    if session.path is None:
        print(f"added {session.user} (administrator, manager) to {where}")
    else:
        print(f"made the encrypted database {where} and its key file "
              f"{keys_path(session.path).name} (keep them together); first user "
              f"{session.user} (administrator, manager)")
    return EXIT_OK


def cmd_encrypt(args: argparse.Namespace) -> int:
    from ncpi_desktop.storage.keys import keys_path
    from ncpi_desktop.storage.users import encrypt_database, sign_out

    if "://" in args.sub_db:
        return say("encrypt takes a SQLite file: a server encrypts its own data",
                   EXIT_UNUSABLE)
    session = encrypt_database(args.sub_db, _first_user(args))
    sign_out(session)
    print(f"encrypted {args.sub_db} (key file {keys_path(session.path).name}, keep them "
          f"together); first administrator {session.user}; the plain file was overwritten "
          f"and deleted")
    return EXIT_OK


def cmd_rekey(args: argparse.Namespace) -> int:
    from ncpi_desktop.storage.users import rekey

    with signed_in(args) as session:
        dropped = rekey(session)
    print(f"replaced the key of {target_of(args)}; only {session.user} can sign in until "
          f"an administrator sets new passwords"
          + (f" for: {', '.join(dropped)} (ncpi-desktop users passwd NAME)" if dropped else ""))
    return EXIT_OK


def cmd_users(args: argparse.Namespace) -> int:
    from ncpi_desktop.domain.security import Operation, require
    from ncpi_desktop.storage import users

    with signed_in(args) as session:
        action = args.users_action
        if action != "passwd" or args.name != session.user.user_name:
            require(session.user, Operation.MANAGE_USERS)  # before any password is asked for
        if action == "list":
            return _print_users(users.list_users(session), args.json)
        if action == "add":
            new = users.NewUser(args.name, args.display_name or args.name,
                                args.roles.split(","), args.scope, args.manager_id,
                                _new_password(args.name))
            done = f"added {users.add_user(session, new)}"
        elif action == "set":
            roles = args.roles.split(",") if args.roles else None
            changed = users.set_user(session, args.name, roles=roles, scope=args.scope,
                                     display_name=args.display_name,
                                     manager_id=args.manager_id)
            done = f"changed {changed}"
        elif action == "disable":
            users.disable_user(session, args.name)
            done = f"disabled {args.name}"
        else:
            users.set_password(session, args.name, _new_password(args.name))
            done = f"set the password of {args.name}"
    print(done)
    return EXIT_OK


def _new_password(name: str) -> str:
    return password(NEW_PASSWORD_VARIABLE, f"New password for {name}: ", confirm=True)


def _print_users(found: list, as_json: bool) -> int:  # noqa: ANN001
    rows = [{"user_name": u.user_name, "display_name": u.display_name,
             "roles": sorted(u.roles), "scope": u.scope.text(), "manager_id": u.manager_id,
             "active": u.active} for u in found]
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=1) + "\n")
        return EXIT_OK
    for row in rows:
        state = "" if row["active"] else "  (disabled)"
        print(f"{row['user_name']:<20} {','.join(row['roles']):<32} {row['scope']:<24} "
              f"{row['display_name']}{state}")
    return EXIT_OK
