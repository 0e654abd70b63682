"""A service's logs: timestamped JSON lines per stream, read merged in time order, and followed as they grow."""

from __future__ import annotations

import itertools
import threading
import time

from runnerlink.runtime.logs import APPLICATION, BUILD, ServiceLog, follow, read


def test_streams_are_kept_apart_and_read_merged_in_time_order(tmp_path):
    log = ServiceLog(tmp_path / "svc")
    log.event("deployment started", "d1")
    log.write(APPLICATION, "listening", "d1")
    log.write(BUILD, "pip install", "d1")
    merged = read(tmp_path / "svc")
    assert [(e["stream"], e["text"]) for e in merged] == [
        (BUILD, "[AppRunner] deployment started"), (APPLICATION, "listening"), (BUILD, "pip install")]
    assert [e["text"] for e in read(tmp_path / "svc", (APPLICATION,))] == ["listening"]
    assert all(e["deployment"] == "d1" and e["time"] > 0 for e in merged)
    assert read(tmp_path / "nothing") == []


def test_follow_yields_what_is_written_after_it_starts(tmp_path):
    log = ServiceLog(tmp_path / "svc")
    log.write(BUILD, "before")

    def later():
        time.sleep(0.2)
        log.write(APPLICATION, "after")

    threading.Thread(target=later).start()
    (entry,) = itertools.islice(follow(tmp_path / "svc", poll=0.05), 1)
    assert entry["text"] == "after" and entry["stream"] == APPLICATION
