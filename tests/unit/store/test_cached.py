"""store.cached: decoded records kept while the generation holds; one state per transaction, always."""

import pytest

from runnerlink.services.base import run_handler
from runnerlink.store import StoreConflict, open_store
from runnerlink.store.cached import CachedStore

SCOPE = "111122223333/us-east-1"


class Counting:
    """A store whose transactions are counted (to tell a cache hit from a read underneath)."""

    def __init__(self, store):
        self.store = store
        self.opened = 0

    def transaction(self, scope, write=False):
        self.opened += 1
        return self.store.transaction(scope, write)

    def __getattr__(self, name):
        return getattr(self.store, name)


@pytest.fixture(params=["memory", "sqlite"])
def inner(request, tmp_path):
    store = open_store("memory" if request.param == "memory" else str(tmp_path))
    with store.transaction(SCOPE, write=True) as tx:
        tx.put("thing", "a", {"Name": "a", "Nested": {"Size": 1}})
        tx.put("thing", "b", {"Name": "b", "Nested": {"Size": 2}}, parent="p")
    yield store
    store.close()


def test_a_repeated_read_opens_no_transaction_underneath(inner):
    counting = Counting(inner)
    cached = CachedStore(counting)
    for _ in range(3):
        with cached.transaction(SCOPE) as tx:
            assert tx.get("thing", "a") == {"Name": "a", "Nested": {"Size": 1}}
            assert [r["Name"] for r in tx.scan("thing")] == ["a", "b"]
            assert [r["Name"] for r in tx.scan_shared("thing", parent="p")] == ["b"]
            assert tx.get("thing", "missing") is None
    assert counting.opened == 1


def test_a_commit_is_seen_at_once(inner):
    cached = CachedStore(inner)
    with cached.transaction(SCOPE) as tx:
        assert tx.get("thing", "a")["Nested"]["Size"] == 1
    with cached.transaction(SCOPE, write=True) as tx:
        tx.put("thing", "a", {"Name": "a", "Nested": {"Size": 10}})
        tx.put("thing", "c", {"Name": "c"})
    with cached.transaction(SCOPE) as tx:
        assert tx.get("thing", "a")["Nested"]["Size"] == 10
        assert [r["Name"] for r in tx.scan("thing")] == ["a", "b", "c"]


def test_another_process_commit_is_seen(tmp_path):
    ours, theirs = open_store(str(tmp_path)), open_store(str(tmp_path))  # two connections: two processes' view
    cached = CachedStore(ours)
    with cached.transaction(SCOPE, write=True) as tx:
        tx.put("thing", "a", {"Name": "a"})
    with cached.transaction(SCOPE) as tx:
        assert tx.get("thing", "a") == {"Name": "a"}
    with theirs.transaction(SCOPE, write=True) as tx:
        tx.put("thing", "a", {"Name": "changed"})
    with cached.transaction(SCOPE) as tx:
        assert tx.get("thing", "a") == {"Name": "changed"}
    ours.close()
    theirs.close()


def test_what_callers_change_never_reaches_the_cache(inner):
    cached = CachedStore(inner)
    for _ in range(2):  # the first read fills, the second is served from the cache
        with cached.transaction(SCOPE) as tx:
            fresh = tx.get("thing", "a")
            fresh["Nested"]["Size"] = 99
            fresh["Name"] = "x"
            shared = tx.get_shared("thing", "a")
            shared["Name"] = "y"  # the top level of a shared record is the caller's own
            for record in tx.scan("thing") + tx.scan_shared("thing"):
                record["Name"] = "z"
    with cached.transaction(SCOPE) as tx:
        assert tx.get("thing", "a") == {"Name": "a", "Nested": {"Size": 1}}
        assert tx.get_shared("thing", "a") == {"Name": "a", "Nested": {"Size": 1}}
        assert [r["Name"] for r in tx.scan_shared("thing")] == ["a", "b"]


def test_a_read_that_writes_reads_its_own_writes(inner):
    cached = CachedStore(inner)
    with cached.transaction(SCOPE) as tx:
        assert tx.get("thing", "a")["Name"] == "a"
    with cached.transaction(SCOPE) as tx:
        tx.put("thing", "a", {"Name": "seeded"})
        assert tx.get("thing", "a") == {"Name": "seeded"}
        assert tx.get_shared("thing", "a") == {"Name": "seeded"}
    with cached.transaction(SCOPE) as tx:
        assert tx.get("thing", "a") == {"Name": "seeded"}


def test_a_read_served_from_two_states_is_refused_and_run_again(tmp_path):
    ours, theirs = open_store(str(tmp_path)), open_store(str(tmp_path))
    with ours.transaction(SCOPE, write=True) as tx:
        tx.put("thing", "a", {"Name": "a1"})
        tx.put("thing", "b", {"Name": "b1"})
    cached = CachedStore(ours)
    with cached.transaction(SCOPE) as tx:
        tx.get("thing", "a")  # kept: a1 at this generation

    def both(tx):
        first = tx.get("thing", "a")["Name"]  # from the cache
        with theirs.transaction(SCOPE, write=True) as other:  # another process commits meanwhile
            other.put("thing", "a", {"Name": "a2"})
            other.put("thing", "b", {"Name": "b2"})
        return first, tx.get("thing", "b")["Name"]  # a miss: read underneath, in the newer state

    with pytest.raises(StoreConflict):
        with cached.transaction(SCOPE) as tx:
            both(tx)
    with cached.transaction(SCOPE) as tx:
        tx.get("thing", "a")  # kept again, at the new generation
    calls = []

    def handler(ctx):  # the same race inside run_handler: its first run is refused, the second holds the write lock
        calls.append(ctx.tx)
        first = ctx.tx.get("thing", "a")["Name"]
        if len(calls) == 1:
            with theirs.transaction(SCOPE, write=True) as other:
                other.put("thing", "a", {"Name": "a3"})
                other.put("thing", "b", {"Name": "b3"})
        return first, ctx.tx.get("thing", "b")["Name"]

    assert run_handler(cached, handler, "111122223333", "us-east-1", write=False, lifecycle_delay=0)[0] == ("a3", "b3")
    assert len(calls) == 2
    ours.close()
    theirs.close()


def test_in_scope_views_share_the_transaction(inner):
    cached = CachedStore(inner)
    other = "444455556666/us-east-1"
    with cached.transaction(SCOPE, write=True) as tx:
        tx.in_scope(other).put("thing", "x", {"Name": "x"})
    for _ in range(2):
        with cached.transaction(SCOPE) as tx:
            assert tx.in_scope(other).get("thing", "x") == {"Name": "x"}
            assert tx.in_scope(other).get("thing", "a") is None
            assert tx.get("thing", "a")["Name"] == "a"


def test_the_cache_is_bounded(inner):
    cached = CachedStore(inner, max_entries=3)
    with cached.transaction(SCOPE) as tx:
        for index in range(10):
            assert tx.get("thing", f"k{index}") is None
    assert len(cached._state[1]) <= 3
