"""services.common.derived: a value kept per store generation and per clock instant, never past either."""

import math

import pytest

from runnerlink.services.base import run_handler
from runnerlink.services.common import derived, finished
from runnerlink.store import open_store
from runnerlink.store.cached import CachedStore

ACCOUNT, REGION = "111122223333", "us-east-1"


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path):
    inner = open_store("memory" if request.param == "memory" else str(tmp_path))
    with inner.transaction(f"{ACCOUNT}/{REGION}", write=True) as tx:
        tx.put("thing", "a", {"n": 1})
    yield CachedStore(inner)
    inner.close()


def read(store, builds: list, now: float = 100.0, flips_at: float | None = None):
    def build(ctx):
        builds.append(ctx.now)
        if flips_at is not None:
            finished(ctx, flips_at)
        return {"n": ctx.tx.get_shared("thing", "a")["n"]}

    def handler(ctx):
        return derived(ctx, "view", lambda: build(ctx))

    return run_handler(store, handler, ACCOUNT, REGION, write=False, lifecycle_delay=0.0, now=now)


def test_kept_while_the_generation_holds_and_built_again_after_a_write(store):
    builds: list = []
    first, _ = read(store, builds)
    second, _ = read(store, builds)
    assert first == second == {"n": 1} and second is first and len(builds) == 1
    with store.transaction(f"{ACCOUNT}/{REGION}", write=True) as tx:
        tx.put("thing", "a", {"n": 2})
    third, _ = read(store, builds)
    assert third == {"n": 2} and len(builds) == 2


def test_kept_only_until_the_instant_it_derived_from_the_clock(store):
    builds: list = []
    _, ctx = read(store, builds, now=100.0, flips_at=150.0)
    assert ctx.changes_at == 150.0
    _, ctx = read(store, builds, now=149.0, flips_at=150.0)
    assert len(builds) == 1 and ctx.changes_at == 150.0  # a hit still tells the edge when it changes
    read(store, builds, now=150.0, flips_at=150.0)
    assert len(builds) == 2
    read(store, builds, now=120.0, flips_at=150.0)  # the clock stepped back: not a value from its future
    assert len(builds) == 3


def test_without_a_caching_store_every_read_builds(tmp_path):
    inner = open_store("memory")
    with inner.transaction(f"{ACCOUNT}/{REGION}", write=True) as tx:
        tx.put("thing", "a", {"n": 1})
    builds: list = []
    read(inner, builds)
    _, ctx = read(inner, builds)
    assert len(builds) == 2 and ctx.changes_at == math.inf


def test_a_write_transaction_keeps_nothing(store):
    builds: list = []
    run_handler(store, lambda ctx: derived(ctx, "view", lambda: builds.append(1) or 1), ACCOUNT, REGION,
                write=True, lifecycle_delay=0.0, now=100.0)
    read(store, builds)
    assert len(builds) == 2
