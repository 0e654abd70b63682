import subprocess
import sys

import pytest

from runnerlink.store import open_store


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path):
    store = open_store("memory" if request.param == "memory" else str(tmp_path))
    yield store
    store.close()


def test_put_get_scan_in_insertion_order(store):
    with store.transaction("a/us-east-1", write=True) as tx:
        tx.put("thing", "b", {"n": 1})
        tx.put("thing", "a", {"n": 2})
        assert [r["n"] for r in tx.scan("thing")] == [1, 2]  # reads see the transaction's own writes
    with store.transaction("a/us-east-1", write=True) as tx:
        tx.put("thing", "b", {"n": 3})  # replacing keeps its place
        tx.put("thing", "c", {"n": 4})
    with store.transaction("a/us-east-1") as tx:
        assert tx.get("thing", "b") == {"n": 3}
        assert [r["n"] for r in tx.scan("thing")] == [3, 2, 4]


def test_scopes_are_isolated(store):
    with store.transaction("a/us-east-1", write=True) as tx:
        tx.put("thing", "k", {"n": 1})
    with store.transaction("b/us-east-1") as tx:
        assert tx.get("thing", "k") is None
        assert tx.scan("thing") == []


def test_exception_rolls_back_everything(store):
    with store.transaction("a/us-east-1", write=True) as tx:
        tx.put("thing", "kept", {"n": 0})
    with pytest.raises(RuntimeError):
        with store.transaction("a/us-east-1", write=True) as tx:
            tx.put("thing", "new", {"n": 1})
            tx.delete("thing", "kept")
            raise RuntimeError("handler failed")
    with store.transaction("a/us-east-1") as tx:
        assert tx.get("thing", "new") is None
        assert tx.get("thing", "kept") == {"n": 0}


def test_returned_records_are_copies(store):
    with store.transaction("a/us-east-1", write=True) as tx:
        record = {"list": [1]}
        tx.put("thing", "k", record)
        record["list"].append(2)
        tx.get("thing", "k")["list"].append(3)
    with store.transaction("a/us-east-1") as tx:
        assert tx.get("thing", "k") == {"list": [1]}


def test_delete(store):
    with store.transaction("a/us-east-1", write=True) as tx:
        tx.put("thing", "k", {})
    with store.transaction("a/us-east-1", write=True) as tx:
        tx.delete("thing", "k")
        assert tx.get("thing", "k") is None
        assert tx.scan("thing") == []


def test_sqlite_survives_reopen(tmp_path):
    store = open_store(str(tmp_path))
    with store.transaction("a/us-east-1", write=True) as tx:
        tx.put("thing", "k", {"n": 1})
    store.close()
    reopened = open_store(str(tmp_path))
    with reopened.transaction("a/us-east-1") as tx:
        assert tx.get("thing", "k") == {"n": 1}
    reopened.close()


def test_a_read_transaction_may_still_write(store):
    with store.transaction("a/us-east-1") as tx:
        tx.put("seed", "default", {"n": 1})
    with store.transaction("a/us-east-1") as tx:
        assert tx.get("seed", "default") == {"n": 1}


# --- generation(): what the edge's read cache relies on --------------------------------------------------------------

def test_generation_changes_with_every_commit_that_wrote(store):
    first = store.generation()
    with store.transaction("a/us-east-1") as tx:
        tx.get("thing", "k")
        tx.scan("thing")
    assert store.generation() == first  # reading changes nothing
    with store.transaction("a/us-east-1", write=True) as tx:
        tx.put("thing", "k", {"n": 1})
    second = store.generation()
    assert second != first
    with store.transaction("b/us-east-1", write=True) as tx:
        tx.delete("thing", "k")
    third = store.generation()
    assert third not in (first, second)
    with store.transaction("a/us-east-1") as tx:  # a read transaction that seeds a default writes too
        tx.put("seed", "default", {"n": 1})
    assert store.generation() not in (first, second, third)


def test_sqlite_generation_without_the_wal_index_header(tmp_path):
    store = _without_wal_index(open_store(str(tmp_path)))
    try:
        first = store.generation()
        with store.transaction("a/us-east-1", write=True) as tx:
            tx.put("thing", "k", {"n": 1})
        assert store.generation() != first
    finally:
        store.close()


def test_sqlite_generation_of_a_torn_wal_index_header_falls_back(tmp_path):
    """While a writer is between the header's two copies, the copies differ: PRAGMA data_version answers."""
    store = open_store(str(tmp_path))
    try:
        class Torn:
            def read(self):
                return None

            def close(self):
                pass

        steady = store.generation()
        store._wal_index = Torn()
        assert isinstance(store.generation()[1], int) and store.generation() != steady
    finally:
        store.close()


def test_generation_unchanged_by_a_rolled_back_write(store):
    before = store.generation()
    with pytest.raises(RuntimeError):
        with store.transaction("a/us-east-1", write=True) as tx:
            tx.put("thing", "k", {"n": 1})
            raise RuntimeError("handler failed")
    assert store.generation() == before


def _without_wal_index(store):
    """Make a SQLite store fall back from reading the -shm file's header to PRAGMA data_version."""
    assert store._wal_index is not None  # the fast path is what runs by default
    store._wal_index.close()
    store._wal_index = None
    return store


@pytest.mark.parametrize("path", ["wal-index", "pragma"])
def test_sqlite_generation_sees_commits_of_another_connection(tmp_path, path):
    """Two stores on one state directory stand for two processes sharing it."""
    ours, theirs = open_store(str(tmp_path)), open_store(str(tmp_path))
    if path == "pragma":
        _without_wal_index(ours)
    try:
        before = ours.generation()
        with theirs.transaction("a/us-east-1", write=True) as tx:
            tx.put("thing", "k", {"n": 1})
        after = ours.generation()
        assert after != before
        with ours.transaction("a/us-east-1") as tx:
            assert tx.get("thing", "k") == {"n": 1}
        assert ours.generation() == after
        with theirs.transaction("a/us-east-1") as tx:
            tx.get("thing", "k")
        assert ours.generation() == after  # their reads change nothing either
    finally:
        ours.close()
        theirs.close()


@pytest.mark.parametrize("path", ["wal-index", "pragma"])
def test_sqlite_generation_sees_a_write_by_another_process(tmp_path, path):
    ours = open_store(str(tmp_path))
    if path == "pragma":
        _without_wal_index(ours)
    try:
        before = ours.generation()
        code = ("import sys; from runnerlink.store import open_store; s = open_store(sys.argv[1]);\n"
                "with s.transaction('a/us-east-1', write=True) as tx: tx.put('thing', 'k', {'n': 1})\n"
                "s.close()")
        subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, timeout=60)
        assert ours.generation() != before
    finally:
        ours.close()


def test_sqlite_read_transaction_that_cannot_upgrade_raises_conflict(tmp_path):
    from runnerlink.store import StoreConflict

    first, second = open_store(str(tmp_path)), open_store(str(tmp_path))
    with first.transaction("a/us-east-1", write=True) as tx:
        tx.put("thing", "k", {"n": 0})
    with pytest.raises(StoreConflict):
        with first.transaction("a/us-east-1") as tx:
            assert tx.get("thing", "k") == {"n": 0}  # the read snapshot is taken here
            with second.transaction("a/us-east-1", write=True) as other:
                other.put("thing", "k", {"n": 1})  # another process commits after that snapshot
            tx.put("thing", "seeded", {"n": 2})  # a read transaction now can't write
    with first.transaction("a/us-east-1", write=True) as tx:  # retried as a write transaction it works
        assert tx.get("thing", "k") == {"n": 1}
        tx.put("thing", "seeded", {"n": 2})
    first.close()
    second.close()


def test_in_scope_reads_and_writes_another_scope_in_the_same_unit_of_work(store):
    with store.transaction("b/global", write=True) as tx:
        tx.put("role", "r", {"n": 1})
    with store.transaction("a/global", write=True) as tx:
        other = tx.in_scope("b/global")
        assert other.get("role", "r") == {"n": 1}
        assert tx.get("role", "r") is None  # the transaction's own scope is unchanged
        other.put("session", "s", {"n": 2})
    with store.transaction("b/global") as tx:
        assert tx.get("session", "s") == {"n": 2}
    with pytest.raises(RuntimeError):
        with store.transaction("a/global", write=True) as tx:
            tx.in_scope("b/global").put("session", "lost", {"n": 3})
            raise RuntimeError("handler failed")
    with store.transaction("b/global") as tx:
        assert tx.get("session", "lost") is None  # rolled back with the transaction it belongs to
