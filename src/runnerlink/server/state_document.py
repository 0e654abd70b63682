"""The state document: every stored record of a server as one versioned JSON object (`runnerlink state export`),
and the checks an imported one passes before anything is replaced.

    {"format": "runnerlink-state", "version": 1, "runnerlink": "<version>", "exportedAt": "<ISO-8601 Z>",
     "records": [{"scope": ..., "kind": ..., "key": ..., "parent": null | "...", "record": {...}}, ...]}

Records are in the store's order (the order they were first put), which is the order List/Describe calls answer in.
The record bodies are runnerlink's own storage shapes, not API shapes: a document is for runnerlink to read back.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any, Iterable

import orjson

from runnerlink import __version__
from runnerlink.services.workload_index import INDEX_SCOPE
from runnerlink.store import StoredRecord

FORMAT = "runnerlink-state"
VERSION = 1  # the newest format version this runnerlink writes and reads
RECORD_FIELDS = ("scope", "kind", "key", "parent", "record")
TOP_FIELDS = ("format", "version", "runnerlink", "exportedAt", "records")
# "<12-digit account>/<region>" (as the SigV4 scope names it), "<account>/global", or runnerlink's own scopes.
SCOPE = re.compile(r"\d{12}/[a-z0-9]+(-[a-z0-9]+)*")
SPECIAL_SCOPES = frozenset({INDEX_SCOPE})


class StateDocumentError(ValueError):
    """A document that can't be imported: the message says what is wrong and where."""


def export_document(rows: Iterable[StoredRecord], now: float) -> dict:
    exported_at = datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {"format": FORMAT, "version": VERSION, "runnerlink": __version__, "exportedAt": exported_at,
            "records": [{"scope": row.scope, "kind": row.kind, "key": row.key, "parent": row.parent,
                         "record": row.record} for row in rows]}


def is_scope(value: str) -> bool:
    return value in SPECIAL_SCOPES or SCOPE.fullmatch(value) is not None


def parse_document(data: bytes | str | Any) -> list[StoredRecord]:
    """The records of a state document (its JSON text, or the parsed value); StateDocumentError when it can't be
    imported. Nothing here touches a store: the caller loads the result in one transaction."""
    if isinstance(data, (bytes, str)):
        try:
            data = orjson.loads(data)
        except orjson.JSONDecodeError:
            try:  # what orjson refuses but JSON allows (an integer beyond 64 bits), or the error in json's words
                data = json.loads(data)
            except (ValueError, UnicodeDecodeError) as error:
                raise StateDocumentError(f"The state document is not JSON: {error}.") from None
    if not isinstance(data, dict):
        raise StateDocumentError(f"The state document is a JSON object, not {_kind_of(data)}.")
    if data.get("format") != FORMAT:
        got = "missing" if "format" not in data else json.dumps(data["format"])
        raise StateDocumentError(f'format is "{FORMAT}" in a runnerlink state document, not {got}.')
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        got = "missing" if "version" not in data else json.dumps(version)
        raise StateDocumentError(f"version is the document's format version, an integer; it is {got}.")
    if version > VERSION:
        raise StateDocumentError(f"The state document was written by a newer runnerlink (format version {version}); "
                                 f"this one ({__version__}) reads version {VERSION}: upgrade runnerlink.")
    if version < 1:
        raise StateDocumentError(f"version {version} is not a format version: versions start at 1.")
    unknown = sorted(set(data) - set(TOP_FIELDS))
    if unknown:
        raise StateDocumentError(f"Unknown field {unknown[0]!r} in the state document (it has {', '.join(TOP_FIELDS)}).")
    for name in ("runnerlink", "exportedAt"):
        if name in data and not isinstance(data[name], str):
            raise StateDocumentError(f"{name} is a string; it is {_kind_of(data[name])}.")
    records = data.get("records")
    if not isinstance(records, list):
        got = "missing" if "records" not in data else _kind_of(records)
        raise StateDocumentError(f"records is a list of records; it is {got}.")
    rows: list[StoredRecord] = []
    seen: dict[tuple[str, str, str], int] = {}
    for index, entry in enumerate(records):
        row = _row(index, entry)
        identity = (row.scope, row.kind, row.key)
        first = seen.setdefault(identity, index)
        if first != index:
            raise StateDocumentError(f"records[{index}] repeats records[{first}]: scope {row.scope!r}, kind "
                                     f"{row.kind!r}, key {row.key!r} name one record.")
        rows.append(row)
    return rows


def _row(index: int, entry: Any) -> StoredRecord:
    where = f"records[{index}]"
    if not isinstance(entry, dict):
        raise StateDocumentError(f"{where} is an object with {', '.join(RECORD_FIELDS)}; it is {_kind_of(entry)}.")
    for name in RECORD_FIELDS:
        if name not in entry:
            raise StateDocumentError(f"{where} has no {name}.")
    unknown = sorted(set(entry) - set(RECORD_FIELDS))
    if unknown:
        raise StateDocumentError(f"{where} has an unknown field {unknown[0]!r} (a record has "
                                 f"{', '.join(RECORD_FIELDS)}).")
    for name in ("scope", "kind", "key"):
        if not isinstance(entry[name], str) or not entry[name]:
            raise StateDocumentError(f"{where}.{name} is a non-empty string; it is {_kind_of(entry[name])}.")
    if not is_scope(entry["scope"]):
        raise StateDocumentError(f"{where}.scope {entry['scope']!r} is not a scope: \"<12-digit account>/<region>\", "
                                 f"\"<account>/global\" or {' or '.join(map(repr, sorted(SPECIAL_SCOPES)))}.")
    if entry["parent"] is not None and not isinstance(entry["parent"], str):
        raise StateDocumentError(f"{where}.parent is null or a string; it is {_kind_of(entry['parent'])}.")
    if not isinstance(entry["record"], dict):
        raise StateDocumentError(f"{where}.record is a JSON object; it is {_kind_of(entry['record'])}.")
    return StoredRecord(entry["scope"], entry["kind"], entry["key"], entry["parent"], entry["record"])


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "an empty string" if not value else "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"
