from __future__ import annotations

from pathlib import Path

from runnerlink.store.base import Store

MEMORY = "memory"
DATABASE_FILE = "runnerlink.sqlite3"


def open_store(state: str) -> Store:
    """"memory" for a throwaway store; anything else is a state directory holding the SQLite database."""
    if state == MEMORY:
        from runnerlink.store.memory import MemoryStore

        return MemoryStore()
    from runnerlink.store.sqlite import SqliteStore

    return SqliteStore(Path(state).expanduser() / DATABASE_FILE)
