"""The state document's pure half: what export writes parses back to the same records, and each refusal says what
is wrong and where."""

from __future__ import annotations

import json

import pytest

from runnerlink import __version__
from runnerlink.server.state_document import VERSION, StateDocumentError, export_document, is_scope, parse_document
from runnerlink.store import StoredRecord

ROWS = [
    StoredRecord("111122223333/us-east-1", "vpc", "vpc-1", None, {"VpcId": "vpc-1", "Tags": []}),
    StoredRecord("111122223333/us-east-1", "subnet", "subnet-1", "vpc-1", {"n": 1.5, "on": True, "x": None}),
    StoredRecord("111122223333/global", "iam_role", "r", None, {"RoleName": "r"}),
    StoredRecord("runnerlink", "workload-scope", "wl-1", None, {"Account": "111122223333"}),
]


def doc(**changes) -> dict:
    document = {"format": "runnerlink-state", "version": 1, "records": []}
    document.update(changes)
    return document


def record(**changes) -> dict:
    entry = {"scope": "111122223333/us-east-1", "kind": "vpc", "key": "vpc-1", "parent": None, "record": {}}
    entry.update(changes)
    return entry


def test_an_export_parses_back_to_its_records_through_json():
    document = export_document(ROWS, 1_700_000_000.25)
    assert document["exportedAt"] == "2023-11-14T22:13:20.250000Z"
    assert document["runnerlink"] == __version__ and document["version"] == VERSION
    assert parse_document(json.dumps(document).encode()) == ROWS
    assert parse_document(json.dumps(document)) == ROWS and parse_document(document) == ROWS


def test_version_info_fields_are_optional():
    assert parse_document(doc(records=[record()])) == [StoredRecord("111122223333/us-east-1", "vpc", "vpc-1", None,
                                                                    {})]


@pytest.mark.parametrize("scope, ok", [
    ("111122223333/us-east-1", True), ("111122223333/global", True), ("000000000001/eu-central-2", True),
    ("runnerlink", True), ("11112222333/us-east-1", False), ("111122223333", False), ("111122223333/", False),
    ("111122223333/us east", False), ("111122223333/us-east-1/x", False), ("Runnerlink", False), ("", False),
])
def test_scopes(scope, ok):
    assert is_scope(scope) is ok


@pytest.mark.parametrize("value, wording", [
    (b"\xff\xfe", "not JSON"),
    ("", "not JSON"),
    ("null", "not null"),
    ("3", "not a number"),
    (doc(format=None), "not null"),
    (doc(version=True), "it is true"),
    (doc(version=1.0), "it is 1.0"),
    (doc(version=0), "versions start at 1"),
    (doc(version=VERSION + 1), f"(format version {VERSION + 1}); this one ({__version__}) reads version {VERSION}"),
    (doc(exportedAt=5), "exportedAt is a string"),
    (doc(comment="hi"), "Unknown field 'comment'"),
    (doc(records=None), "records is a list of records; it is null"),
    (doc(records=[record(), record(kind="")]), "records[1].kind is a non-empty string; it is an empty string"),
    (doc(records=[record(scope="111122223333")]), "records[0].scope '111122223333' is not a scope"),
    (doc(records=[record(record="{}")]), "records[0].record is a JSON object; it is a string"),
    (doc(records=[record(key="a"), record(key="b"), record(key="a")]), "records[2] repeats records[0]"),
])
def test_refusals_say_what_and_where(value, wording):
    with pytest.raises(StateDocumentError) as refused:
        parse_document(json.dumps(value) if isinstance(value, dict) else value)
    assert wording in str(refused.value)


def test_the_same_key_in_two_scopes_or_kinds_is_no_duplicate():
    rows = parse_document(doc(records=[record(), record(scope="111122223333/eu-west-1"), record(kind="subnet")]))
    assert len(rows) == 3
