"""dump / clear / load of both stores: what reset and state export/import are built on."""

import pytest

from runnerlink.store import DuplicateRecord, StoredRecord, open_store


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path):
    store = open_store("memory" if request.param == "memory" else str(tmp_path))
    yield store
    store.close()


def _fill(store) -> None:
    with store.transaction("111111111111/us-east-1", write=True) as tx:
        tx.put("vpc", "vpc-2", {"n": 1})
        tx.put("subnet", "subnet-1", {"n": 2}, parent="vpc-2")
    with store.transaction("222222222222/eu-west-1", write=True) as tx:
        tx.put("vpc", "vpc-9", {"n": 3})
    with store.transaction("111111111111/us-east-1", write=True) as tx:
        tx.put("vpc", "vpc-1", {"n": 4})
        tx.put("vpc", "vpc-2", {"n": 5})  # replaced: keeps its place


def test_dump_is_every_record_in_seq_order(store):
    _fill(store)
    assert store.dump() == [
        StoredRecord("111111111111/us-east-1", "vpc", "vpc-2", None, {"n": 5}),
        StoredRecord("111111111111/us-east-1", "subnet", "subnet-1", "vpc-2", {"n": 2}),
        StoredRecord("222222222222/eu-west-1", "vpc", "vpc-9", None, {"n": 3}),
        StoredRecord("111111111111/us-east-1", "vpc", "vpc-1", None, {"n": 4}),
    ]


def test_clear_removes_only_the_chosen_scopes_and_moves_the_generation(store):
    _fill(store)
    before = store.generation()
    assert store.clear(lambda scope: scope.startswith("111111111111/")) == {"111111111111/us-east-1": 3}
    assert store.generation() != before
    assert [row.key for row in store.dump()] == ["vpc-9"]
    with store.transaction("111111111111/us-east-1") as tx:
        assert tx.scan("vpc") == [] and tx.scan("subnet", parent="vpc-2") == []
    assert store.scopes("vpc") == ["222222222222/eu-west-1"]
    quiet = store.generation()
    assert store.clear(lambda scope: False) == {}
    assert store.generation() == quiet


def test_load_replaces_everything_and_keeps_order_and_parents(store):
    _fill(store)
    rows = store.dump()
    store.clear(lambda scope: True)
    before = store.generation()
    assert store.load(reversed(rows)) == 4
    assert store.generation() != before
    assert store.dump() == list(reversed(rows))
    with store.transaction("111111111111/us-east-1", write=True) as tx:
        assert tx.scan("subnet", parent="vpc-2") == [{"n": 2}]
        assert [r["n"] for r in tx.scan("vpc")] == [4, 5]
        tx.put("vpc", "vpc-3", {"n": 6})  # new records still come after loaded ones
    assert [row.key for row in store.dump()][-1] == "vpc-3"


def test_a_failed_load_leaves_the_previous_state(store):
    _fill(store)
    before = store.dump()
    row = StoredRecord("333333333333/us-east-1", "vpc", "vpc-x", None, {"n": 0})
    with pytest.raises(DuplicateRecord):
        store.load([row, StoredRecord("444444444444/us-east-1", "vpc", "vpc-y", None, {}), row])
    assert store.dump() == before

    def failing():
        yield row
        raise RuntimeError("the source broke half-way")

    with pytest.raises(RuntimeError):
        store.load(failing())
    assert store.dump() == before
    with store.transaction("333333333333/us-east-1") as tx:
        assert tx.get("vpc", "vpc-x") is None


def test_sqlite_load_is_durable(tmp_path):
    first = open_store(str(tmp_path))
    first.load([StoredRecord("111111111111/global", "iam_role", "r", None, {"RoleName": "r"})])
    first.close()
    again = open_store(str(tmp_path))
    try:
        assert [row.record for row in again.dump()] == [{"RoleName": "r"}]
    finally:
        again.close()
