"""The store's interface, shared by the SQLite and memory back ends."""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager


class Transaction(ABC):
    """One unit of work in one scope. Writes become visible to others only when it commits."""

    @abstractmethod
    def get(self, kind: str, key: str) -> dict | None: ...

    @abstractmethod
    def put(self, kind: str, key: str, record: dict) -> None:
        """Insert or replace. A replaced record keeps its place in scan order."""

    @abstractmethod
    def delete(self, kind: str, key: str) -> None: ...

    @abstractmethod
    def scan(self, kind: str) -> list[dict]:
        """Every record of a kind, in the order they were first put."""


class Store(ABC):
    @abstractmethod
    def transaction(self, scope: str, write: bool = False) -> AbstractContextManager[Transaction]:
        """A transaction that commits when the block ends normally and rolls back when it raises.

        Write transactions are serialized (across processes, for SQLite): a check-then-insert inside one is atomic.
        A read transaction may still write (e.g. lazily seeded defaults); it just doesn't take the write lock upfront.
        """

    def close(self) -> None:  # noqa: B027 - optional hook
        pass
