"""Decoded records kept between read transactions while the store's generation holds.

`CachedStore` wraps any Store. Write transactions go straight to it. A read transaction first answers from the
records that earlier read transactions decoded at the same `generation()` (equal generations mean no data changed in
between: store.base), and opens a transaction of the store underneath only for what it doesn't hold, filling the
cache from it. A read answered wholly from the cache opens none: no BEGIN, no SELECT, no decoding.

One transaction must still see one state. The records served from the cache are those of generation G, read when the
transaction began; the store's own transaction, once opened lazily, sees the state of its first statement. So right
after that statement the generation is read again: still G, and everything the transaction reads is of state G (and
is cached); moved on, and the cache serves this transaction no more — and if it already had served it, the
transaction raises StoreConflict, which `services.base.run_handler` answers by running the handler again under the
write lock (so a read served from two states never returns). A transaction that writes reads its own writes: from
its first put or delete on, everything goes to the store underneath.

get() and scan() answer fresh objects (decoded from the kept JSON), as every store does; get_shared() and
scan_shared() answer shallow copies of the kept objects, for callers that change no nested object. derived() and
keep_derived() keep what a read transaction computed from its records (a service's API view) on the same terms: for
the generation it was computed at, and only from a transaction that saw that generation alone.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from typing import Any, Hashable, Iterable

import orjson

from runnerlink.store.base import Store, StoreConflict, Transaction, parents

_DERIVED = object()  # the kind under which derived values are kept: no record kind's name can equal it
MAX_ENTRIES = 100_000  # kept gets and scans; past it the cache starts again (its size is the store's, at most)


class _Entry:
    """One kept answer: JSON bytes of a record (None: there was none), or of a scan's records; decoded on demand."""

    __slots__ = ("raw", "decoded")

    def __init__(self, raw: bytes | list[bytes] | None):
        self.raw = raw
        self.decoded: Any = None

    def shared(self) -> Any:
        if self.decoded is None and self.raw is not None:
            raw = self.raw
            self.decoded = orjson.loads(raw) if isinstance(raw, bytes) else [orjson.loads(item) for item in raw]
        return self.decoded


class CachedStore(Store):
    def __init__(self, store: Store, max_entries: int = MAX_ENTRIES):
        self.inner = store
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._state: tuple[Hashable, dict] = (object(), {})  # (generation, entries), replaced whole

    def transaction(self, scope: str, write: bool = False) -> AbstractContextManager[Transaction]:
        if write:
            return self.inner.transaction(scope, write=True)
        generation = self.inner.generation()
        state = self._state
        if state[0] != generation:
            with self._lock:
                if self._state[0] != generation:
                    self._state = (generation, {})
                state = self._state
        return _Root(self, scope, generation, state[1])

    def _fill(self, generation: Hashable, key: tuple, entry: _Entry) -> None:
        with self._lock:
            at, entries = self._state
            if at != generation:
                return
            if len(entries) >= self.max_entries:
                self._state = (generation, {})
                entries = self._state[1]
            entries[key] = entry

    def scopes(self, kind: str) -> list[str]:
        return self.inner.scopes(kind)

    def generation(self) -> Hashable:
        return self.inner.generation()

    def close(self) -> None:
        self.inner.close()

    # The whole-store operations are the store's own; each moves generation(), which empties this cache.
    def dump(self) -> Any:
        return self.inner.dump()  # type: ignore[attr-defined]

    def clear(self, scopes: Any) -> Any:
        return self.inner.clear(scopes)  # type: ignore[attr-defined]

    def load(self, rows: Any) -> Any:
        return self.inner.load(rows)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> Any:  # the store's own further methods
        return getattr(self.inner, name)


class _View(Transaction):
    """The transaction in one scope; _Root is the one the block opened, in_scope() views share its state."""

    def __init__(self, root: "_Root", scope: str):
        self._root = root
        self._scope = scope

    def _real(self) -> Transaction:
        return self._root.real_in(self._scope)

    # --- reads -----------------------------------------------------------------------------------------------
    def _kept(self, key: tuple) -> _Entry | None:
        root = self._root
        if not root.caching:
            return None
        entry = root.entries.get(key)
        if entry is not None:
            root.served = True
        return entry

    def get(self, kind: str, key: str) -> dict | None:
        entry = self._kept((self._scope, kind, key))
        if entry is not None:
            return None if entry.raw is None else orjson.loads(entry.raw)
        record = self._root.read(lambda: self._real().get(kind, key))
        self._root.keep((self._scope, kind, key), lambda: _Entry(None if record is None else orjson.dumps(record)))
        return record

    def get_shared(self, kind: str, key: str) -> dict | None:
        entry = self._kept((self._scope, kind, key))
        if entry is None:
            return self.get(kind, key)
        found = entry.shared()
        return None if found is None else dict(found)

    def scan(self, kind: str, parent: str | Iterable[str] | None = None) -> list[dict]:
        wanted = None if parent is None else tuple(parents(parent))
        key = (self._scope, kind, None, wanted) if wanted is not None else (self._scope, kind, None)
        entry = self._kept(key)
        if entry is not None:
            return [orjson.loads(raw) for raw in entry.raw]
        records = self._root.read(lambda: self._real().scan(kind, wanted))
        self._root.keep(key, lambda: _Entry([orjson.dumps(record) for record in records]))
        return records

    def scan_shared(self, kind: str, parent: str | Iterable[str] | None = None) -> list[dict]:
        wanted = None if parent is None else tuple(parents(parent))
        key = (self._scope, kind, None, wanted) if wanted is not None else (self._scope, kind, None)
        entry = self._kept(key)
        if entry is None:
            return self.scan(kind, wanted)
        return [dict(record) for record in entry.shared()]

    # --- values derived from records (services.common.derived): kept like the records, under a kind of their own --
    def derived(self, key: Hashable) -> Any:
        entry = self._kept((self._scope, _DERIVED, key))
        return None if entry is None else entry.decoded

    def keep_derived(self, key: Hashable, value: Any) -> None:
        # Only while caching: then everything this transaction read was of state `generation`, as the value is.
        entry = _Entry(None)
        entry.decoded = value
        self._root.keep((self._scope, _DERIVED, key), lambda: entry)

    # --- writes: from here on, the transaction underneath serves everything -----------------------------------
    def put(self, kind: str, key: str, record: dict, parent: str | None = None) -> None:
        self._root.caching = False
        self._root.read(lambda: self._real().put(kind, key, record, parent))

    def delete(self, kind: str, key: str) -> None:
        self._root.caching = False
        self._root.read(lambda: self._real().delete(kind, key))

    def in_scope(self, scope: str) -> Transaction:
        return self if scope == self._scope else _View(self._root, scope)


class _Root(_View):
    """The read transaction itself (its own context manager): the store's transaction underneath is entered on the
    first miss, and left (committed or rolled back) with this one."""

    def __init__(self, store: CachedStore, scope: str, generation: Hashable, entries: dict):
        super().__init__(self, scope)
        self.store, self.generation, self.entries = store, generation, entries
        self.caching = True  # hits may be served, misses kept
        self.served = False  # a hit was served: this transaction has seen state `generation`
        self._opened: AbstractContextManager[Transaction] | None = None
        self._real_tx: Transaction | None = None
        self._checked = False

    def __enter__(self) -> "_Root":
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        opened = self._opened
        if opened is None:
            return False
        self._opened = self._real_tx = None
        return bool(opened.__exit__(kind, error, traceback))

    def real_in(self, scope: str) -> Transaction:
        if self._real_tx is None:
            opened = self.store.inner.transaction(self._scope, write=False)
            self._real_tx = opened.__enter__()
            self._opened = opened
        return self._real_tx if scope == self._scope else self._real_tx.in_scope(scope)

    def read(self, operation):
        """operation() on the store underneath; after the first one, whether its state is still `generation`."""
        result = operation()
        if not self._checked:
            self._checked = True
            if self.store.inner.generation() != self.generation:
                if self.served:
                    raise StoreConflict("the store changed while a read was answered from its cache")
                self.caching = False
        return result

    def keep(self, key: tuple, entry) -> None:
        if self.caching:
            self.store._fill(self.generation, key, entry())
