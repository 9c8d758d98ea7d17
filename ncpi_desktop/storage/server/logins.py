"""Each application user as a PostgreSQL login role of the same name: created, given the groups
of its roles, its password changed and disabled (``NOLOGIN``) by ``storage.users`` through the
server's functions (``FUNCTIONS``), which run as the owner and let only an administrator (or
the owner) change logins, and anyone change their own password.

Passwords reach the server as SCRAM-SHA-256 verifiers computed here by libpq, never as text.
The functions touch only roles that are the application's (members of an ``ncpi_`` group) or
new ones: never the owner, a superuser or another program's role.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ncpi_desktop.domain.security import Role

_GROUP_ARRAY = "ARRAY[" + ", ".join(f"'ncpi_{r.value}'" for r in Role) + "]"


def functions(definer: str) -> list[str]:
    """The user-management functions (``sql.functions`` adds them)."""
    return [f"""
CREATE OR REPLACE FUNCTION ncpi_is_admin() RETURNS boolean
LANGUAGE sql STABLE {definer} AS $$
  SELECT session_user::text = current_user::text
      OR coalesce((SELECT 'administrator' = ANY(roles) FROM ncpi_me()), false)
$$""", f"""
CREATE OR REPLACE FUNCTION ncpi_app_login(p_name text) RETURNS boolean
LANGUAGE sql STABLE {definer} AS $$
  SELECT EXISTS (SELECT FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                 JOIN pg_roles u ON u.oid = m.member
                 WHERE u.rolname = p_name AND NOT u.rolsuper AND g.rolname = ANY({_GROUP_ARRAY}))
$$""", f"""
CREATE OR REPLACE FUNCTION ncpi_login_set(p_name text, p_verifier text) RETURNS void
LANGUAGE plpgsql VOLATILE {definer} AS $$
DECLARE g text; p_roles text; p_active boolean;
BEGIN
  IF NOT ncpi_is_admin() THEN
    RAISE EXCEPTION 'only an administrator may change users' USING ERRCODE = '42501';
  END IF;
  -- the login follows the user's row: its roles, active or not (no login without a user)
  SELECT u.roles, u.active INTO p_roles, p_active FROM app_user u WHERE u.user_name = p_name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'there is no user %', p_name USING ERRCODE = '42704';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = p_name) THEN
    EXECUTE format('CREATE ROLE %I LOGIN', p_name);
  ELSIF NOT ncpi_app_login(p_name) THEN
    RAISE EXCEPTION 'there is already a database role % that is not a user of this register',
      p_name USING ERRCODE = '42710';
  END IF;
  FOREACH g IN ARRAY {_GROUP_ARRAY} LOOP
    IF g = ANY(SELECT 'ncpi_' || btrim(r) FROM unnest(string_to_array(p_roles, ',')) r) THEN
      EXECUTE format('GRANT %I TO %I', g, p_name);
    ELSE
      EXECUTE format('REVOKE %I FROM %I', g, p_name);
    END IF;
  END LOOP;
  IF p_verifier IS NOT NULL THEN
    EXECUTE format('ALTER ROLE %I PASSWORD %L', p_name, p_verifier);
  END IF;
  EXECUTE format('ALTER ROLE %I %s', p_name, CASE WHEN p_active THEN 'LOGIN' ELSE 'NOLOGIN' END);
END $$""", """
DROP FUNCTION IF EXISTS ncpi_login_set(text, text, text, boolean)""", f"""
CREATE OR REPLACE FUNCTION ncpi_own_password(p_verifier text, p_hash text) RETURNS void
LANGUAGE plpgsql VOLATILE {definer} AS $$
BEGIN
  IF NOT ncpi_app_login(session_user::text) THEN
    RAISE EXCEPTION 'not a user of this register' USING ERRCODE = '42501';
  END IF;
  EXECUTE format('ALTER ROLE %I PASSWORD %L', session_user::text, p_verifier);
  UPDATE app_user SET password_hash = p_hash, changed_at = now()
   WHERE user_name = session_user::text;
END $$"""]


def verifier(connection: Connection, user_name: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier of ``password`` for ``user_name`` (libpq's own), so that the
    password itself never reaches the server nor its log."""
    pgconn = connection.connection.driver_connection.pgconn  # type: ignore[union-attr]
    return pgconn.encrypt_password(password.encode(), user_name.encode(),
                                   b"scram-sha-256").decode()


def set_login(connection: Connection, user_name: str, *, password: str | None = None,
              verifier_text: str | None = None) -> None:
    """Create or bring up to date the login ``user_name`` from the user's ``app_user`` row
    (written first, in the caller's transaction): the groups of its roles and no other, able
    to log in while the user is active, and the password when given."""
    if verifier_text is None and password is not None:
        verifier_text = verifier(connection, user_name, password)
    connection.execute(text("SELECT ncpi_login_set(:name, :verifier)"),
                       {"name": user_name, "verifier": verifier_text})


def set_own_password(connection: Connection, user_name: str, password: str,
                     password_hash: str) -> None:
    """The signed-in user's own new password: their login's and their row's hash."""
    connection.execute(text("SELECT ncpi_own_password(:verifier, :hash)"),
                       {"verifier": verifier(connection, user_name, password),
                        "hash": password_hash})
