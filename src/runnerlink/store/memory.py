"""An in-memory store for tests and throwaway runs. Records are kept as JSON bytes, so callers never share objects."""

from __future__ import annotations

import itertools
import threading
from contextlib import contextmanager
from typing import Iterator

import orjson

from runnerlink.store.base import Store, Transaction

_DELETED = object()


class _MemoryTransaction(Transaction):
    def __init__(self, store: "MemoryStore", scope: str):
        self._store = store
        self._scope = scope
        self._pending: dict[tuple[str, str], object] = {}

    def get(self, kind: str, key: str) -> dict | None:
        found = self._pending.get((kind, key))
        if found is _DELETED:
            return None
        if found is not None:
            return orjson.loads(found)
        row = self._store._tables.get((self._scope, kind), {}).get(key)
        return orjson.loads(row[1]) if row else None

    def put(self, kind: str, key: str, record: dict) -> None:
        self._pending[(kind, key)] = orjson.dumps(record)

    def delete(self, kind: str, key: str) -> None:
        self._pending[(kind, key)] = _DELETED

    def scan(self, kind: str) -> list[dict]:
        table = dict(self._store._tables.get((self._scope, kind), {}))
        next_seq = itertools.count(10**18)
        for (k, key), value in self._pending.items():
            if k != kind:
                continue
            if value is _DELETED:
                table.pop(key, None)
            else:
                seq = table[key][0] if key in table else next(next_seq)
                table[key] = (seq, value)
        return [orjson.loads(text) for _, text in sorted(table.values(), key=lambda row: row[0])]

    def _commit(self) -> None:
        if self._pending:
            self._store._generation += 1
        for (kind, key), value in self._pending.items():
            table = self._store._tables.setdefault((self._scope, kind), {})
            if value is _DELETED:
                table.pop(key, None)
            elif key in table:
                table[key] = (table[key][0], value)
            else:
                table[key] = (next(self._store._seq), value)


class MemoryStore(Store):
    def __init__(self) -> None:
        self._tables: dict[tuple[str, str], dict[str, tuple[int, bytes]]] = {}
        self._seq = itertools.count()
        self._lock = threading.RLock()
        self._generation = 0  # bumped by every commit that wrote

    @contextmanager
    def transaction(self, scope: str, write: bool = False) -> Iterator[Transaction]:
        with self._lock:
            tx = _MemoryTransaction(self, scope)
            yield tx
            tx._commit()

    def generation(self) -> int:
        return self._generation
