"""The traffic log: one entry per request, numbered, kept in a bounded ring and (with a state directory) appended to
<state>/traffic.jsonl.

Appends are buffered and written once per event-loop tick (or at once outside an event loop), so a request pays for
a dict and a list append, not for a write; each entry is encoded once, with orjson (UTF-8, a line each). No fsync:
losing the last lines in a crash is acceptable for a log.

`index` (server/traffic_index.py) answers the dashboard's pages, facets and stream over every entry still readable
(the ring, or both files); it costs appends nothing but a note of each line flush writes, once it was first used.
`wake`, when set (server/traffic_stream.py), is called after each append, from whatever thread appended.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from collections import deque
from pathlib import Path
from typing import Callable, Iterable, Iterator

import orjson

from runnerlink.server.traffic_index import TrafficIndex, encode_line as _encode

log = logging.getLogger("runnerlink.traffic")
RING_SIZE = 10_000
ROTATE_BYTES = 64 * 1024 * 1024
_TAIL_BYTES = 8 * 1024 * 1024
NOTES_MAX = 100_000  # lines noted for the index before it must read them back from the file instead
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
        self._size = 0  # bytes in the current file
        self._notes: list[tuple[int, int, int]] | None = None  # (seq, offset, length) of lines written, for the index
        self._unnoted_from: int | None = None  # where the lines start that were written unnoted (notes overflowed)
        self.wake: Callable[[], None] | None = None
        if self.path is not None:
            self._open()
        self.index = TrafficIndex(self)

    @property
    def older_path(self) -> Path | None:
        """The rotated file (<name>.1), kept for one more run."""
        return None if self.path is None else self.path.with_name(self.path.name + ".1")

    # --- writing -----------------------------------------------------------------------------------------------
    def append(self, entry: dict) -> int:
        """Number the entry, keep it, and have it written soon. Returns its sequence number."""
        with self._lock:
            self.seq += 1
            entry["seq"] = self.seq
            self.ring.append(entry)
            seq = self.seq
            schedule = self._file is not None and not self._flush_scheduled
            if self._file is not None:
                self._pending.append(entry)
                self._flush_scheduled = True
        if schedule:
            try:
                asyncio.get_running_loop().call_soon(self.flush)
            except RuntimeError:  # no event loop in this thread: write now
                self.flush()
        wake = self.wake
        if wake is not None:
            wake()
        return seq

    def flush(self) -> None:
        with self._lock:
            self._write_pending()

    def _write_pending(self) -> None:
        """Write the pending entries (the caller holds the lock)."""
        pending, self._pending = self._pending, []
        self._flush_scheduled = False
        if not pending or self._file is None:
            return
        try:
            lines = [_encode(e) for e in pending]
        except (TypeError, ValueError):
            lines = []
            for entry in pending:
                try:
                    lines.append(_encode(entry))
                except (TypeError, ValueError):
                    log.exception("could not encode a traffic log entry")
                    pending = [e for e in pending if e is not entry]
        try:
            self._file.write(b"".join(lines))
            self._file.flush()
        except (OSError, ValueError):
            log.exception("could not write the traffic log to %s", self.path)
            return
        notes = self._notes
        offset = self._size
        if notes is not None and len(notes) > NOTES_MAX:
            # Nobody has read the index for a long while: stop noting; it reads these lines back from the file.
            self._notes, self._unnoted_from, notes = None, notes[0][1], None
        if notes is not None:
            for entry, line in zip(pending, lines):
                notes.append((entry["seq"], offset, len(line)))
                offset += len(line)
        else:
            offset += sum(map(len, lines))
        self._size = offset

    def clear(self) -> None:
        """Forget every entry (a reset): the ring, the files, the index. seq goes on rising, so a reader's since=
        cursor stays valid: it just finds nothing older than the reset."""
        with self.index.lock:  # the index takes its lock before the log's (sync), so here too
            with self._lock:
                self._pending = []
                self._flush_scheduled = False
                self.ring.clear()
                if self._notes is not None:
                    self._notes = []
                self._unnoted_from = None
                if self._file is not None:
                    self._file.truncate(0)
                    self._size = 0
                older = self.older_path
                if older is not None:
                    older.unlink(missing_ok=True)
            self.index.reset()

    def close(self) -> None:
        self.flush()
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
        self.index.close()

    def _open(self) -> None:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        older = self.older_path
        assert older is not None
        if self.path.exists() and self.path.stat().st_size > ROTATE_BYTES:
            os.replace(self.path, older)
        want = self.ring.maxlen or RING_SIZE
        current = _tail(self.path, want)
        if len(current) < want and older.exists():  # just rotated: the ring starts with the older file's last lines
            self.ring.extend(_tail(older, want - len(current)))
        self.ring.extend(current)
        self.seq = self.ring[-1]["seq"] if self.ring else 0
        self._file = open(self.path, "ab")
        self._size = self._file.seek(0, os.SEEK_END)

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
        out: list[dict] = []
        if entries and entries[0]["seq"] > since + 1 and self.path is not None:
            # Older than the ring: from the file, through the index (a batch of lines at a time, never all of it).
            for entry in self._older(since, entries[0]["seq"]):
                if _matches(entry, wanted):
                    out.append(entry)
                    if len(out) >= limit:
                        return out
            since = entries[0]["seq"] - 1
        for entry in entries:
            if entry["seq"] > since and _matches(entry, wanted):
                out.append(entry)
                if len(out) >= limit:
                    break
        return out


    def _older(self, since: int, before: int) -> Iterator[dict]:
        """The entries with since < seq < before, from the files."""
        while since < before - 1:
            lines, _, _ = self.index.after(since, {}, 500)
            if not lines:
                return
            for entry in _parse(lines):
                if entry["seq"] >= before:
                    return
                since = entry["seq"]
                yield entry


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
            entry = orjson.loads(line)
        except ValueError:
            try:
                entry = json.loads(line)  # what orjson refuses: an integer beyond 64 bits
            except ValueError:
                continue
        if isinstance(entry, dict) and isinstance(entry.get("seq"), int):
            yield entry


def _tail(path: Path, count: int) -> list[dict]:
    """The last `count` entries of a file, from its last few megabytes."""
    if count <= 0 or not path.exists():
        return []
    with open(path, "rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(0, size - _TAIL_BYTES))
        data = handle.read()
    lines = data.split(b"\n")
    if size > _TAIL_BYTES:
        lines = lines[1:]  # the first is likely cut
    return list(_parse(lines[-count - 1:]))[-count:]

