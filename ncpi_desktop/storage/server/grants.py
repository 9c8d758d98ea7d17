"""The database roles, their privileges and the row-level security policies of a server
(SECURITY.md's roles, enforced by PostgreSQL itself).

- ``ncpi_user``: every application user's login is a member (through its role groups). It may
  read the figures' tables, every column of ``rso`` but the names (``sql.NAME_COLUMNS``) and of
  ``management_decision`` but its reason, the views ``rso_named`` and
  ``management_decision_named``, its own ``app_user`` row (never a password hash), and of the
  audit log only what the window's change check and the pack's head need (id, time, kind,
  operation, hashes).
- One group per application role (``ncpi_offender_manager`` ...): the writes that role may
  make, each limited by a policy to the caller's scope (``ncpi_may``), which is read from
  ``app_user`` by ``session_user``.
- Nobody but the owner writes the audit log: rows are appended through ``ncpi_audit_append``.
- ``register_cache`` and ``register_version`` (the SQLite start-up copy) are not granted.
"""

from __future__ import annotations

from ncpi_desktop.domain.security import Role
from ncpi_desktop.storage.server.sql import NAME_COLUMNS, WITHHELD_TEXT

BASE = "ncpi_user"
#: The database group of each application role.
GROUPS: dict[Role, str] = {role: f"ncpi_{role.value}" for role in Role}

_OM, _SUP, _MGR = (GROUPS[Role.OFFENDER_MANAGER], GROUPS[Role.SUPERVISOR], GROUPS[Role.MANAGER])
_ADMIN = GROUPS[Role.ADMINISTRATOR]
_RECORDERS = f"{_OM}, {_SUP}, {_MGR}"
_SUPERVISORS = f"{_SUP}, {_MGR}"
_IMPORTERS = f"{_MGR}, {_ADMIN}"

#: Tables every user reads whole (rows and columns).
READ_WHOLE = ("manager", "allocation", "visit", "arms", "civil_order", "policy_value",
              "manager_absence", "alembic_version", "event", "referral", "offline_applied",
              "scenario")
#: Records an offender manager (and up) makes for RSOs in their scope, as visits are.
RECORDS = ("visit", "arms", "civil_order", "event", "referral")
#: Case reviews and their actions: supervisors and managers, for RSOs in their scope.
REVIEWS = ("case_review", "review_action")
#: Tables with row-level security.
RLS_TABLES = ("rso", "manager", "allocation", "visit", "arms", "civil_order",
              "management_decision", "policy_value", "manager_absence", "app_user", "event",
              "referral", "case_review", "review_action", "offline_applied",
              "notification_review")
#: The tables an import writes (managers and administrators).
IMPORTED = ("manager", "rso", "allocation", "visit", "arms", "civil_order",
            "management_decision", "manager_absence", "event", "referral", "case_review",
            "review_action")
#: What an offender manager may change of an RSO they record for: the lost-update check's
#: version (``storage.operations.guard``) and a concern event's date (``operations.events``).
RECORDED_RSO_COLUMNS = ("version", "last_concern_on")
#: Audit columns every user may read.
AUDIT_PUBLIC = ("id", "at", "kind", "operation", "prev_hash", "hash")
#: app_user's columns but the hash.
USER_COLUMNS = ("user_name", "display_name", "roles", "scope", "manager_id", "active",
                "created_at", "changed_at")


def roles() -> list[str]:
    """The groups, each a member of ``ncpi_user`` (created once per cluster)."""
    out = [_create_role(BASE)]
    for group in GROUPS.values():
        out.append(_create_role(group))
        out.append(f"GRANT {BASE} TO {group}")
    return out


def _create_role(name: str) -> str:
    return (f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN "
            f"CREATE ROLE {name} NOLOGIN; END IF; END $$")


def grants(schema: str, columns: dict[str, list[str]]) -> list[str]:
    """Revoke what the groups had, then grant what each may do. ``columns``: each table's
    columns, for ``rso`` and the tables of ``WITHHELD_TEXT``."""
    everyone = ", ".join([BASE, *GROUPS.values()])
    readable = ", ".join(c for c in columns["rso"] if c not in NAME_COLUMNS)
    out = [f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM PUBLIC, {everyone}",
           f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM PUBLIC, {everyone}",
           f"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {schema} FROM PUBLIC, {everyone}",
           f"GRANT USAGE ON SCHEMA {schema} TO {BASE}",
           f"GRANT SELECT ON {', '.join(READ_WHOLE)} TO {BASE}",
           f"GRANT SELECT ({readable}) ON rso TO {BASE}",
           f"GRANT SELECT ON rso_named TO {BASE}",
           *[f"GRANT SELECT ({', '.join(c for c in columns[t] if c != hidden)}) ON {t} TO "
             f"{BASE}" for t, hidden in WITHHELD_TEXT.items()],
           *[f"GRANT SELECT ON {t}_named TO {BASE}" for t in WITHHELD_TEXT],
           f"GRANT SELECT ({', '.join(AUDIT_PUBLIC)}) ON audit TO {BASE}",
           f"GRANT SELECT ON audit TO {_ADMIN}, {_MGR}",
           f"GRANT SELECT ({', '.join(USER_COLUMNS)}) ON app_user TO {BASE}",
           f"GRANT INSERT, UPDATE ON app_user TO {_ADMIN}",
           f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} TO {BASE}",
           f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {_RECORDERS}, {_ADMIN}",
           # the audit's ids are taken by ncpi_audit_append alone
           f"DO $$ BEGIN EXECUTE format('REVOKE ALL ON SEQUENCE %s FROM {_RECORDERS}, "
           f"{_ADMIN}', pg_get_serial_sequence('audit', 'id')); END $$",
           f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC",
           # Offender managers and up: records for RSOs they may record for (policies).
           f"GRANT INSERT, DELETE ON {', '.join(RECORDS)} TO {_RECORDERS}",
           # ... locking their RSOs' rows (FOR UPDATE needs an UPDATE privilege) and moving
           # their versions: those columns only, and (policy ncpi_version) in scope.
           f"GRANT UPDATE ({', '.join(RECORDED_RSO_COLUMNS)}) ON rso TO {_RECORDERS}",
           # whoever syncs an offline copy notes each change (or view) applied, once, as
           # themselves (policy ncpi_sync); nobody changes or deletes what is noted
           f"GRANT INSERT ON offline_applied TO {BASE}",
           # Supervisors and managers: moves, decisions, leaving and absent managers.
           f"GRANT UPDATE (manager_id, team, management) ON rso TO {_SUPERVISORS}",
           f"GRANT INSERT, UPDATE, DELETE ON allocation, management_decision, manager_absence, "
           f"{', '.join(REVIEWS)} TO {_SUPERVISORS}",
           f"GRANT UPDATE (active) ON manager TO {_SUPERVISORS}",
           # ... and keep what-if scenarios (no RSO in them; the application checks the role)
           f"GRANT INSERT, UPDATE, DELETE ON scenario TO {_SUPERVISORS}",
           # ... and decisions on reviews of indefinite notification (policy ncpi_notify).
           f"GRANT INSERT, DELETE ON notification_review TO {_SUPERVISORS}",
           # Managers and administrators: imports (the application checks what else).
           f"GRANT INSERT, UPDATE ON {', '.join(IMPORTED)} TO {_IMPORTERS}",
           f"GRANT INSERT, UPDATE, DELETE ON policy_value TO {_ADMIN}"]
    return out


def policies() -> list[str]:
    """Row-level security: reads of whole tables, writes within scope."""
    out: list[str] = []
    for table in RLS_TABLES:
        out.append(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        out.append(f"DO $$ DECLARE p record; BEGIN FOR p IN SELECT policyname FROM pg_policies "
                   f"WHERE tablename = '{table}' AND policyname LIKE 'ncpi_%' LOOP "
                   f"EXECUTE format('DROP POLICY %I ON {table}', p.policyname); END LOOP; "
                   f"END $$")
        if table != "app_user":
            out.append(f"CREATE POLICY ncpi_read ON {table} FOR SELECT TO {BASE} USING (true)")
    rso_place = "bcu, team, manager_id, neighbourhood"
    out += [
        # app_user: one's own row; administrators every row, and add and change users.
        f"CREATE POLICY ncpi_own ON app_user FOR SELECT TO {BASE} "
        f"USING (user_name = session_user::text)",
        f"CREATE POLICY ncpi_admin ON app_user FOR ALL TO {_ADMIN} USING (true) "
        f"WITH CHECK (true)",
        # rso: supervisors move RSOs in scope, to a holder in scope: a manager in scope, or
        # a team pool in scope.
        f"CREATE POLICY ncpi_move ON rso FOR UPDATE TO {_SUPERVISORS} "
        f"USING (ncpi_may('supervise', {rso_place})) "
        f"WITH CHECK (CASE WHEN manager_id IS NULL "
        f"THEN ncpi_may('supervise', bcu, team, NULL, neighbourhood) "
        f"ELSE ncpi_may_manager('supervise', manager_id) END)",
        f"CREATE POLICY ncpi_move ON allocation FOR ALL TO {_SUPERVISORS} "
        f"USING (ncpi_may_rso('supervise', rso_id)) "
        f"WITH CHECK (ncpi_may_rso('supervise', rso_id))",
        f"CREATE POLICY ncpi_decide ON management_decision FOR ALL TO {_SUPERVISORS} "
        f"USING (ncpi_may_rso('supervise', rso_id)) "
        f"WITH CHECK (ncpi_may_rso('supervise', rso_id))",
        f"CREATE POLICY ncpi_leave ON manager FOR UPDATE TO {_SUPERVISORS} "
        f"USING (ncpi_may_manager('supervise', manager_id)) "
        f"WITH CHECK (ncpi_may_manager('supervise', manager_id))",
        f"CREATE POLICY ncpi_absent ON manager_absence FOR ALL TO {_SUPERVISORS} "
        f"USING (ncpi_may_manager('supervise', manager_id)) "
        f"WITH CHECK (ncpi_may_manager('supervise', manager_id))",
        f"CREATE POLICY ncpi_policy ON policy_value FOR ALL TO {_ADMIN} USING (true) "
        f"WITH CHECK (true)",
    ]
    for table in RECORDS:
        out.append(f"CREATE POLICY ncpi_record ON {table} FOR ALL TO {_RECORDERS} "
                   f"USING (ncpi_may_rso('record', rso_id)) "
                   f"WITH CHECK (ncpi_may_rso('record', rso_id))")
    out += _more_policies(rso_place)
    for table in IMPORTED:
        out.append(f"CREATE POLICY ncpi_import ON {table} FOR ALL TO {_IMPORTERS} "
                   f"USING (true) WITH CHECK (true)")
    return out


def _more_policies(rso_place: str) -> list[str]:
    """The policies of the version check, the reviews and the offline copies' sync."""
    return [
        # an RSO's row an offender manager may record for: locked and its version moved
        # (its other columns are not granted them). The check names the holder too, so that a
        # user who is also a supervisor moves no RSO to a holder outside scope through it.
        f"CREATE POLICY ncpi_version ON rso FOR UPDATE TO {_OM} "
        f"USING (ncpi_may('record', {rso_place})) WITH CHECK (ncpi_may('record', {rso_place}) "
        f"AND (manager_id IS NULL OR ncpi_may_manager('record', manager_id)))",
        f"CREATE POLICY ncpi_review ON case_review FOR ALL TO {_SUPERVISORS} "
        f"USING (ncpi_may_rso('supervise', rso_id)) "
        f"WITH CHECK (ncpi_may_rso('supervise', rso_id))",
        f"CREATE POLICY ncpi_review ON review_action FOR ALL TO {_SUPERVISORS} "
        f"USING (ncpi_may_review('supervise', review_id)) "
        f"WITH CHECK (ncpi_may_review('supervise', review_id))",
        f"CREATE POLICY ncpi_notify ON notification_review FOR ALL TO {_SUPERVISORS} "
        f"USING (ncpi_may_rso('supervise', rso_id)) "
        f"WITH CHECK (ncpi_may_rso('supervise', rso_id))",
        f"CREATE POLICY ncpi_sync ON offline_applied FOR INSERT TO {BASE} "
        f"WITH CHECK (actor = session_user::text)",
    ]
