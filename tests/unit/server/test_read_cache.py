"""The edge's read cache in process, with a controlled clock: what is served from it, and when it stops being."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from runnerlink.config import Settings
from runnerlink.server.context import RequestContext
from runnerlink.server.pipeline import Pipeline
from runnerlink.server.read_cache import ReadCache
from runnerlink.services.apprunner import PACKAGE
from runnerlink.store import open_store

AUTH = ("AWS4-HMAC-SHA256 Credential=111122223333/20240101/us-east-1/apprunner/aws4_request, "
        "SignedHeaders=host, Signature=" + "0" * 64)
SOURCE = {"AutoDeploymentsEnabled": False,
          "ImageRepository": {"ImageIdentifier": "public.ecr.aws/nginx/nginx:latest",
                              "ImageRepositoryType": "ECR_PUBLIC"}}
DELAY = 10.0
T0 = 1_800_000_000.0


@pytest.fixture(params=["memory", "sqlite"])
def edge(request, tmp_path):
    """(pipeline, calls): calls counts handler runs per operation."""
    calls: dict[str, int] = {}

    def counted(name, handler):
        def run(ctx, params):
            calls[name] = calls.get(name, 0) + 1
            return handler(ctx, params)
        return run

    package = replace(PACKAGE, handlers={name: counted(name, h) for name, h in PACKAGE.handlers.items()})
    store = open_store("memory" if request.param == "memory" else str(tmp_path))
    yield Pipeline(Settings(state="memory", lifecycle_delay=DELAY), store, [package]), calls
    store.close()


def call(pipeline: Pipeline, operation: str, payload: dict | bytes, at: float,
         account: str = "111122223333") -> RequestContext:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"content-type": "application/x-amz-json-1.0", "x-amz-target": f"AppRunner.{operation}",
               "authorization": AUTH.replace("111122223333", account)}
    ctx = RequestContext(method="POST", path="/", query={}, headers=headers, body=body, received_at=at)
    return pipeline.handle(ctx)


def test_reads_are_served_from_the_cache_until_the_status_flips(edge):
    pipeline, calls = edge
    created = call(pipeline, "CreateService", {"ServiceName": "cached", "SourceConfiguration": SOURCE}, T0)
    arn = json.loads(created.response_body)["Service"]["ServiceArn"]
    describe = {"ServiceArn": arn}

    first = call(pipeline, "DescribeService", describe, T0 + 1)
    again = call(pipeline, "DescribeService", describe, T0 + DELAY - 0.001)
    assert calls["DescribeService"] == 1 and again.from_cache
    assert again.response_body == first.response_body
    assert json.loads(again.response_body)["Service"]["Status"] == "OPERATION_IN_PROGRESS"
    assert again.request_id != first.request_id
    assert (b"x-amzn-requestid", again.request_id.encode()) in again.response_headers

    flipped = call(pipeline, "DescribeService", describe, T0 + DELAY)
    assert not flipped.from_cache
    assert json.loads(flipped.response_body)["Service"]["Status"] == "RUNNING"
    call(pipeline, "DescribeService", describe, T0 + 10**6)  # RUNNING for good: no time limit any more
    assert calls["DescribeService"] == 2
    assert [r["requestId"] for r in pipeline.traffic][-4:] == [first.request_id, again.request_id,
                                                                flipped.request_id, pipeline.traffic[-1]["requestId"]]


def test_a_write_or_another_body_or_scope_misses(edge):
    pipeline, calls = edge
    call(pipeline, "CreateService", {"ServiceName": "first", "SourceConfiguration": SOURCE}, T0)
    call(pipeline, "ListServices", {}, T0 + 1)
    call(pipeline, "ListServices", {}, T0 + 2)
    assert calls["ListServices"] == 1
    call(pipeline, "ListServices", b'{ }', T0 + 2)  # other bytes, same meaning: computed, not shared
    assert calls["ListServices"] == 2
    call(pipeline, "CreateService", {"ServiceName": "second", "SourceConfiguration": SOURCE}, T0 + 3)
    listed = call(pipeline, "ListServices", {}, T0 + 4)
    assert not listed.from_cache
    assert len(json.loads(listed.response_body)["ServiceSummaryList"]) == 2
    assert call(pipeline, "ListServices", {}, T0 + 5).from_cache
    other = call(pipeline, "ListServices", {}, T0 + 5, account="444455556666")
    assert not other.from_cache
    assert json.loads(other.response_body)["ServiceSummaryList"] == []
    assert calls["ListServices"] == 4


def test_errors_are_never_kept(edge):
    pipeline, calls = edge
    missing = {"ServiceArn": "arn:aws:apprunner:us-east-1:111122223333:service/nope/" + "0" * 32}
    for at in (T0, T0 + 1):
        ctx = call(pipeline, "DescribeService", missing, at)
        assert ctx.status == 400 and not ctx.from_cache
    assert calls["DescribeService"] == 2
    assert len(pipeline.read_cache) == 0


def test_the_cache_is_bounded():
    store = open_store("memory")
    cache = ReadCache(store, max_entries=3)
    for index in range(7):
        key = ("a/us-east-1", "ListServices", str(index).encode(), ())
        _, generation = cache.lookup(key, T0)
        cache.fill(key, generation, T0, T0 + 1, b"{}")
        assert len(cache) <= 3


def test_the_cache_is_bounded_in_bytes():
    cache = ReadCache(open_store("memory"), max_bytes=1000)
    for index in range(10):
        key = ("a/us-east-1", "ListServices", str(index).encode(), ())
        _, generation = cache.lookup(key, T0)
        cache.fill(key, generation, T0, T0 + 1, b"x" * 300)
        assert len(cache) <= 3
    assert cache.lookup(key, T0)[0] == b"x" * 300


def test_a_fill_after_a_concurrent_write_is_dropped():
    store = open_store("memory")
    cache = ReadCache(store)
    key = ("a/us-east-1", "ListServices", b"{}", ())
    _, generation = cache.lookup(key, T0)
    with store.transaction("a/us-east-1", write=True) as tx:  # lands while the answer is being computed
        tx.put("thing", "k", {})
    cache.fill(key, generation, T0, T0 + 1, b"stale")
    assert cache.lookup(key, T0)[0] is None
