"""The store's interface, shared by the SQLite and memory back ends."""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from typing import Any, Callable, Hashable, Iterable, NamedTuple


class StoreConflict(Exception):
    """A read transaction tried to write while another writer held or had moved the database: run it again as a
    write transaction (which takes the write lock first and so cannot conflict)."""


class StoredRecord(NamedTuple):
    """One committed record with its place: what dump() gives and load() takes."""

    scope: str
    kind: str
    key: str
    parent: str | None
    record: dict


class DuplicateRecord(ValueError):
    """load() was given two records with one (scope, kind, key): nothing was changed."""


class Transaction(ABC):
    """One unit of work in one scope. Writes become visible to others only when it commits."""

    @abstractmethod
    def get(self, kind: str, key: str) -> dict | None: ...

    @abstractmethod
    def put(self, kind: str, key: str, record: dict, parent: str | None = None) -> None:
        """Insert or replace. A replaced record keeps its place in scan order.

        parent: the id of the resource the record belongs to (an EC2 subnet's VPC id …), indexed so that
        scan(kind, parent=...) reads only that resource's records. Every put sets it anew (None: no parent), so a
        writer must pass it on every put of a record that has one."""

    @abstractmethod
    def delete(self, kind: str, key: str) -> None: ...

    @abstractmethod
    def scan(self, kind: str, parent: str | Iterable[str] | None = None) -> list[dict]:
        """Every record of a kind, in the order they were first put; with parent (one id or several), only the
        records put with that parent (one of those), found through an index, without reading the others."""

    def get_shared(self, kind: str, key: str) -> dict | None:
        """get() for a caller that changes at most the record's top-level members (never a nested object): a store
        that caches decoded records (store.cached) may then hand out a shallow copy of its own instead of decoding."""
        return self.get(kind, key)

    def scan_shared(self, kind: str, parent: str | Iterable[str] | None = None) -> list[dict]:
        """scan() on get_shared's terms."""
        return self.scan(kind, parent)

    def derived(self, key: Hashable) -> Any:
        """What keep_derived(key, value) kept in this scope while the store's state is the one this transaction sees
        (None: nothing). A store that keeps nothing between transactions (the default) answers None."""
        return None

    def keep_derived(self, key: Hashable, value: Any) -> None:
        """Keep a value computed from this transaction's reads alone (never changed again) for later transactions of
        the same scope, for as long as the store's state holds. A store that caches nothing drops it."""

    def in_scope(self, scope: str) -> "Transaction":
        """Another scope inside this same unit of work: it sees what is committed there, and its writes commit or
        roll back with this transaction (STS reads a role of another account and stores the session there)."""
        raise NotImplementedError


# Databases written before records had a parent get it from this top-level member on first open: the rule every
# writer followed when the parent column was added (EC2 records belong to the VPC named by their "VpcId").
LEGACY_PARENT_FIELD = "VpcId"


def parents(parent: str | Iterable[str]) -> list[str]:
    """scan()'s parent argument as a list of distinct ids."""
    return [parent] if isinstance(parent, str) else list(dict.fromkeys(parent))


class Store(ABC):
    @abstractmethod
    def transaction(self, scope: str, write: bool = False) -> AbstractContextManager[Transaction]:
        """A transaction that commits when the block ends normally and rolls back when it raises.

        Write transactions are serialized (across processes, for SQLite): a check-then-insert inside one is atomic.
        A read transaction may still write (e.g. lazily seeded defaults); it just doesn't take the write lock upfront.
        """

    @abstractmethod
    def scopes(self, kind: str) -> list[str]:
        """Every scope holding at least one committed record of the kind (the supervisor's way to find all the App
        Runner services of every account and region), in no particular order."""

    @abstractmethod
    def generation(self) -> Hashable:
        """A value that changes whenever a commit that wrote anything becomes visible to this store, whoever made it
        (for SQLite, also another process sharing the state directory). Equal values mean no data changed between
        them, so an answer computed from reads begun after the first is still current. Cheap: read per request."""

    def is_empty(self) -> bool:
        """Whether the store holds no record at all (serve --init seeds only an empty one)."""
        return not self.dump()

    @abstractmethod
    def dump(self) -> list[StoredRecord]:
        """Every committed record of every scope, in the order they were first put (one consistent read)."""

    @abstractmethod
    def clear(self, scopes: Callable[[str], bool]) -> dict[str, int]:
        """Delete every record of the scopes `scopes(scope)` is true for, in one transaction; the number of records
        removed per scope. Moves generation() when anything was removed."""

    @abstractmethod
    def load(self, rows: Iterable[StoredRecord]) -> int:
        """Replace the whole store with these records (their order becomes scan order), in one transaction: all of
        them or, if anything fails (DuplicateRecord, a record that can't be encoded), none, the previous state left
        as it was. The number of records loaded. Always moves generation()."""

    def close(self) -> None:  # noqa: B027 - optional hook
        pass
