"""The traffic log: numbering, the bounded ring, persistence across restarts, filters and paging."""

from __future__ import annotations

import asyncio
import json

from runnerlink.server.traffic import TrafficLog


def entry(service: str = "apprunner", operation: str = "ListServices", **extra) -> dict:
    return {"service": service, "operation": operation, "outcome": "internet", **extra}


def test_memory_log_is_bounded_and_numbered():
    log = TrafficLog(ring_size=3)
    for _ in range(5):
        log.append(entry())
    assert [e["seq"] for e in log] == [3, 4, 5] and log.seq == 5
    assert [e["seq"] for e in log.query(since=3)] == [4, 5]
    assert [e["seq"] for e in log.query(limit=1)] == [5]


def test_filters_match_case_insensitively():
    log = TrafficLog()
    log.append(entry())
    log.append(entry("ec2", "DescribeVpcs", outcome="endpoint", workload="wl-1"))
    log.append(entry("codebuild", "ListProjects"))
    assert [e["seq"] for e in log.query(service="EC2")] == [2]
    assert [e["seq"] for e in log.query(outcome="internet")] == [1, 3]
    assert [e["seq"] for e in log.query(workload="wl-1", operation="describevpcs")] == [2]
    assert [e["seq"] for e in log.query(since=0, limit=2)] == [1, 2]


def test_persisted_lines_survive_a_restart(tmp_path):
    path = tmp_path / "traffic.jsonl"
    log = TrafficLog(path)
    log.append(entry())
    log.append(entry("sts", "GetCallerIdentity"))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["seq"] for line in lines] == [1, 2]  # outside an event loop: written at once
    log.close()

    again = TrafficLog(path)
    assert [e["operation"] for e in again] == ["ListServices", "GetCallerIdentity"]
    assert again.append(entry()) == 3
    again.close()


def test_inside_an_event_loop_writes_are_batched_per_tick(tmp_path):
    path = tmp_path / "traffic.jsonl"
    log = TrafficLog(path)

    async def burst() -> tuple[int, int]:
        for _ in range(50):
            log.append(entry())
        before = len(path.read_text().splitlines())
        await asyncio.sleep(0)
        return before, len(path.read_text().splitlines())

    assert asyncio.run(burst()) == (0, 50)
    log.close()


def test_old_entries_beyond_the_ring_come_from_the_file(tmp_path):
    log = TrafficLog(tmp_path / "traffic.jsonl", ring_size=2)
    for _ in range(5):
        log.append(entry())
    assert [e["seq"] for e in log.query(since=0, limit=10)] == [1, 2, 3, 4, 5]
    log.close()
