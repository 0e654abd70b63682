"""The default, durable store: one SQLite database (WAL, synchronous=FULL) in the state directory.

Every write transaction is BEGIN IMMEDIATE ... COMMIT, so it is serialized against other writers (also in other
processes sharing the directory) and is on disk before the caller answers the client.
"""

from __future__ import annotations

import mmap
import sqlite3
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator

import orjson

from runnerlink.store.base import (LEGACY_PARENT_FIELD, DuplicateRecord, Store, StoreConflict, StoredRecord,
                                   Transaction, parents)

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    seq   INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT NOT NULL,
    kind  TEXT NOT NULL,
    key   TEXT NOT NULL,
    data  TEXT NOT NULL,
    parent TEXT,
    UNIQUE (scope, kind, key)
);
"""
# After SCHEMA and the parent column's migration (an older database's table has no parent column to index yet).
INDEXES = "CREATE INDEX IF NOT EXISTS records_by_parent ON records (scope, kind, parent);"


class _SqliteTransaction(Transaction):
    def __init__(self, conn: sqlite3.Connection, scope: str, owner: "_SqliteTransaction | None" = None):
        self._conn = conn
        self._scope = scope
        self._owner = owner  # the transaction this one is a view of (in_scope): its `wrote` counts for both
        self._wrote = False

    @property
    def wrote(self) -> bool:
        return self._owner.wrote if self._owner is not None else self._wrote

    @wrote.setter
    def wrote(self, value: bool) -> None:
        if self._owner is not None:
            self._owner.wrote = value
        else:
            self._wrote = value

    def in_scope(self, scope: str) -> Transaction:
        return _SqliteTransaction(self._conn, scope, self._owner or self)

    def get(self, kind: str, key: str) -> dict | None:
        row = self._conn.execute(
            "SELECT data FROM records WHERE scope=? AND kind=? AND key=?", (self._scope, kind, key)
        ).fetchone()
        return orjson.loads(row[0]) if row else None

    def put(self, kind: str, key: str, record: dict, parent: str | None = None) -> None:
        self.wrote = True
        self._conn.execute(
            "INSERT INTO records (scope, kind, key, data, parent) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (scope, kind, key) DO UPDATE SET data = excluded.data, parent = excluded.parent",
            (self._scope, kind, key, orjson.dumps(record).decode(), parent),  # TEXT, as ever
        )

    def delete(self, kind: str, key: str) -> None:
        self.wrote = True
        self._conn.execute("DELETE FROM records WHERE scope=? AND kind=? AND key=?", (self._scope, kind, key))

    def scan(self, kind: str, parent: str | Iterable[str] | None = None) -> list[dict]:
        if parent is None:
            rows = self._conn.execute(
                "SELECT data FROM records WHERE scope=? AND kind=? ORDER BY seq", (self._scope, kind)
            ).fetchall()
        else:
            wanted = parents(parent)
            if not wanted:
                return []
            marks = ",".join("?" * len(wanted))
            rows = self._conn.execute(
                "SELECT data FROM records INDEXED BY records_by_parent "
                f"WHERE scope=? AND kind=? AND parent IN ({marks}) ORDER BY seq", (self._scope, kind, *wanted)
            ).fetchall()
        return [orjson.loads(row[0]) for row in rows]


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a database from an older runnerlink up to SCHEMA: records gained a parent column (backfilled from each
    record's LEGACY_PARENT_FIELD). Under the write lock, so two processes opening one old database migrate it once."""
    if _has_parent(conn):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        if not _has_parent(conn):
            conn.execute("ALTER TABLE records ADD COLUMN parent TEXT")
            updates = []
            for seq, data in conn.execute("SELECT seq, data FROM records"):
                value = orjson.loads(data).get(LEGACY_PARENT_FIELD)
                if isinstance(value, str):
                    updates.append((value, seq))
            conn.executemany("UPDATE records SET parent=? WHERE seq=?", updates)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _has_parent(conn: sqlite3.Connection) -> bool:
    return any(row[1] == "parent" for row in conn.execute("PRAGMA table_info(records)"))


class _WalIndexHeader:
    """A read-only map of the wal-index header at the start of the database's -shm file (sqlite.org/walformat.html).

    Every commit, by any connection of any process, rewrites it (iChange counts transactions; mxFrame and the salts
    move too). Comparing it tells what PRAGMA data_version tells, without the two fcntl() calls that statement costs.
    The file holds two copies of the 48-byte header; a writer updates them one after the other, so unequal copies mean
    a commit is under way.
    """

    SIZE = 48
    VERSION = 3007000  # iVersion, the format every SQLite since 3.7.0 shares through this file

    def __init__(self, shm_path: str):
        with open(shm_path, "rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 2 * self.SIZE, access=mmap.ACCESS_READ)
        if int.from_bytes(self._map[:4], sys.byteorder) != self.VERSION:
            self._map.close()
            raise OSError(f"{shm_path}: not a wal-index of the known version")

    def read(self) -> bytes | None:
        """The header, or None while a commit is rewriting it."""
        both = self._map[:2 * self.SIZE]
        first = both[:self.SIZE]
        return first if first == both[self.SIZE:] else None

    def close(self) -> None:
        self._map.close()


class SqliteStore(Store):
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(SCHEMA)
        _migrate(self._conn)
        self._conn.executescript(INDEXES)
        self._lock = threading.RLock()
        self._writes = 0  # commits through this connection that wrote: data_version doesn't count those
        try:
            self._wal_index: _WalIndexHeader | None = _WalIndexHeader(str(path) + "-shm")
        except (OSError, ValueError):  # no shared-memory file (or an unknown one): PRAGMA data_version it is
            self._wal_index = None

    @contextmanager
    def transaction(self, scope: str, write: bool = False) -> Iterator[Transaction]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            tx = _SqliteTransaction(self._conn, scope)
            try:
                yield tx
            except sqlite3.OperationalError as error:
                self._conn.execute("ROLLBACK")
                if not write and tx.wrote:  # a deferred transaction could not upgrade to writing
                    raise StoreConflict(str(error)) from error
                raise
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            if tx.wrote:
                self._writes += 1

    def scopes(self, kind: str) -> list[str]:
        with self._lock:
            return [row[0] for row in self._conn.execute("SELECT DISTINCT scope FROM records WHERE kind=?", (kind,))]

    def generation(self) -> tuple[int, bytes | int]:
        """(own writing commits, the wal-index header or else PRAGMA data_version): the latter changes when another
        connection, in this process or another sharing the state directory, commits."""
        with self._lock:
            header = self._wal_index.read() if self._wal_index is not None else None
            if header is not None:
                return self._writes, header
            return self._writes, self._conn.execute("PRAGMA data_version").fetchone()[0]

    def is_empty(self) -> bool:
        with self._lock:
            return self._conn.execute("SELECT 1 FROM records LIMIT 1").fetchone() is None

    def dump(self) -> list[StoredRecord]:
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                rows = self._conn.execute("SELECT scope, kind, key, parent, data FROM records ORDER BY seq").fetchall()
            finally:
                self._conn.execute("COMMIT")
        return [StoredRecord(scope, kind, key, parent, orjson.loads(data)) for scope, kind, key, parent, data in rows]

    def clear(self, scopes: Callable[[str], bool]) -> dict[str, int]:
        with self._write() as conn:
            counts = conn.execute("SELECT scope, COUNT(*) FROM records GROUP BY scope").fetchall()
            removed = {scope: count for scope, count in counts if scopes(scope)}
            conn.executemany("DELETE FROM records WHERE scope=?", [(scope,) for scope in removed])
            if removed:
                self._writes += 1  # a generation of a commit that may not happen: harmless, caches just expire
        return removed

    def load(self, rows: Iterable[StoredRecord]) -> int:
        count = 0
        with self._write() as conn:
            conn.execute("DELETE FROM records")
            insert = "INSERT INTO records (scope, kind, key, data, parent) VALUES (?, ?, ?, ?, ?)"
            for row in rows:
                try:
                    conn.execute(insert, (row.scope, row.kind, row.key, orjson.dumps(row.record).decode(),
                                          row.parent))
                except sqlite3.IntegrityError:
                    raise DuplicateRecord(f"two records {row.kind} {row.key!r} in scope {row.scope}") from None
                count += 1
            self._writes += 1
        return count

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT around the block, ROLLBACK when it raises."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            if self._wal_index is not None:
                self._wal_index.close()
                self._wal_index = None
            self._conn.close()
