"""The audit log's hash chain (SECURITY.md, "The audit log"): every audited action leaves its row,
and changing, deleting or inserting a row with raw SQL is found, naming the row."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from builders import Register, as_user
from sqlalchemy import text

from ncpi_desktop.storage import audit
from ncpi_desktop.storage.operations import record_visit, set_policy_values
from ncpi_desktop.storage.operations.moves import reassign


@pytest.fixture
def engine(tmp_path):
    r = Register()
    r.manager("A")
    r.manager("B")
    for rso_id in ("R1", "R2", "R3"):
        r.rso(rso_id, manager_id="A")
    return r.write(tmp_path / "audit.sqlite3")


def five_rows(engine) -> None:
    """An alteration with its undo, a policy change, a consultation and a disclosure."""
    change = reassign(engine, ["R1", "R2"], "B", "caseload", as_user("om.smith"),
                      on=date(2017, 10, 9))
    change.undo(engine, as_user("om.smith"))
    set_policy_values(engine, {"caseload_limit_per_fte": 45.0}, as_user("admin"))
    audit.record(engine, "om.smith", "consultation", "open RSO detail", ["R3"])
    audit.record(engine, "analyst", "disclosure", "export table", ["R1", "R3"],
                 {"rows": 2, "file": "table.csv"})


def rows(engine, sql: str = "SELECT * FROM audit ORDER BY id") -> list:
    with engine.connect() as c:
        return c.execute(text(sql)).mappings().all()


def test_an_intact_chain_verifies_with_its_row_count_and_head(engine):
    five_rows(engine)
    verified = audit.verify(engine)
    stored = rows(engine)
    assert verified.rows == len(stored) == 5
    assert verified.head == stored[-1]["hash"] == audit.head_hash(engine)
    assert stored[0]["prev_hash"] == ""
    assert all(later["prev_hash"] == earlier["hash"]
               for earlier, later in zip(stored, stored[1:], strict=False))
    assert len({r["hash"] for r in stored}) == 5


def test_each_row_names_its_kind_and_rsos(engine):
    five_rows(engine)
    got = [(e["actor"], e["kind"], e["action"], e["rso_ids"]) for e in audit.entries(engine)]
    assert got == [
        ("om.smith", "alteration", "reassign", ["R1", "R2"]),
        ("om.smith", "alteration", "undo reassign", ["R1", "R2"]),
        ("admin", "alteration", "set policy", []),
        ("om.smith", "consultation", "open RSO detail", ["R3"]),
        ("analyst", "disclosure", "export table", ["R1", "R3"]),
    ]
    first = audit.entries(engine)[0]
    assert set(first["detail"]) == {"before", "after"}


def test_redo_and_a_recorded_visit_name_their_rso(engine):
    change = record_visit(engine, "R3", date(2017, 10, 1), "completed", 2, as_user("om.smith"),
                          today=date(2017, 10, 9))
    undone = change.undo(engine, as_user("om.smith"))
    undone.undo(engine, as_user("om.smith"))  # redo
    got = [(e["action"], e["rso_ids"]) for e in audit.entries(engine)]
    assert got == [("record visit", ["R3"]), ("undo record visit", ["R3"]),
                   ("record visit", ["R3"])]
    assert audit.verify(engine).rows == 3


def test_a_changed_row_is_named(engine):
    five_rows(engine)
    with engine.begin() as c:
        c.execute(text("UPDATE audit SET actor = 'someone else' WHERE id = 3"))
    with pytest.raises(audit.ChainBroken) as broken:
        audit.verify(engine)
    assert (broken.value.row_id, broken.value.why) == (3, "changed")
    assert "row 3" in str(broken.value)


def test_a_changed_row_with_its_hash_recomputed_breaks_the_next_link(engine):
    five_rows(engine)
    with engine.connect() as c:  # typed as the application reads it
        row = dict(c.execute(audit.AUDIT.select().where(audit.AUDIT.c.id == 2)).mappings().one())
    row["detail"] = json.dumps({"before": None, "after": None})
    with engine.begin() as c:
        c.execute(text("UPDATE audit SET detail = :d, hash = :h WHERE id = 2"),
                  {"d": row["detail"], "h": audit.content_hash(row)})
    with pytest.raises(audit.ChainBroken) as broken:
        audit.verify(engine)
    assert broken.value.row_id == 3


def test_a_deleted_row_leaves_a_gap_named_by_the_row_after_it(engine):
    five_rows(engine)
    with engine.begin() as c:
        c.execute(text("DELETE FROM audit WHERE id = 2"))
    with pytest.raises(audit.ChainBroken) as broken:
        audit.verify(engine)
    assert (broken.value.row_id, broken.value.why) == (3, "deleted")
    assert "row 3" in str(broken.value) and "after row 1" in str(broken.value)


def _insert(engine, row_id: int, prev_hash: str, forge: bool) -> None:
    row = dict(id=row_id, at=datetime(2017, 10, 9, 12, tzinfo=UTC), actor="intruder",
               kind="alteration", operation="reassign", rso_ids='["R1"]', detail="{}",
               prev_hash=prev_hash)
    digest = audit.content_hash(row) if forge else ""
    with engine.begin() as c:
        c.execute(text("INSERT INTO audit (id, at, actor, kind, operation, rso_ids, detail, "
                       "prev_hash, hash) VALUES (:id, '2017-10-09 12:00:00.000000', :actor, "
                       ":kind, :operation, :rso_ids, :detail, :prev_hash, :hash)"),
                  {**row, "hash": digest})


def _make_room_after(engine, row_id: int) -> None:
    """Renumber the rows after ``row_id`` so that one can be inserted in the middle."""
    with engine.begin() as c:
        c.execute(text("UPDATE audit SET id = id + 100 WHERE id > :i"), {"i": row_id})


@pytest.mark.parametrize("forge", [False, True], ids=["blank hash", "forged hash"])
def test_a_row_inserted_in_the_middle_is_named(engine, forge):
    five_rows(engine)
    _make_room_after(engine, 2)
    _insert(engine, 3, rows(engine)[1]["hash"], forge)
    with pytest.raises(audit.ChainBroken) as broken:
        audit.verify(engine)
    assert (broken.value.row_id, broken.value.why) == (3, "inserted")
    assert "row 3" in str(broken.value)


def test_a_row_inserted_at_the_end_without_the_chain_is_named(engine):
    five_rows(engine)
    _insert(engine, 6, "", forge=False)
    with pytest.raises(audit.ChainBroken) as broken:
        audit.verify(engine)
    assert (broken.value.row_id, broken.value.why) == (6, "inserted")


def test_rows_from_before_the_chain_are_sealed_once_in_id_order(engine):
    with engine.begin() as c:  # as an older version wrote them: no kind, ids or hashes given
        for n, actor in enumerate(("old.one", "old.two"), start=1):
            c.execute(text("INSERT INTO audit (at, actor, operation, detail) VALUES "
                           "(:at, :actor, 'reassign', '{}')"),
                      {"at": f"2017-0{n}-01 09:00:00.000000", "actor": actor})
    assert [r["hash"] for r in rows(engine)] == ["", ""]
    audit.record(engine, "om.smith", "consultation", "open RSO detail", ["R1"])
    stored = rows(engine)
    assert [r["actor"] for r in stored] == ["old.one", "old.two", "om.smith"]
    assert all(r["hash"] for r in stored)
    assert stored[0]["kind"] == "alteration"
    assert audit.verify(engine) == audit.Verified(rows=3, head=stored[-1]["hash"])


def test_verify_seals_an_unsealed_log(engine):
    with engine.begin() as c:
        c.execute(text("INSERT INTO audit (at, actor, operation, detail) VALUES "
                       "('2017-01-01 09:00:00.000000', 'old.one', 'reassign', '{}')"))
    assert audit.verify(engine).rows == 1
    assert rows(engine)[0]["hash"] != ""


def test_a_blanked_hash_after_the_chain_began_is_not_sealed_again(engine):
    five_rows(engine)
    with engine.begin() as c:
        c.execute(text("UPDATE audit SET hash = '' WHERE id = 5"))
    with pytest.raises(audit.ChainBroken) as broken:
        audit.verify(engine)
    assert broken.value.row_id == 5


def test_entries_filter_by_rso_actor_kind_and_date(engine):
    five_rows(engine)
    assert [e["id"] for e in audit.entries(engine, rso="R3")] == [4, 5]
    assert [e["id"] for e in audit.entries(engine, rso="R")] == []
    assert [e["id"] for e in audit.entries(engine, actor="admin")] == [3]
    assert [e["id"] for e in audit.entries(engine, kind="disclosure")] == [5]
    today = datetime.now(UTC).date()
    assert len(audit.entries(engine, since=today)) == 5
    assert audit.entries(engine, since=date(today.year + 1, 1, 1)) == []
    entry = audit.entries(engine, kind="disclosure")[0]
    assert entry["detail"] == {"file": "table.csv", "rows": 2}
    assert datetime.fromisoformat(entry["at"]).tzinfo is not None


def test_unknown_kind_and_blank_actor_are_refused(engine):
    with pytest.raises(ValueError, match="kind"):
        audit.record(engine, "om.smith", "gossip", "chat")
    with pytest.raises(ValueError, match="who"):
        audit.record(engine, " ", "consultation", "open RSO detail")
    assert rows(engine) == []


def test_a_consultation_does_not_make_the_register_stale(engine):
    from ncpi_desktop.storage.snapshot import register_stamp

    with engine.connect() as c:
        before = register_stamp(c)
    audit.record(engine, "om.smith", "consultation", "list shown", ["R1"])
    with engine.connect() as c:
        assert register_stamp(c) == before
    set_policy_values(engine, {"caseload_limit_per_fte": 45.0}, as_user("admin"))
    with engine.connect() as c:
        assert register_stamp(c) != before


def test_a_demo_build_is_one_chained_collection_row(lancashire):
    built = audit.entries(lancashire, kind="collection")
    assert [(e["actor"], e["kind"], e["action"]) for e in built] == [
        ("admin", "collection", "build demo")]
    # the database made, its first user signed in, then the register written
    assert [e["action"] for e in audit.entries(lancashire)][:3] == [
        "create database", "sign in", "build demo"]
    audit.verify(lancashire)  # (other tests' reports on it add disclosure rows)
