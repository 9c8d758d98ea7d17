"""The SQL ``server init`` runs on a PostgreSQL database, as its owner, after the migrations:
the functions the policies, the view and the audit use; the audit triggers. Roles, grants and
policies are in ``storage.server.grants``.

Every function is ``SECURITY DEFINER`` (it runs as the schema owner, who reads ``app_user``)
with a fixed ``search_path``, and asks who is calling by ``session_user``: the login that
connected, which ``SET ROLE`` does not change.
"""

from __future__ import annotations

from ncpi_desktop.storage.audit import ADVISORY_LOCK
from ncpi_desktop.storage.server.logins import functions as login_functions

#: The columns of ``rso`` the view gives only for RSOs in the caller's scope: the RSO's name,
#: date of birth (outside scope: the year only, 1 July, for age-based figures) and free text.
NAME_COLUMNS = ("family_name", "given_names", "date_of_birth", "visit_interval_reason")
#: Free-text columns of other tables withheld from the triggers' audit rows as well.
HIDDEN_IN_AUDIT = (*NAME_COLUMNS, "reason", "findings", "text", "password_hash")
#: The tables of the register whose every change the server audits.
AUDITED_TABLES = ("manager", "rso", "allocation", "visit", "arms", "civil_order",
                  "management_decision", "manager_absence", "policy_value", "app_user",
                  "event", "referral", "case_review", "review_action", "offline_applied",
                  "notification_review", "scenario")
#: Rows a trigger's audit row lists before and after; a larger statement is counted only.
AUDIT_ROWS_SHOWN = 20


def _definer(schema: str) -> str:
    return f"SECURITY DEFINER SET search_path = pg_catalog, {schema}, pg_temp"


def functions(schema: str) -> list[str]:
    """The functions, created or replaced."""
    definer = _definer(schema)
    return [
        # The caller's app_user row (active ones only), scope split into kind and values.
        f"""
CREATE OR REPLACE FUNCTION ncpi_me(OUT user_name text, OUT roles text[], OUT scope_kind text,
                                   OUT scope_values text[], OUT is_owner boolean)
LANGUAGE plpgsql STABLE {definer} AS $$
BEGIN
  SELECT u.user_name, string_to_array(u.roles, ','), split_part(u.scope, ':', 1),
         CASE WHEN position(':' IN u.scope) > 0
              THEN string_to_array(substr(u.scope, position(':' IN u.scope) + 1), ',')
              ELSE '{{}}'::text[] END
    INTO user_name, roles, scope_kind, scope_values
    FROM app_user u WHERE u.user_name = session_user::text AND u.active;
  is_owner := session_user::text = current_user::text;
  IF user_name IS NULL THEN
    roles := '{{}}'; scope_kind := 'none'; scope_values := '{{}}';
  END IF;
END $$""",
        # May the caller do ``what`` to something at this place? what: names, record,
        # supervise. The domain's rules (domain.security), for the roles of app_user.
        f"""
CREATE OR REPLACE FUNCTION ncpi_may(what text, p_bcu text, p_team text, p_manager text,
                                    p_neighbourhood text) RETURNS boolean
LANGUAGE plpgsql STABLE {definer} AS $$
DECLARE me record; wanted text[];
BEGIN
  SELECT * INTO me FROM ncpi_me();
  IF me.is_owner THEN RETURN true; END IF;
  wanted := CASE what
    WHEN 'names' THEN ARRAY['offender_manager', 'supervisor', 'manager']
    WHEN 'record' THEN ARRAY['offender_manager', 'supervisor', 'manager']
    WHEN 'supervise' THEN ARRAY['supervisor', 'manager']
    ELSE '{{}}'::text[] END;
  IF me.user_name IS NULL OR NOT (me.roles && wanted) THEN RETURN false; END IF;
  RETURN coalesce(CASE me.scope_kind
    WHEN 'force' THEN true
    WHEN 'bcu' THEN p_bcu = ANY(me.scope_values)
    WHEN 'team' THEN p_team = ANY(me.scope_values)
    WHEN 'caseload' THEN p_manager = ANY(me.scope_values)
    WHEN 'neighbourhood' THEN p_neighbourhood = ANY(me.scope_values)
    ELSE false END, false);
END $$""",
        f"""
CREATE OR REPLACE FUNCTION ncpi_may_rso(what text, p_rso text) RETURNS boolean
LANGUAGE sql STABLE {definer} AS $$
  SELECT coalesce((SELECT ncpi_may(what, r.bcu, r.team, r.manager_id, r.neighbourhood)
                   FROM rso r WHERE r.rso_id = p_rso), ncpi_may(what, NULL, NULL, NULL, NULL))
$$""",
        f"""
CREATE OR REPLACE FUNCTION ncpi_may_manager(what text, p_manager text) RETURNS boolean
LANGUAGE sql STABLE {definer} AS $$
  SELECT coalesce((SELECT ncpi_may(what, m.bcu, m.team, m.manager_id, NULL)
                   FROM manager m WHERE m.manager_id = p_manager), false)
$$""",
        f"""
CREATE OR REPLACE FUNCTION ncpi_may_review(what text, p_review text) RETURNS boolean
LANGUAGE sql STABLE {definer} AS $$
  SELECT ncpi_may_rso(what, (SELECT q.rso_id FROM case_review q WHERE q.review_id = p_review))
$$""",
        # The view's one row of scope: kind 'all' (names of every RSO), 'none', or a kind
        # and its values. Called once per read of the view, not per row.
        f"""
CREATE OR REPLACE FUNCTION ncpi_name_scope(OUT kind text, OUT vals text[])
LANGUAGE plpgsql STABLE {definer} AS $$
DECLARE me record;
BEGIN
  SELECT * INTO me FROM ncpi_me();
  vals := '{{}}';
  IF me.is_owner THEN kind := 'all';
  ELSIF me.user_name IS NULL
        OR NOT (me.roles && ARRAY['offender_manager', 'supervisor', 'manager']) THEN
    kind := 'none';
  ELSIF me.scope_kind = 'force' THEN kind := 'all';
  ELSE kind := me.scope_kind; vals := me.scope_values;
  END IF;
END $$""",
        _append(definer),
        _last_change(definer),
        _restamp(definer),
        _trigger_function(definer),
        *login_functions(definer),
    ]


def _append(definer: str) -> str:
    """One audit row chained onto the last, hashed as ``storage.audit.content_hash`` does:
    SHA-256 of the JSON array [prev_hash, id, at, actor, kind, operation, rso_ids, detail].
    Anyone but the owner is recorded as who they connected as, whatever actor they give."""
    return f"""
CREATE OR REPLACE FUNCTION ncpi_audit_append(p_actor text, p_kind text, p_operation text,
                                             p_rso_ids text, p_detail text) RETURNS bigint
LANGUAGE plpgsql VOLATILE {definer} AS $$
DECLARE
  v_actor text := btrim(p_actor);
  v_at timestamptz := clock_timestamp();
  v_prev text;
  v_id bigint;
  v_text text;
BEGIN
  IF session_user::text <> current_user::text THEN v_actor := session_user::text; END IF;
  IF p_kind NOT IN ('access', 'collection', 'alteration', 'consultation', 'disclosure') THEN
    RAISE EXCEPTION 'Unknown audit kind %', p_kind;
  END IF;
  IF v_actor IS NULL OR v_actor = '' THEN
    RAISE EXCEPTION 'An audit row needs the name of who acted';
  END IF;
  PERFORM pg_advisory_xact_lock({ADVISORY_LOCK});
  SELECT a.hash INTO v_prev FROM audit a ORDER BY a.id DESC LIMIT 1;
  v_id := nextval(pg_get_serial_sequence('audit', 'id'));
  v_text := '[' || to_json(coalesce(v_prev, ''))::text || ',' || v_id::text || ','
    || to_json(to_char(v_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'))::text || ','
    || to_json(v_actor)::text || ',' || to_json(p_kind)::text || ','
    || to_json(p_operation)::text || ',' || to_json(p_rso_ids)::text || ','
    || to_json(p_detail)::text || ']';
  INSERT INTO audit (id, at, actor, operation, detail, kind, rso_ids, prev_hash, hash)
  VALUES (v_id, v_at, v_actor, p_operation, p_detail, p_kind, p_rso_ids,
          coalesce(v_prev, ''), encode(sha256(convert_to(v_text, 'UTF8')), 'hex'));
  RETURN v_id;
END $$"""


def _restamp(definer: str) -> str:
    """An offline copy's sync (``storage.offline.sync.restamp``): the audit rows the caller's
    own transaction wrote after ``p_after`` are dated when the change was made on the laptop,
    marked made offline and chained again. Rows of any other transaction, or another actor's
    (but the owner's), are refused: nobody else changes the log."""
    return f"""
CREATE OR REPLACE FUNCTION ncpi_audit_restamp(p_after bigint, p_at timestamptz, p_uuid text)
RETURNS void LANGUAGE plpgsql VOLATILE {definer} AS $$
DECLARE
  r record;
  v_prev text := NULL;
  v_detail text;
  v_text text;
  v_marks jsonb := jsonb_build_object('offline', true, 'offline_change', p_uuid);
  v_xid bigint := txid_current() & 4294967295;
BEGIN
  FOR r IN SELECT a.*, a.xmin::text::bigint AS writer FROM audit a WHERE a.id > p_after
           ORDER BY a.id LOOP
    IF r.writer <> v_xid OR (session_user::text <> current_user::text
                             AND r.actor <> session_user::text) THEN
      RAISE EXCEPTION 'only the audit rows of one''s own transaction may be re-dated'
        USING ERRCODE = '42501';
    END IF;
    v_detail := CASE WHEN jsonb_typeof(r.detail::jsonb) = 'object'
                     THEN (r.detail::jsonb || v_marks)::text
                     ELSE (jsonb_build_object('detail', r.detail::jsonb) || v_marks)::text END;
    v_prev := coalesce(v_prev, r.prev_hash);
    v_text := '[' || to_json(coalesce(v_prev, ''))::text || ',' || r.id::text || ','
      || to_json(to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'))::text || ','
      || to_json(r.actor)::text || ',' || to_json(r.kind)::text || ','
      || to_json(r.operation)::text || ',' || to_json(r.rso_ids)::text || ','
      || to_json(v_detail)::text || ']';
    UPDATE audit SET at = p_at, detail = v_detail, prev_hash = v_prev,
                     hash = encode(sha256(convert_to(v_text, 'UTF8')), 'hex')
     WHERE id = r.id RETURNING hash INTO v_prev;
  END LOOP;
END $$"""


def _last_change(definer: str) -> str:
    """The latest alteration naming an RSO the caller may record for (or, ``p_policy``,
    changing the policy values): what a refused write says about who changed it first
    (``storage.operations.guard.last_change``), for callers who may not read the audit."""
    return f"""
CREATE OR REPLACE FUNCTION ncpi_last_change(p_rso text, p_policy boolean) RETURNS SETOF audit
LANGUAGE sql STABLE {definer} AS $$
  SELECT a.* FROM audit a
   WHERE a.kind = 'alteration'
     AND CASE WHEN p_policy THEN a.operation LIKE '%set policy%'
              ELSE ncpi_may_rso('record', p_rso)
                   AND a.rso_ids LIKE '%' || to_json(p_rso)::text || '%' END
   ORDER BY a.id DESC LIMIT 1
$$"""


def _trigger_function(definer: str) -> str:
    """The statement trigger on each audited table: one audit row per statement that changed
    rows, whoever ran it, naming the RSOs concerned and (for a few rows) the rows before and
    after without names or free text."""
    hidden = "ARRAY[" + ", ".join(f"'{c}'" for c in HIDDEN_IN_AUDIT) + "]"
    return f"""
CREATE OR REPLACE FUNCTION ncpi_audit_statement() RETURNS trigger
LANGUAGE plpgsql {definer} AS $$
DECLARE
  v_rows jsonb := '[]';
  v_before jsonb := NULL;
  v_after jsonb := NULL;
  v_count bigint;
  v_ids jsonb;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT coalesce(jsonb_agg(to_jsonb(n) - {hidden}), '[]') INTO v_after FROM new_rows n;
    v_rows := v_after;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT coalesce(jsonb_agg(to_jsonb(o) - {hidden}), '[]') INTO v_before FROM old_rows o;
    v_rows := v_before;
  ELSE
    SELECT coalesce(jsonb_agg(to_jsonb(o) - {hidden}), '[]') INTO v_before FROM old_rows o;
    SELECT coalesce(jsonb_agg(to_jsonb(n) - {hidden}), '[]') INTO v_after FROM new_rows n;
    v_rows := v_before || v_after;
  END IF;
  v_count := greatest(jsonb_array_length(coalesce(v_before, '[]')),
                      jsonb_array_length(coalesce(v_after, '[]')));
  IF v_count = 0 THEN RETURN NULL; END IF;
  SELECT coalesce(jsonb_agg(DISTINCT x.value ->> 'rso_id' ORDER BY x.value ->> 'rso_id'), '[]')
    INTO v_ids FROM jsonb_array_elements(v_rows) x
   WHERE x.value ->> 'rso_id' IS NOT NULL;
  IF v_count > {AUDIT_ROWS_SHOWN} THEN v_before := NULL; v_after := NULL; END IF;
  PERFORM ncpi_audit_append(session_user::text, 'alteration',
    'server: ' || lower(TG_OP) || ' ' || TG_TABLE_NAME, v_ids::text,
    jsonb_build_object('by', 'server', 'table', TG_TABLE_NAME, 'statement', TG_OP,
                       'rows', v_count, 'before', v_before, 'after', v_after)::text);
  RETURN NULL;
END $$"""


def triggers() -> list[str]:
    """The audit triggers: three per table (a transition table needs one event each)."""
    out: list[str] = []
    for table in AUDITED_TABLES:
        for event, refs in (("INSERT", "NEW TABLE AS new_rows"),
                            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                            ("DELETE", "OLD TABLE AS old_rows")):
            name = f"ncpi_audit_{table}_{event.lower()}"
            out.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            out.append(f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {refs} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION ncpi_audit_statement()")
    return out


#: The free-text column of each table whose view (``TABLE_named``) gives it only for RSOs in the
#: caller's scope: a decision's reason, a case review's findings, a review action's text.
WITHHELD_TEXT = {"management_decision": "reason", "case_review": "findings",
                 "review_action": "text", "notification_review": "reason"}
#: How each of those tables reaches its RSO (alias ``d``; the RSO is ``r``).
_TEXT_JOINS = {
    "management_decision": "LEFT JOIN rso r ON r.rso_id = d.rso_id",
    "case_review": "LEFT JOIN rso r ON r.rso_id = d.rso_id",
    "notification_review": "LEFT JOIN rso r ON r.rso_id = d.rso_id",
    "review_action": "LEFT JOIN case_review q ON q.review_id = d.review_id "
                     "LEFT JOIN rso r ON r.rso_id = q.rso_id",
}
_SEES = ("(s.kind = 'all' OR (s.kind = 'bcu' AND r.bcu = ANY(s.vals))"
            " OR (s.kind = 'team' AND r.team = ANY(s.vals))"
            " OR (s.kind = 'caseload' AND r.manager_id = ANY(s.vals))"
            " OR (s.kind = 'neighbourhood' AND r.neighbourhood = ANY(s.vals)))")


def named_view(columns: list[str]) -> list[str]:
    """The view the application (and anyone) reads RSOs' names through: every RSO, every
    column, the ``NAME_COLUMNS`` only for RSOs in the caller's scope (``ncpi_name_scope``)."""
    sees = _SEES
    selected = []
    for column in columns:
        if column == "date_of_birth":
            selected.append(f"CASE WHEN {sees} THEN r.date_of_birth ELSE make_date("
                            f"extract(year FROM r.date_of_birth)::int, 7, 1) END "
                            f"AS date_of_birth")
        elif column in NAME_COLUMNS:
            selected.append(f"CASE WHEN {sees} THEN r.{column} END AS {column}")
        else:
            selected.append(f"r.{column}")
    return ["DROP VIEW IF EXISTS rso_named",
            "CREATE VIEW rso_named WITH (security_barrier) AS SELECT "
            + ", ".join(selected) + " FROM rso r CROSS JOIN ncpi_name_scope() s"]


def text_views(columns: dict[str, list[str]]) -> list[str]:
    """For each table of ``WITHHELD_TEXT`` its view ``TABLE_named``: every row, its free text
    only for RSOs in the caller's scope."""
    out: list[str] = []
    for table, hidden in WITHHELD_TEXT.items():
        selected = [f"CASE WHEN {_SEES} THEN d.{c} END AS {c}" if c == hidden else f"d.{c}"
                    for c in columns[table]]
        out += [f"DROP VIEW IF EXISTS {table}_named",
                f"CREATE VIEW {table}_named WITH (security_barrier) AS SELECT "
                + ", ".join(selected) + f" FROM {table} d {_TEXT_JOINS[table]} "
                "CROSS JOIN ncpi_name_scope() s"]
    return out
