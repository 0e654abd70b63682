"""An in-memory store for tests and throwaway runs. Records are kept as JSON bytes, so callers never share objects."""

from __future__ import annotations

import itertools
import threading
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator

import orjson

from runnerlink.store.base import DuplicateRecord, Store, StoredRecord, Transaction, parents

_DELETED = object()


class _MemoryTransaction(Transaction):
    def __init__(self, store: "MemoryStore", scope: str):
        self._store = store
        self._scope = scope
        self._pending: dict[tuple[str, str], object] = {}  # (kind, key) → (JSON bytes, parent) or _DELETED
        self._others: dict[str, _MemoryTransaction] = {}  # in_scope views, committed with this one

    def in_scope(self, scope: str) -> Transaction:
        if scope == self._scope:
            return self
        found = self._others.get(scope)
        if found is None:
            found = self._others[scope] = _MemoryTransaction(self._store, scope)
        return found

    def get(self, kind: str, key: str) -> dict | None:
        found = self._pending.get((kind, key))
        if found is _DELETED:
            return None
        if found is not None:
            return orjson.loads(found[0])
        row = self._store._tables.get((self._scope, kind), {}).get(key)
        return orjson.loads(row[1]) if row else None

    def put(self, kind: str, key: str, record: dict, parent: str | None = None) -> None:
        self._pending[(kind, key)] = (orjson.dumps(record), parent)

    def delete(self, kind: str, key: str) -> None:
        self._pending[(kind, key)] = _DELETED

    def scan(self, kind: str, parent: str | Iterable[str] | None = None) -> list[dict]:
        committed = self._store._tables.get((self._scope, kind), {})
        wanted = None if parent is None else set(parents(parent))
        if wanted is None:
            table = {key: row[:2] for key, row in committed.items()}
        else:
            index = self._store._children
            keys = [key for p in wanted for key in index.get((self._scope, kind, p), ())]
            table = {key: committed[key][:2] for key in keys}
        next_seq = itertools.count(10**18)
        for (k, key), value in self._pending.items():
            if k != kind:
                continue
            if value is _DELETED or (wanted is not None and value[1] not in wanted):
                table.pop(key, None)
            else:
                row = committed.get(key)
                table[key] = (row[0] if row else next(next_seq), value[0])
        return [orjson.loads(text) for _, text in sorted(table.values(), key=lambda row: row[0])]

    def _commit(self) -> None:
        for other in self._others.values():
            other._commit()
        if self._pending:
            self._store._generation += 1
        children = self._store._children
        for (kind, key), value in self._pending.items():
            table = self._store._tables.setdefault((self._scope, kind), {})
            old = table.get(key)
            if old is not None and old[2] is not None:
                siblings = children[(self._scope, kind, old[2])]
                siblings.discard(key)
                if not siblings:
                    del children[(self._scope, kind, old[2])]
            if value is _DELETED:
                table.pop(key, None)
                continue
            text, parent = value
            table[key] = (old[0] if old is not None else next(self._store._seq), text, parent)
            if parent is not None:
                children.setdefault((self._scope, kind, parent), set()).add(key)


class MemoryStore(Store):
    def __init__(self) -> None:
        # (scope, kind) → key → (seq, JSON bytes, parent)
        self._tables: dict[tuple[str, str], dict[str, tuple[int, bytes, str | None]]] = {}
        self._children: dict[tuple[str, str, str], set[str]] = {}  # (scope, kind, parent) → keys
        self._seq = itertools.count()
        self._lock = threading.RLock()
        self._generation = 0  # bumped by every commit that wrote

    @contextmanager
    def transaction(self, scope: str, write: bool = False) -> Iterator[Transaction]:
        with self._lock:
            tx = _MemoryTransaction(self, scope)
            yield tx
            tx._commit()

    def scopes(self, kind: str) -> list[str]:
        with self._lock:
            return [scope for (scope, table_kind), table in self._tables.items() if table_kind == kind and table]

    def generation(self) -> int:
        return self._generation

    def is_empty(self) -> bool:
        with self._lock:
            return not any(self._tables.values())

    def dump(self) -> list[StoredRecord]:
        with self._lock:
            rows = [(seq, scope, kind, key, parent, text)
                    for (scope, kind), table in self._tables.items()
                    for key, (seq, text, parent) in table.items()]
        rows.sort(key=lambda row: row[0])
        return [StoredRecord(scope, kind, key, parent, orjson.loads(text)) for _, scope, kind, key, parent, text in rows]

    def clear(self, scopes: Callable[[str], bool]) -> dict[str, int]:
        removed: dict[str, int] = {}
        with self._lock:
            for table_key in [k for k, table in self._tables.items() if table and scopes(k[0])]:
                removed[table_key[0]] = removed.get(table_key[0], 0) + len(self._tables.pop(table_key))
            for child_key in [k for k in self._children if k[0] in removed]:
                del self._children[child_key]
            if removed:
                self._generation += 1
        return removed

    def load(self, rows: Iterable[StoredRecord]) -> int:
        # Built aside and swapped in: a failure half-way leaves the current tables untouched.
        tables: dict[tuple[str, str], dict[str, tuple[int, bytes, str | None]]] = {}
        children: dict[tuple[str, str, str], set[str]] = {}
        count = 0
        with self._lock:
            for row in rows:
                table = tables.setdefault((row.scope, row.kind), {})
                if row.key in table:
                    raise DuplicateRecord(f"two records {row.kind} {row.key!r} in scope {row.scope}")
                table[row.key] = (next(self._seq), orjson.dumps(row.record), row.parent)
                if row.parent is not None:
                    children.setdefault((row.scope, row.kind, row.parent), set()).add(row.key)
                count += 1
            self._tables, self._children = tables, children
            self._generation += 1
        return count
