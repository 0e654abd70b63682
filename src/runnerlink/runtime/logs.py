"""A service's output, kept per service under the applications directory: the deployment log (App Runner's service
and deployment events, and the build's output) and the application log (what its instances print).

Each line is one JSON object {"time", "stream", "deployment", "text"}, so `runnerlink logs` can merge, filter and
follow them; the files are appended to by one writer (the supervisor) and read by anyone.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Iterator

BUILD = "build"
APPLICATION = "application"
STREAMS = (BUILD, APPLICATION)
MAX_LINE = 16 * 1024  # a longer line is cut: one runaway print must not make a log unreadable


class ServiceLog:
    """The two logs of one service, in directory/<stream>.log."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._lock = threading.Lock()

    def path(self, stream: str) -> Path:
        return self.directory / f"{stream}.log"

    def write(self, stream: str, text: str, deployment: str | None = None) -> None:
        entry = {"time": time.time(), "stream": stream, "deployment": deployment, "text": text[:MAX_LINE]}
        line = json.dumps(entry) + "\n"
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            with self.path(stream).open("a", encoding="utf-8") as handle:
                handle.write(line)

    def event(self, text: str, deployment: str | None = None) -> None:
        """An App Runner event (deployment started, health check passed …), in the deployment log."""
        self.write(BUILD, f"[AppRunner] {text}", deployment)


def read(directory: Path, streams: tuple[str, ...] = STREAMS) -> list[dict]:
    """Every entry of the streams, oldest first."""
    entries: list[dict] = []
    for stream in streams:
        path = directory / f"{stream}.log"
        if path.exists():
            entries.extend(_parse(path.read_text(encoding="utf-8", errors="replace").splitlines()))
    return sorted(entries, key=lambda e: e["time"])


def read_after(directory: Path, streams: tuple[str, ...] = STREAMS,
               offsets: dict[str, int] | None = None) -> tuple[list[dict], dict[str, int]]:
    """The entries of the streams written after offsets (each log from its start when not given), oldest first,
    and the offsets read up to: passed back, they give the next entries once each (a partly written last line
    waits for the next call)."""
    offsets = dict(offsets or {})
    entries: list[dict] = []
    for stream in streams:
        path = directory / f"{stream}.log"
        offset = offsets.get(stream, 0)
        if _size(path) < offset:  # the log was made anew (the service was deleted and created again)
            offset = 0
        try:
            with path.open("rb") as handle:
                handle.seek(offset)
                chunk = handle.read()
        except FileNotFoundError:
            chunk = b""
        complete = chunk[:chunk.rfind(b"\n") + 1]
        offsets[stream] = offset + len(complete)
        entries.extend(_parse(complete.decode("utf-8", errors="replace").splitlines()))
    return sorted(entries, key=lambda e: e["time"]), {stream: offsets[stream] for stream in streams}


def follow(directory: Path, streams: tuple[str, ...] = STREAMS, poll: float = 0.25) -> Iterator[dict]:
    """Entries as they are written, from now on (the caller prints read() first)."""
    offsets = {stream: _size(directory / f"{stream}.log") for stream in streams}
    while True:
        found: list[dict] = []
        for stream in streams:
            path = directory / f"{stream}.log"
            size = _size(path)
            if size < offsets[stream]:  # the service was deleted and made anew
                offsets[stream] = 0
            if size > offsets[stream]:
                with path.open("rb") as handle:
                    handle.seek(offsets[stream])
                    chunk = handle.read()
                complete = chunk[:chunk.rfind(b"\n") + 1]
                offsets[stream] += len(complete)
                found.extend(_parse(complete.decode("utf-8", errors="replace").splitlines()))
        yield from sorted(found, key=lambda e: e["time"])
        if not found:
            time.sleep(poll)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _parse(lines: list[str]) -> list[dict]:
    entries = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and "time" in entry and "text" in entry:
            entries.append(entry)
    return entries
