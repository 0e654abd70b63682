"""The store's secondary index: records put with a parent, scanned by parent (both back ends), and the migration of
a SQLite database from before the parent column."""

import sqlite3

import orjson
import pytest

from runnerlink.store import open_store
from runnerlink.store.factory import DATABASE_FILE

SCOPE = "a/us-east-1"


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path):
    store = open_store("memory" if request.param == "memory" else str(tmp_path))
    yield store
    store.close()


def _ns(records):
    return [r["n"] for r in records]


def test_scan_by_parent_in_put_order(store):
    with store.transaction(SCOPE, write=True) as tx:
        tx.put("subnet", "s1", {"n": 1}, parent="vpc-a")
        tx.put("subnet", "s2", {"n": 2}, parent="vpc-b")
        tx.put("subnet", "s3", {"n": 3}, parent="vpc-a")
        tx.put("subnet", "s4", {"n": 4})
        tx.put("route-table", "r1", {"n": 5}, parent="vpc-a")
    with store.transaction(SCOPE) as tx:
        assert _ns(tx.scan("subnet", parent="vpc-a")) == [1, 3]
        assert _ns(tx.scan("subnet", parent="vpc-b")) == [2]
        assert tx.scan("subnet", parent="vpc-c") == []
        assert _ns(tx.scan("subnet", parent=["vpc-b", "vpc-a", "vpc-b"])) == [1, 2, 3]  # put order, no duplicates
        assert tx.scan("subnet", parent=[]) == []
        assert _ns(tx.scan("subnet")) == [1, 2, 3, 4]  # no parent: every record, parented or not
        assert _ns(tx.scan("route-table", parent="vpc-a")) == [5]


def test_every_put_sets_the_parent_anew(store):
    with store.transaction(SCOPE, write=True) as tx:
        tx.put("subnet", "s1", {"n": 1}, parent="vpc-a")
        tx.put("subnet", "s2", {"n": 2}, parent="vpc-a")
    with store.transaction(SCOPE, write=True) as tx:
        tx.put("subnet", "s1", {"n": 10}, parent="vpc-b")  # moved, and keeps its place in scan order
        tx.put("subnet", "s2", {"n": 20})  # no parent any more
        assert _ns(tx.scan("subnet", parent="vpc-a")) == []  # the transaction sees its own writes
        assert _ns(tx.scan("subnet", parent="vpc-b")) == [10]
    with store.transaction(SCOPE) as tx:
        assert tx.scan("subnet", parent="vpc-a") == []
        assert _ns(tx.scan("subnet", parent="vpc-b")) == [10]
        assert _ns(tx.scan("subnet")) == [10, 20]


def test_scan_by_parent_sees_uncommitted_puts_and_deletes(store):
    with store.transaction(SCOPE, write=True) as tx:
        tx.put("subnet", "s1", {"n": 1}, parent="vpc-a")
        tx.put("subnet", "s2", {"n": 2}, parent="vpc-a")
    with store.transaction(SCOPE, write=True) as tx:
        tx.delete("subnet", "s1")
        tx.put("subnet", "s3", {"n": 3}, parent="vpc-a")
        tx.put("subnet", "s2", {"n": 22}, parent="vpc-a")
        assert _ns(tx.scan("subnet", parent="vpc-a")) == [22, 3]
    with store.transaction(SCOPE) as tx:
        assert _ns(tx.scan("subnet", parent="vpc-a")) == [22, 3]


def test_rolled_back_parents_are_forgotten(store):
    with store.transaction(SCOPE, write=True) as tx:
        tx.put("subnet", "s1", {"n": 1}, parent="vpc-a")
    with pytest.raises(RuntimeError):
        with store.transaction(SCOPE, write=True) as tx:
            tx.put("subnet", "s1", {"n": 1}, parent="vpc-b")
            tx.put("subnet", "s2", {"n": 2}, parent="vpc-b")
            raise RuntimeError("handler failed")
    with store.transaction(SCOPE) as tx:
        assert _ns(tx.scan("subnet", parent="vpc-a")) == [1]
        assert tx.scan("subnet", parent="vpc-b") == []


def test_parents_are_per_scope_and_kind(store):
    with store.transaction(SCOPE, write=True) as tx:
        tx.put("subnet", "s1", {"n": 1}, parent="vpc-a")
    with store.transaction("b/us-east-1") as tx:
        assert tx.scan("subnet", parent="vpc-a") == []
    with store.transaction(SCOPE) as tx:
        assert tx.scan("vpc-endpoint", parent="vpc-a") == []


def test_deleting_a_record_drops_it_from_its_parent(store):
    with store.transaction(SCOPE, write=True) as tx:
        tx.put("subnet", "s1", {"n": 1}, parent="vpc-a")
    with store.transaction(SCOPE, write=True) as tx:
        tx.delete("subnet", "s1")
    with store.transaction(SCOPE, write=True) as tx:
        assert tx.scan("subnet", parent="vpc-a") == []
        tx.put("subnet", "s1", {"n": 2}, parent="vpc-a")  # a new record under the old key
    with store.transaction(SCOPE) as tx:
        assert _ns(tx.scan("subnet", parent="vpc-a")) == [2]


def test_sqlite_scan_by_parent_uses_the_index(tmp_path):
    store = open_store(str(tmp_path))
    try:
        plan = store._conn.execute(
            "EXPLAIN QUERY PLAN SELECT data FROM records INDEXED BY records_by_parent "
            "WHERE scope=? AND kind=? AND parent IN (?) ORDER BY seq", (SCOPE, "subnet", "vpc-a")).fetchall()
        assert any("records_by_parent" in row[-1] for row in plan)
    finally:
        store.close()


OLD_SCHEMA = """
CREATE TABLE records (
    seq   INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT NOT NULL,
    kind  TEXT NOT NULL,
    key   TEXT NOT NULL,
    data  TEXT NOT NULL,
    UNIQUE (scope, kind, key)
);
"""


def _old_database(path):
    """A database as runnerlink wrote it before records had a parent column."""
    conn = sqlite3.connect(str(path / DATABASE_FILE))
    conn.executescript(OLD_SCHEMA)
    rows = [(SCOPE, "vpc", "vpc-a", {"VpcId": "vpc-a", "n": 0}),
            (SCOPE, "subnet", "s1", {"SubnetId": "s1", "VpcId": "vpc-a", "n": 1}),
            (SCOPE, "subnet", "s2", {"SubnetId": "s2", "VpcId": "vpc-b", "n": 2}),
            (SCOPE, "subnet", "s3", {"SubnetId": "s3", "VpcId": "vpc-a", "n": 3}),
            (SCOPE, "service", "arn", {"ServiceArn": "arn", "n": 4}),
            (SCOPE, "odd", "o", {"VpcId": ["not", "an", "id"], "n": 5})]
    conn.executemany("INSERT INTO records (scope, kind, key, data) VALUES (?, ?, ?, ?)",
                     [(s, k, key, orjson.dumps(d).decode()) for s, k, key, d in rows])
    conn.commit()
    conn.close()


def test_sqlite_migrates_an_old_database(tmp_path):
    _old_database(tmp_path)
    store = open_store(str(tmp_path))
    try:
        columns = [row[1] for row in store._conn.execute("PRAGMA table_info(records)")]
        assert "parent" in columns
        with store.transaction(SCOPE) as tx:
            # existing records got their parent from VpcId; everything else reads as before
            assert _ns(tx.scan("subnet", parent="vpc-a")) == [1, 3]
            assert _ns(tx.scan("subnet", parent="vpc-b")) == [2]
            assert _ns(tx.scan("vpc", parent="vpc-a")) == [0]
            assert _ns(tx.scan("subnet")) == [1, 2, 3]
            assert tx.get("service", "arn") == {"ServiceArn": "arn", "n": 4}
            assert tx.get("odd", "o")["n"] == 5
        with store.transaction(SCOPE, write=True) as tx:
            tx.put("subnet", "s4", {"n": 4}, parent="vpc-a")
        with store.transaction(SCOPE) as tx:
            assert _ns(tx.scan("subnet", parent="vpc-a")) == [1, 3, 4]
    finally:
        store.close()
    again = open_store(str(tmp_path))  # a second open finds nothing to migrate and changes nothing
    try:
        with again.transaction(SCOPE) as tx:
            assert _ns(tx.scan("subnet", parent="vpc-a")) == [1, 3, 4]
    finally:
        again.close()


def test_sqlite_two_stores_opening_an_old_database_migrate_it_once(tmp_path):
    _old_database(tmp_path)
    first, second = open_store(str(tmp_path)), open_store(str(tmp_path))
    try:
        with second.transaction(SCOPE) as tx:
            assert _ns(tx.scan("subnet", parent="vpc-a")) == [1, 3]
    finally:
        first.close()
        second.close()


def test_scopes_lists_the_scopes_holding_a_kind(store):
    with store.transaction("111122223333/us-east-1", write=True) as tx:
        tx.put("service", "a", {"n": 1})
        tx.put("vpc", "v", {"n": 2})
    with store.transaction("444455556666/eu-west-1", write=True) as tx:
        tx.put("service", "b", {"n": 3})
    with store.transaction("777788889999/us-west-2", write=True) as tx:
        tx.put("service", "c", {"n": 4})
        tx.delete("service", "c")
    assert sorted(store.scopes("service")) == ["111122223333/us-east-1", "444455556666/eu-west-1"]
    assert store.scopes("vpc") == ["111122223333/us-east-1"]
    assert store.scopes("nothing") == []
