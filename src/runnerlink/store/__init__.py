"""Transactional resource store: records are JSON objects keyed by (scope, kind, key).

A scope is one account in one region ("111122223333/us-east-1"); resources never cross scopes.
"""

from runnerlink.store.base import DuplicateRecord, Store, StoreConflict, StoredRecord, Transaction
from runnerlink.store.factory import open_store

__all__ = ["DuplicateRecord", "Store", "StoreConflict", "StoredRecord", "Transaction", "open_store"]
