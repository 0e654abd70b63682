"""Instances a dead server left running are ended by the next one, and a reused process id is left alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from runnerlink.runtime import orphans


def _sleeper() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)


def test_a_noted_instance_still_running_is_ended_and_forgotten(tmp_path):
    process = _sleeper()
    path = orphans.note(tmp_path, process.pid)
    assert json.loads(path.read_text())["started"] == orphans.start_ticks(process.pid)
    assert orphans.reap(tmp_path) == [process.pid]
    assert process.wait(timeout=5) is not None
    assert not path.exists()


def test_a_process_id_now_used_by_another_process_is_not_touched(tmp_path):
    process = _sleeper()
    try:
        path = orphans.note(tmp_path, process.pid)
        entry = json.loads(path.read_text())
        path.write_text(json.dumps({**entry, "started": entry["started"] - 1}))  # as if the id had been reused
        assert orphans.reap(tmp_path) == []
        time.sleep(0.1)
        assert process.poll() is None and not path.exists()
    finally:
        process.kill()
        process.wait()


def test_forgotten_and_unreadable_entries_end_nothing(tmp_path):
    process = _sleeper()
    try:
        orphans.forget(orphans.note(tmp_path, process.pid))
        (tmp_path / orphans.DIRECTORY / "junk.json").write_text("not json")
        assert orphans.reap(tmp_path) == []
        assert process.poll() is None
        assert os.listdir(tmp_path / orphans.DIRECTORY) == []
    finally:
        process.kill()
        process.wait()
