"""The traffic log's index: filters, anchors, positions, entries read back from the ring and from the files at their
offsets (across the rotated file), and a restart over an existing file."""

from __future__ import annotations

import asyncio
import json
import os

import orjson
import pytest

from runnerlink.server import traffic
from runnerlink.server.traffic import TrafficLog
from runnerlink.server.traffic_index import FilterError


def entry(service: str = "apprunner", outcome: str = "internet", status: int = 200, **extra) -> dict:
    return {"service": service, "operation": extra.pop("operation", "ListServices"), "outcome": outcome,
            "status": status, "decision": extra.pop("decision", None), **extra}


def seqs(lines: list[bytes]) -> list[int]:
    return [json.loads(line)["seq"] for line in lines]


def fill(log: TrafficLog, count: int) -> None:
    for n in range(1, count + 1):
        service = "ec2" if n % 3 == 0 else "apprunner"
        denied = n % 5 == 0
        log.append(entry(service, "endpoint" if n % 2 else "internet", 403 if denied else 200,
                         decision={"result": "explicitDeny" if denied else "allowed", "policy": "endpoint"},
                         workload=f"wl-{n % 4}", workloadName=f"worker-{n % 4}", vpc=f"vpc-{n % 2}"))


def test_pages_are_newest_first_and_counted_up_to_the_anchor():
    log = TrafficLog()
    fill(log, 30)
    total, anchor, last, lines = log.index.page({}, 0, 5)
    assert (total, anchor, last) == (30, 30, 30) and seqs(lines) == [30, 29, 28, 27, 26]
    total, anchor, _, lines = log.index.page({}, 5, 5, anchor=20)
    assert (total, anchor) == (20, 20) and seqs(lines) == [15, 14, 13, 12, 11]
    fill(log, 3)  # newer entries don't move a page anchored before them
    assert seqs(log.index.page({}, 5, 5, anchor=20)[3]) == [15, 14, 13, 12, 11]
    assert log.index.page({}, 0, 1)[:3] == (33, 33, 33)
    assert log.index.page({}, 40, 5)[3] == []


def test_filters_combine_and_ignore_case():
    log = TrafficLog()
    fill(log, 30)
    total, _, _, lines = log.index.page({"service": "EC2"}, 0, 100)
    assert total == 10 and seqs(lines) == list(range(30, 0, -3))
    total, _, _, lines = log.index.page({"service": "ec2", "outcome": "endpoint"}, 0, 100)
    assert seqs(lines) == [27, 21, 15, 9, 3] and total == 5
    assert seqs(log.index.page({"decision": "explicitdeny", "status": "4xx"}, 0, 100)[3]) == [30, 25, 20, 15, 10, 5]
    assert log.index.page({"decision": "none"}, 0, 100)[0] == 0
    assert seqs(log.index.page({"workload": "worker-1", "vpc": "vpc-1"}, 0, 3)[3]) == [29, 25, 21]
    assert seqs(log.index.page({"workload": "wl-1"}, 0, 3)[3]) == [29, 25, 21]  # by id or by name
    assert log.index.page({"service": "sts"}, 0, 10)[0] == 0


def test_cached_filters_are_extended_as_entries_arrive():
    log = TrafficLog()
    fill(log, 9)
    assert log.index.page({"service": "ec2"}, 0, 10)[0] == 3
    log.append(entry("ec2"))
    log.append(entry("EC2"))  # a new spelling of a value already filtered on
    total, _, _, lines = log.index.page({"service": "ec2"}, 0, 10)
    assert total == 5 and seqs(lines)[:2] == [11, 10]


def test_after_gives_the_stream_oldest_first_in_batches():
    log = TrafficLog()
    fill(log, 30)
    lines, following, last = log.index.after(20, {"service": "ec2"}, 2)
    assert seqs(lines) == [21, 24] and following == 24 and last == 30
    lines, following, _ = log.index.after(following, {"service": "ec2"}, 2)
    assert seqs(lines) == [27, 30] and following == 30
    assert log.index.after(30, {}, 10)[:2] == ([], 30)


def test_bad_filters_are_refused():
    index = TrafficLog().index
    for bad in ({"status": "200"}, {"outcome": "somewhere"}, {"decision": "maybe"}, {"colour": "red"}):
        with pytest.raises(FilterError):
            index.page(bad, 0, 10)


def test_facets_list_the_values_seen():
    log = TrafficLog()
    fill(log, 8)
    facets = log.index.facets()
    assert facets["service"] == ["apprunner", "ec2"] and facets["outcome"] == ["endpoint", "internet"]
    assert facets["decision"] == ["allowed", "explicitDeny"] and facets["vpc"] == ["vpc-0", "vpc-1"]
    assert {"id": "wl-1", "name": "worker-1"} in facets["workload"] and facets["status"] == ["2xx", "4xx"]


def test_an_in_memory_log_forgets_what_left_its_ring():
    log = TrafficLog(ring_size=10)
    fill(log, 100)
    total, _, _, lines = log.index.page({}, 0, 100)
    assert total == 10 and seqs(lines) == list(range(100, 90, -1))
    assert log.index.entry(50) is None and json.loads(log.index.entry(95))["seq"] == 95
    fill(log, 200)  # compacts the index
    assert log.index.page({}, 0, 100)[0] == 10 and len(log.index.seqs) <= 100


def test_entries_beyond_the_ring_are_read_at_their_offsets(tmp_path, monkeypatch):
    log = TrafficLog(tmp_path / "traffic.jsonl", ring_size=5)
    fill(log, 3)
    log.index.sync()  # built now: later lines are noted by flush
    fill(log, 47)
    reads = []
    real = os.pread
    monkeypatch.setattr(os, "pread", lambda fd, n, at: reads.append((n, at)) or real(fd, n, at))
    total, _, _, lines = log.index.page({}, 0, 50)
    assert total == 50 and seqs(lines) == list(range(50, 0, -1))
    assert lines[-1] == (tmp_path / "traffic.jsonl").read_bytes().split(b"\n")[0]  # the file's bytes, as written
    assert len(reads) <= 2  # the lines lie together: one read
    assert json.loads(log.index.entry(7))["seq"] == 7
    log.close()


def test_lines_gone_from_the_ring_before_the_index_looked_are_read_back(tmp_path):
    log = TrafficLog(tmp_path / "traffic.jsonl", ring_size=5)
    log.index.sync()
    fill(log, 40)  # 35 of them left the ring before the next sync
    assert log.index.page({"service": "ec2"}, 0, 100)[0] == 13
    assert seqs(log.index.page({}, 0, 100)[3]) == list(range(40, 0, -1))
    log.close()


def test_a_restart_reads_the_existing_file_and_its_rotated_predecessor(tmp_path, monkeypatch):
    path = tmp_path / "traffic.jsonl"
    log = TrafficLog(path)
    fill(log, 20)
    log.close()
    monkeypatch.setattr(traffic, "ROTATE_BYTES", 100)  # the next open rotates the file to traffic.jsonl.1
    again = TrafficLog(path, ring_size=4)
    assert (tmp_path / "traffic.jsonl.1").exists() and path.stat().st_size == 0
    assert [e["seq"] for e in again] == [17, 18, 19, 20] and again.seq == 20
    fill(again, 10)  # seq 21..30 in the new file (ec2: every third of these ten)
    total, _, _, lines = again.index.page({}, 0, 100)
    assert total == 30 and seqs(lines) == list(range(30, 0, -1))
    assert seqs(again.index.page({"service": "ec2"}, 0, 100)[3]) == [29, 26, 23, 18, 15, 12, 9, 6, 3]
    assert json.loads(again.index.entry(2))["seq"] == 2 and json.loads(again.index.entry(25))["seq"] == 25
    again.close()

    monkeypatch.undo()
    third = TrafficLog(path, ring_size=4)  # no rotation now: the index reads both files from their starts
    assert third.index.page({}, 0, 1)[0] == 30 and seqs(third.index.page({}, 29, 5)[3]) == [1]
    third.close()


def test_a_file_with_damaged_lines_is_indexed_around_them(tmp_path):
    path = tmp_path / "traffic.jsonl"
    good = [orjson.dumps({"seq": n, "service": "ec2"}) for n in (1, 2, 4)]
    path.write_bytes(good[0] + b"\n" + good[1] + b"\n{not json\n" + good[2] + b"\n" + b'{"seq": 3}\n')
    log = TrafficLog(path)
    assert seqs(log.index.page({}, 0, 10)[3]) == [4, 2, 1]  # seq 3 came after 4: out of order, left out
    log.close()


def test_appends_inside_an_event_loop_are_indexed_once_flushed(tmp_path):
    log = TrafficLog(tmp_path / "traffic.jsonl", ring_size=3)
    log.index.sync()

    async def burst() -> None:
        for _ in range(10):
            log.append(entry())
        assert log.index.page({}, 0, 100)[0] == 10  # the newest from the ring, though not written yet
        await asyncio.sleep(0)

    asyncio.run(burst())
    assert seqs(log.index.page({}, 0, 100)[3]) == list(range(10, 0, -1))
    log.close()


def test_lines_written_while_nobody_read_the_index_are_read_back_from_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(traffic, "NOTES_MAX", 10)  # the notes overflow: flush stops noting
    log = TrafficLog(tmp_path / "traffic.jsonl", ring_size=5)
    log.index.sync()
    fill(log, 40)
    assert log._notes is None
    total, _, _, lines = log.index.page({}, 0, 100)
    assert total == 40 and seqs(lines) == list(range(40, 0, -1)) and log._notes == []
    assert log.index.page({"service": "ec2"}, 0, 100)[0] == 13
    fill(log, 3)
    assert log.index.page({}, 0, 1)[0] == 43
    log.close()


@pytest.mark.parametrize("on_disk", [False, True])
def test_clear_forgets_every_entry_and_seq_goes_on(tmp_path, on_disk):
    log = TrafficLog(tmp_path / "traffic.jsonl" if on_disk else None)
    fill(log, 20)
    log.flush()
    assert log.index.page({"service": "ec2"}, 0, 100)[0] == 6  # indexed and a filter cached before the clear
    if on_disk:
        log.older_path.write_bytes(b"")  # a rotated file goes too
    log.clear()
    assert log.index.page({}, 0, 100)[0] == 0 and log.index.page({"service": "ec2"}, 0, 100)[0] == 0
    assert log.query() == [] and log.query(since=0) == [] and log.index.entry(5) is None
    log.append(entry("ec2"))
    log.flush()
    total, _, last, lines = log.index.page({"service": "ec2"}, 0, 100)
    assert (total, last, seqs(lines)) == (1, 21, [21])
    assert [e["seq"] for e in log.query(since=3)] == [21]
    if on_disk:
        assert not log.older_path.exists()
        assert [json.loads(line)["seq"] for line in log.path.read_bytes().splitlines()] == [21]
        log.close()
        again = TrafficLog(tmp_path / "traffic.jsonl")  # a restart reads what was written since, seq from there
        assert again.seq == 21 and again.index.page({}, 0, 10)[0] == 1
        again.close()
