"""A compact columnar index of every traffic log entry that can still be read, for the dashboard's pages, facets
and stream: per entry (a position, in seq order) its seq, each filter field as a small integer code into a table of
the values seen, its HTTP status class, and for an entry in <state>/traffic.jsonl or its rotated .1 the line's byte
offset and length.

The index costs a request nothing: it is brought up to date when read, from the log's ring (the entries' dicts) and
from the lines TrafficLog.flush noted writing (seq, offset, length). With a state directory it is built once from the
files (one orjson parse per line) the first time it is needed. Entries are read back from the ring, or by os.pread of
their lines: a page never parses the file. Filtered position lists are cached per filter and extended as entries
arrive.
"""

from __future__ import annotations

import os
import re
import threading
from array import array
from bisect import bisect_left, bisect_right
from itertools import compress
import json
from typing import Any, Iterable, Iterator

import orjson

# The coded fields; "decision" is the decision's result, or "none" when no policy was evaluated.
FIELDS = ("service", "operation", "outcome", "decision", "workload", "workloadName", "vpc", "account", "region")
# The filters a page or a stream takes (workload: a workload's id or its name; status: "2xx", "4xx" …).
FILTERS = ("service", "operation", "outcome", "decision", "workload", "vpc", "account", "region", "status")
OUTCOMES = ("endpoint", "internet", "unreachable", "local")
DECISIONS = ("allowed", "explicitDeny", "implicitDeny", "none")
MAX_LIMIT = 500
_STATUS = re.compile(r"^([1-5])xx$", re.IGNORECASE)
_READ_CHUNK = 16 * 1024 * 1024
_MAX_SPAN = 2 * 1024 * 1024  # one pread covers a page's lines when they lie this close together
_OLDER, _CURRENT = 1, 2  # loc_file: which file holds a line (0: none, the entry is only in the ring)


class FilterError(ValueError):
    """A page, entry or stream asked with a parameter that means nothing: 400 with this message."""


class _Values:
    """One field's table: code → value (0 is None), and the codes of each lowercased value (filters ignore case)."""

    __slots__ = ("values", "codes", "lower")

    def __init__(self) -> None:
        self.values: list[str | None] = [None]
        self.codes: dict[str | None, int] = {None: 0}
        self.lower: dict[str, set[int]] = {}

    def add(self, value: str) -> int:
        code = self.codes[value] = len(self.values)
        self.values.append(value)
        self.lower.setdefault(value.lower(), set()).add(code)
        return code

    def matching(self, wanted: str) -> set[int]:
        # The same set object grows as new spellings are interned, so a cached filter sees them too.
        return self.lower.setdefault(wanted.lower(), set())


Condition = list[tuple[array, set[int]]]  # matches when any (column, allowed codes) pair matches


class TrafficIndex:
    def __init__(self, log: Any):  # the TrafficLog (server/traffic.py), whose lock, ring and files it reads
        self.log = log
        self._lock = threading.RLock()
        self.last = 0  # the newest indexed seq
        self._fds: dict[int, int] = {}
        self.reset()
        self.built = log.path is None

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def reset(self) -> None:
        """Index nothing (the log was cleared: its files are empty, so nothing is left to build from). `last` stays:
        the log's seq goes on from it."""
        with self._lock:
            self._reset()

    def _reset(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds = {}
        self.seqs = array("q")
        self.columns = {name: array("I") for name in FIELDS}
        self.tables = {name: _Values() for name in FIELDS}
        self.status = array("B")  # status // 100, 0 when none
        self.loc_file = array("B")
        self.loc_off = array("q")
        self.loc_len = array("I")
        self.floor = 0  # positions below it can no longer be read (an in-memory log's ring moved past them)
        self.built = True
        self._filters: dict[tuple, tuple[array, int]] = {}  # filter key → (matching positions, positions scanned)
        self._facets: tuple[int, int, dict[str, set]] | None = None

    # --- reading ---------------------------------------------------------------------------------------------------
    def page(self, filters: dict[str, str], offset: int = 0, limit: int = 100,
             anchor: int | None = None) -> tuple[int, int, int, list[bytes]]:
        """(total matching with seq ≤ anchor, anchor, newest seq, the entries' JSON newest first from offset)."""
        conditions = self.conditions(filters)
        with self._lock:
            self.sync()
            if anchor is None:
                anchor = self.last
            end = bisect_right(self.seqs, anchor)
            matching = self._matching(conditions) if conditions else None
            if matching is None:
                low, high = self.floor, max(self.floor, end)
            else:
                low, high = bisect_left(matching, self.floor), bisect_left(matching, end)
            total = high - low
            first, stop = high - 1 - offset, max(low, high - offset - limit) - 1
            picks = list(range(first, stop, -1))
            if matching is not None:
                picks = [matching[i] for i in picks]
            return total, anchor, self.last, self._read(picks)

    def after(self, since: int, filters: dict[str, str], limit: int = MAX_LIMIT) -> tuple[list[bytes], int, int]:
        """(the JSON of up to `limit` matching entries with seq > since, oldest first; the seq to ask after next;
        the newest seq)."""
        conditions = self.conditions(filters)
        with self._lock:
            self.sync()
            start = max(self.floor, bisect_right(self.seqs, since))
            if conditions:
                matching = self._matching(conditions)
                at = bisect_left(matching, start)
                picks = list(matching[at:at + limit])
                more = at + limit < len(matching)
            else:
                picks = list(range(start, min(len(self.seqs), start + limit)))
                more = start + limit < len(self.seqs)
            following = self.seqs[picks[-1]] if picks and more else self.last
            return self._read(picks), following, self.last

    def entry(self, seq: int) -> bytes | None:
        """The JSON of entry `seq`, or None when the log no longer has it."""
        with self._lock:
            self.sync()
            at = bisect_left(self.seqs, seq)
            if at < self.floor or at >= len(self.seqs) or self.seqs[at] != seq:
                return None
            found = self._read([at])
            return found[0] if found else None

    def facets(self) -> dict:
        """The values seen of the filterable fields, for the filter menus."""
        with self._lock:
            self.sync()
            size = len(self.seqs)
            cached = self._facets
            if cached is None or cached[1] != self.floor:
                cached = (self.floor, self.floor, {name: set() for name in
                                                   ("service", "operation", "outcome", "decision", "vpc", "account",
                                                    "region", "workload", "status")})
            upto, floor, seen = cached
            if upto < size:
                for name in ("service", "operation", "outcome", "decision", "vpc", "account", "region"):
                    seen[name].update(self.columns[name][upto:size])
                seen["workload"].update(zip(self.columns["workload"][upto:size],
                                            self.columns["workloadName"][upto:size]))
                seen["status"].update(self.status[upto:size])
            self._facets = (size, floor, seen)
            out: dict = {}
            for name in ("service", "operation", "outcome", "decision", "vpc", "account", "region"):
                values = self.tables[name].values
                out[name] = sorted({values[code] for code in seen[name] if code})
            ids, names = self.tables["workload"].values, self.tables["workloadName"].values
            workloads = {(ids[a], names[b]) for a, b in seen["workload"] if a or b}
            ordered = sorted(workloads, key=lambda pair: (pair[0] or "", pair[1] or ""))
            out["workload"] = [{"id": i, "name": n} for i, n in ordered]
            out["status"] = [f"{code}xx" for code in sorted(seen["status"]) if code]
            return out

    # --- filters ---------------------------------------------------------------------------------------------------
    def conditions(self, filters: dict[str, str]) -> list[tuple[str, Condition]]:
        """Filters (name → value; empty values ignored) as (key, condition) pairs. FilterError for a bad one."""
        out: list[tuple[str, Condition]] = []
        for name, value in sorted(filters.items()):
            if value is None or value == "":
                continue
            if name not in FILTERS:
                raise FilterError(f"{name!r} is not a traffic filter; the filters are {', '.join(FILTERS)}.")
            if name == "status":
                match = _STATUS.match(value)
                if not match:
                    raise FilterError(f"status is a class of HTTP statuses (2xx, 4xx, 5xx), not {value!r}.")
                out.append((f"status={match.group(1)}", [(self.status, {int(match.group(1))})]))
                continue
            if name == "outcome" and value.lower() not in OUTCOMES:
                raise FilterError(f"outcome is one of {', '.join(OUTCOMES)}, not {value!r}.")
            if name == "decision" and value.lower() not in {d.lower() for d in DECISIONS}:
                raise FilterError(f"decision is one of {', '.join(DECISIONS)}, not {value!r}.")
            columns = ("workload", "workloadName") if name == "workload" else (name,)
            out.append((f"{name}={value.lower()}",
                        [(self.columns[c], self.tables[c].matching(value)) for c in columns]))
        return out

    def _matching(self, conditions: list[tuple[str, Condition]]) -> array:
        """The positions matching every condition, ascending (cached per filter, extended to the newest)."""
        key = tuple(k for k, _ in conditions)
        size = len(self.seqs)
        positions, upto = self._filters.get(key) or (array("I"), 0)
        if upto < size:
            positions.extend(_scan([c for _, c in conditions], upto, size))
            if len(self._filters) > 64 and key not in self._filters:
                self._filters.clear()
            self._filters[key] = (positions, size)
        return positions

    # --- keeping up with the log -----------------------------------------------------------------------------------
    def sync(self) -> None:
        """Index what the log took since the last call: its ring's new entries, the lines flush noted writing."""
        log = self.log
        with self._lock:
            if not self.built:
                self._build()
            with log._lock:
                if log._pending and log.ring and log._pending[0]["seq"] < log.ring[0]["seq"]:
                    log._write_pending()  # entries gone from the ring, not yet written: write them now
                unnoted = None
                if log._unnoted_from is not None:
                    unnoted, log._unnoted_from = (log._unnoted_from, log._size), None
                    log._notes = []
                notes = log._notes
                if notes:
                    log._notes = []
                fresh = []
                for entry in reversed(log.ring):
                    if entry["seq"] <= self.last:
                        break
                    fresh.append(entry)
                ring_first = log.ring[0]["seq"] if log.ring else log.seq + 1
            fresh.reverse()
            if unnoted is not None:  # lines written while the notes overflowed: index or locate them from the file
                self._read_file(_CURRENT, unnoted[1], unnoted[0])
            first_fresh = fresh[0]["seq"] if fresh else log.seq + 1
            if notes:
                gap = [note for note in notes if self.last < note[0] < first_fresh]
                if gap:  # lines written, then gone from the ring before anyone looked: read them back
                    self._add_lines(_CURRENT, gap[0][1], self._pread(_CURRENT, gap[0][1],
                                                                     gap[-1][1] + gap[-1][2] - gap[0][1]))
            for entry in fresh:
                if entry["seq"] > self.last:
                    self._add(entry, 0, 0, 0)
            if notes:
                self._locate(notes)
            if log.path is None:
                self.floor = bisect_left(self.seqs, ring_first)
                if self.floor > max(len(self.seqs) // 2, 4 * (log.ring.maxlen or 1)):
                    self._compact()

    def _build(self) -> None:
        """Index both files as they are now; later lines come from flush's notes."""
        log = self.log
        with log._lock:
            log._write_pending()
            log._notes = []
            older, older_size = log.older_path, 0
            if older is not None and older.exists():
                older_size = older.stat().st_size
            size = log._size
        self.built = True
        if older_size:
            self._read_file(_OLDER, older_size)
        if size:
            self._read_file(_CURRENT, size)

    def _read_file(self, file: int, size: int, offset: int = 0) -> None:
        while offset < size:
            data = self._pread(file, offset, min(_READ_CHUNK, size - offset))
            if not data:
                break
            cut = data.rfind(b"\n") + 1
            if cut == 0:  # a line longer than a chunk
                if offset + len(data) >= size:
                    break
                data = self._pread(file, offset, size - offset)
                cut = data.rfind(b"\n") + 1 or len(data)
            self._add_lines(file, offset, data[:cut])
            offset += cut

    def _add_lines(self, file: int, offset: int, data: bytes) -> None:
        start = 0
        loads = orjson.loads
        while start < len(data):
            end = data.find(b"\n", start)
            end = len(data) if end < 0 else end + 1
            line = data[start:end]
            try:
                entry = loads(line)
            except orjson.JSONDecodeError:
                try:
                    entry = json.loads(line)  # what orjson refuses: an integer beyond 64 bits
                except ValueError:
                    entry = None
            if isinstance(entry, dict) and isinstance(entry.get("seq"), int):
                if entry["seq"] > self.last:
                    self._add(entry, file, offset + start, end - start)
                else:  # indexed from the ring already: where it was written
                    self._locate([(entry["seq"], offset + start, end - start)], file)
            start = end

    def _add(self, entry: dict, file: int, offset: int, length: int) -> None:
        seq = entry["seq"]
        self.seqs.append(seq)
        self.last = seq
        for name in FIELDS:
            if name == "decision":
                decision = entry.get("decision")
                value = "none" if not decision else decision.get("result") if isinstance(decision, dict) else decision
            else:
                value = entry.get(name)
            if value is not None and not isinstance(value, str):
                value = str(value)
            table = self.tables[name]
            code = table.codes.get(value)
            self.columns[name].append(code if code is not None else table.add(value))
        status = entry.get("status")
        self.status.append(status // 100 if isinstance(status, int) and 100 <= status < 600 else 0)
        self.loc_file.append(file)
        self.loc_off.append(offset)
        self.loc_len.append(length)

    def _locate(self, notes: list[tuple[int, int, int]], file: int = _CURRENT) -> None:
        """Where flush wrote lines already indexed from the ring (notes: (seq, offset, length), ascending)."""
        seqs = self.seqs
        at = bisect_left(seqs, notes[0][0], self.floor)
        for seq, offset, length in notes:
            while at < len(seqs) and seqs[at] < seq:
                at += 1
            if at < len(seqs) and seqs[at] == seq and not self.loc_file[at]:
                self.loc_file[at], self.loc_off[at], self.loc_len[at] = file, offset, length

    def _compact(self) -> None:
        """Drop the positions an in-memory log can't read any more (its ring moved on)."""
        cut = self.floor
        self.seqs = self.seqs[cut:]
        for name in FIELDS:
            self.columns[name] = self.columns[name][cut:]
        self.status, self.loc_file = self.status[cut:], self.loc_file[cut:]
        self.loc_off, self.loc_len = self.loc_off[cut:], self.loc_len[cut:]
        self.floor = 0
        self._filters.clear()
        self._facets = None

    # --- entries' bytes --------------------------------------------------------------------------------------------
    def _read(self, positions: list[int]) -> list[bytes]:
        """The JSON of the entries at these positions (in that order): from the ring, else from the files."""
        log = self.log
        found: dict[int, bytes] = {}
        on_disk: list[int] = []
        with log._lock:
            ring = log.ring
            first = ring[0]["seq"] if ring else None
            for position in positions:
                seq = self.seqs[position]
                if first is not None and seq >= first:
                    at = seq - first
                    entry = ring[at] if at < len(ring) and ring[at]["seq"] == seq else _find(ring, seq)
                    if entry is not None:
                        found[position] = entry
                        continue
                if self.loc_file[position]:
                    on_disk.append(position)
        out = {p: encode_line(e).rstrip(b"\n") for p, e in found.items()}
        out.update(self._read_lines(on_disk))
        return [out[p] for p in positions if p in out]

    def _read_lines(self, positions: list[int]) -> Iterator[tuple[int, bytes]]:
        by_file: dict[int, list[int]] = {}
        for position in positions:
            by_file.setdefault(self.loc_file[position], []).append(position)
        for file, group in by_file.items():
            group.sort(key=self.loc_off.__getitem__)
            start = self.loc_off[group[0]]
            end = self.loc_off[group[-1]] + self.loc_len[group[-1]]
            if end - start <= _MAX_SPAN:
                data = self._pread(file, start, end - start)
                for p in group:
                    at = self.loc_off[p] - start
                    yield p, data[at:at + self.loc_len[p]].rstrip(b"\n")
            else:
                for p in group:
                    yield p, self._pread(file, self.loc_off[p], self.loc_len[p]).rstrip(b"\n")

    def _pread(self, file: int, offset: int, length: int) -> bytes:
        fd = self._fds.get(file)
        if fd is None:
            path = self.log.older_path if file == _OLDER else self.log.path
            assert path is not None
            fd = self._fds[file] = os.open(path, os.O_RDONLY)
        return os.pread(fd, length, offset)

    def close(self) -> None:
        with self._lock:
            for fd in self._fds.values():
                os.close(fd)
            self._fds.clear()


def _scan(conditions: Iterable[Condition], start: int, end: int) -> list[int]:
    """The positions in [start, end) matching every condition."""
    positions: list[int] | None = None
    for condition in conditions:
        if positions is None:
            if len(condition) == 1:
                positions = _hits(condition[0], start, end)
            else:
                positions = sorted({p for pair in condition for p in _hits(pair, start, end)})
        else:
            positions = [p for p in positions if any(column[p] in allowed for column, allowed in condition)]
        if not positions:
            return []
    return positions or []


def encode_line(entry: dict) -> bytes:
    """One line of traffic.jsonl: compact JSON, as json.dumps(separators=(",", ":")) wrote it (non-ASCII as UTF-8)."""
    try:
        return orjson.dumps(entry, option=orjson.OPT_APPEND_NEWLINE)
    except TypeError:  # what orjson refuses but json takes (a non-str key, an integer beyond 64 bits)
        return (json.dumps(entry, separators=(",", ":")) + "\n").encode()


def _hits(pair: tuple[array, set[int]], start: int, end: int) -> list[int]:
    column, allowed = pair
    if len(allowed) == 1:
        (only,) = allowed
        return list(compress(range(start, end), map(only.__eq__, column[start:end])))
    return list(compress(range(start, end), map(allowed.__contains__, column[start:end])))


def _find(ring, seq: int) -> dict | None:
    """An entry of the ring by seq, when its seqs are not consecutive (a file tail with gaps)."""
    low, high = 0, len(ring)
    while low < high:
        middle = (low + high) // 2
        if ring[middle]["seq"] < seq:
            low = middle + 1
        else:
            high = middle
    return ring[low] if low < len(ring) and ring[low]["seq"] == seq else None


def parse_filters(query: dict[str, str], allowed_extra: Iterable[str]) -> dict[str, str]:
    """The filters of a query string; FilterError for a parameter that is neither a filter nor one of allowed_extra."""
    extra = set(allowed_extra)
    for name in query:
        if name not in FILTERS and name not in extra:
            raise FilterError(f"{name!r} is not a parameter here; the filters are {', '.join(FILTERS)} "
                              f"(and {', '.join(sorted(extra))}).")
    return {name: query[name] for name in FILTERS if query.get(name)}


def integer(query: dict[str, str], name: str, default: int | None, low: int, high: int) -> int | None:
    text = query.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise FilterError(f"{name} is an integer, not {text!r}.") from None
    if not low <= value <= high:
        raise FilterError(f"{name} is between {low} and {high}, not {value}.")
    return value
