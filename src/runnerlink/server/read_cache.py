"""The edge's read cache: rendered answers of read-only operations, kept only while they are provably current.

An answer is a function of the request (scope, operation, body and query), the stored data and the clock. The store's
generation() tells whether any data changed since an answer was computed, and the handler noted (HandlerContext.
note_change) the earliest future instant at which anything it derived from the clock flips. Until either happens, the
same request gets byte-for-byte the same body, so serving it from here is invisible to clients. Only bodies are kept:
headers, such as each response's own request id, are built per response.
"""

from __future__ import annotations

from typing import Hashable

from runnerlink.store import Store

MAX_ENTRIES = 10_000
MAX_BYTES = 32 * 1024 * 1024  # of bodies kept

# A key: (scope "account/region", operation name, raw request body, query items).
Key = tuple[str, str, bytes, tuple]


class ReadCache:
    def __init__(self, store: Store, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES):
        self._store = store
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        # key → (computed_at, valid_until, body), all computed at store generation self._generation
        self._entries: dict[Key, tuple[float, float, bytes]] = {}
        self._bytes = 0
        self._generation: Hashable = None

    def lookup(self, key: Key, now: float) -> tuple[bytes | None, Hashable]:
        """The cached body for key at `now` (None: compute it), and the store generation to pass to fill()."""
        generation = self._store.generation()
        if generation != self._generation:
            # Some data changed: every entry may be stale.
            self._clear()
            self._generation = generation
            return None, generation
        entry = self._entries.get(key)
        # computed_at <= now as well: should the clock step back, an answer from "the future" may not hold.
        if entry is not None and entry[0] <= now < entry[1]:
            return entry[2], generation
        return None, generation

    def fill(self, key: Key, generation: Hashable, computed_at: float, valid_until: float, body: bytes) -> None:
        """Keep body, computed at computed_at from reads begun at store generation `generation` (from lookup()).

        Nothing is kept when the generation moved meanwhile: the handler's own transaction wrote (lazily seeded
        defaults), or someone else committed while it ran, so the body may not match either generation.
        """
        if generation != self._generation or self._store.generation() != generation:
            return
        if len(self._entries) >= self._max_entries or self._bytes + len(body) > self._max_bytes:
            self._clear()
        self._entries[key] = (computed_at, valid_until, body)
        self._bytes += len(body) + len(key[2])  # a replaced entry is counted twice: a bound, not an account

    def _clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)
