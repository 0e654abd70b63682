"""The traffic log: one entry per request, numbered, kept in a bounded ring and (with a state directory) appended to
<state>/traffic.jsonl.

Appends are buffered and written once per event-loop tick (or at once outside an event loop), so a request pays for
a dict and a list append, not for a write; each entry is encoded once, with orjson (UTF-8, a line each). No fsync:
losing the last lines in a crash is acceptable for a log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from collections import deque
from pathlib import Path
from typing import Iterable, Iterator

import orjson

log = logging.getLogger("runnerlink.traffic")
RING_SIZE = 10_000
ROTATE_BYTES = 64 * 1024 * 1024
_TAIL_BYTES = 8 * 1024 * 1024
FILTERS = ("service", "operation", "outcome", "workload", "workloadName")


class TrafficLog:
    def __init__(self, path: str | Path | None = None, ring_size: int = RING_SIZE):
        self.path = Path(path) if path is not None else None
        self.ring: deque[dict] = deque(maxlen=ring_size)
        self.seq = 0
        self._pending: list[dict] = []
        self._lock = threading.Lock()
        self._flush_scheduled = False
        self._file = None
        if self.path is not None:
            self._open()

    # --- writing -----------------------------------------------------------------------------------------------
    def append(self, entry: dict) -> int:
        """Number the entry, keep it, and have it written soon. Returns its sequence number."""
        with self._lock:
            self.seq += 1
            entry["seq"] = self.seq
            self.ring.append(entry)
            if self._file is None:
                return self.seq
            self._pending.append(entry)
            if self._flush_scheduled:
                return self.seq
            self._flush_scheduled = True
        try:
            asyncio.get_running_loop().call_soon(self.flush)
        except RuntimeError:  # no event loop in this thread: write now
            self.flush()
        return entry["seq"]

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
            self._flush_scheduled = False
            if not pending or self._file is None:
                return
            try:
                self._file.write(b"".join([_encode(e) for e in pending]))
                self._file.flush()
            except (OSError, TypeError, ValueError):
                log.exception("could not write the traffic log to %s", self.path)

    def close(self) -> None:
        self.flush()
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def _open(self) -> None:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and self.path.stat().st_size > ROTATE_BYTES:
            os.replace(self.path, self.path.with_name(self.path.name + ".1"))
        self.ring.extend(self._tail())
        if self.ring:
            self.seq = self.ring[-1].get("seq", 0)
        else:
            older = self.path.with_name(self.path.name + ".1")
            self.seq = _last_seq(older) if older.exists() else 0
        self._file = open(self.path, "ab")

    def _tail(self) -> list[dict]:
        """The last entries of the file, up to the ring's size, from its last few megabytes."""
        if self.path is None or not self.path.exists():
            return []
        with open(self.path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - _TAIL_BYTES))
            data = handle.read()
        lines = data.split(b"\n")
        if size > _TAIL_BYTES:
            lines = lines[1:]  # the first is likely cut
        return list(_parse(lines[-(self.ring.maxlen or RING_SIZE) - 1:]))

    # --- reading -----------------------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[dict]:
        return iter(list(self.ring))

    def __len__(self) -> int:
        return len(self.ring)

    def __getitem__(self, index: int) -> dict:
        return self.ring[index]

    def query(self, since: int | None = None, limit: int = 100, **filters: str | None) -> list[dict]:
        """Entries matching the filters: the first `limit` after `since`, or without `since` the last `limit`."""
        wanted = {name: value.lower() for name, value in filters.items() if value}
        if since is None:
            matching = [e for e in reversed(list(self.ring)) if _matches(e, wanted)]
            return list(reversed(matching[:limit]))
        with self._lock:
            entries = list(self.ring)
        if entries and entries[0]["seq"] > since + 1 and self.path is not None:
            self.flush()
            entries = [e for e in self._read_file() if e.get("seq", 0) > since]
        out: list[dict] = []
        for entry in entries:
            if entry["seq"] > since and _matches(entry, wanted):
                out.append(entry)
                if len(out) >= limit:
                    break
        return out

    def _read_file(self) -> Iterable[dict]:
        assert self.path is not None
        older = self.path.with_name(self.path.name + ".1")
        for path in (older, self.path):
            if path.exists():
                with open(path, "rb") as handle:
                    yield from _parse(handle)


def _encode(entry: dict) -> bytes:
    """One line of the file: compact JSON, as json.dumps(separators=(",", ":")) wrote it (non-ASCII as UTF-8)."""
    try:
        return orjson.dumps(entry, option=orjson.OPT_APPEND_NEWLINE)
    except TypeError:  # what orjson refuses but json takes (a non-str key, an integer beyond 64 bits)
        return (json.dumps(entry, separators=(",", ":")) + "\n").encode()


def _matches(entry: dict, wanted: dict[str, str]) -> bool:
    for name, value in wanted.items():
        got = entry.get(name)
        if got is None or str(got).lower() != value:
            return False
    return True


def _parse(lines: Iterable[bytes]) -> Iterator[dict]:
    for line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("seq"), int):
            yield entry


def _last_seq(path: Path) -> int:
    last = 0
    with open(path, "rb") as handle:
        for entry in _parse(handle):
            last = entry["seq"]
    return last
