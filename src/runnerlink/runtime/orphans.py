"""Instances a server that died (SIGKILL, a crash) left running. While an instance runs, a small file under the
applications directory names its process group and when the process started; the next supervisor on that directory
ends the groups still alive (the start time tells a reused process id from the instance's)."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

DIRECTORY = "instances"  # <apps dir>/instances/<pid>.json
GRACE = 5.0  # seconds between SIGTERM and SIGKILL


def note(apps_dir: Path, pid: int) -> Path:
    """Record a running instance's process group; the file to forget() once it is stopped."""
    directory = apps_dir / DIRECTORY
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{pid}.json"
    path.write_text(json.dumps({"pid": pid, "started": start_ticks(pid)}), encoding="utf-8")
    return path


def forget(path: Path) -> None:
    path.unlink(missing_ok=True)


def reap(apps_dir: Path) -> list[int]:
    """End the instances a previous server left running; the process ids ended."""
    ended = []
    for path in sorted((apps_dir / DIRECTORY).glob("*.json")):
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            pid, started = int(entry["pid"]), entry.get("started")
        except (OSError, ValueError, KeyError, TypeError):
            forget(path)
            continue
        if started is not None and start_ticks(pid) == started and _end_group(pid):
            ended.append(pid)
        forget(path)
    return ended


def start_ticks(pid: int) -> int | None:
    """When the process started (clock ticks since boot, /proc/<pid>/stat field 22); None where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split()  # after "pid (comm) ": field 3 onwards
    return int(fields[19]) if len(fields) > 19 else None


def _end_group(pid: int) -> bool:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            return sig is signal.SIGKILL
        deadline = time.monotonic() + GRACE
        while time.monotonic() < deadline:
            if start_ticks(pid) is None:
                return True
            time.sleep(0.05)
    return True
