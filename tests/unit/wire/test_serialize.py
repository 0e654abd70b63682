"""Output serialization against botocore shapes: only modelled members, no None, timestamps as epoch seconds."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from runnerlink.server.context import new_request_id
from runnerlink.wire.json_protocol import serialize
from runnerlink.wire.models import operation_model


def _output(operation: str):
    return operation_model("apprunner", operation).output_shape


def test_structure_keeps_modelled_members_only_and_drops_none():
    shape = _output("DescribeService")
    record = {
        "ServiceName": "web", "ServiceArn": "arn", "_internal": "secret", "Unknown": 1, "ServiceUrl": None,
        "InstanceConfiguration": {"Cpu": "1024", "Memory": None, "_x": 1},
    }
    assert serialize(shape, {"Service": record, "Extra": 1}) == {
        "Service": {"ServiceName": "web", "ServiceArn": "arn", "InstanceConfiguration": {"Cpu": "1024"}},
    }


def test_lists_maps_and_timestamps():
    shape = _output("ListServices")
    created = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    out = serialize(shape, {"ServiceSummaryList": [{"ServiceName": "a", "CreatedAt": created, "_op": {}},
                                                   {"ServiceName": "b", "UpdatedAt": 1700000000.5}],
                            "NextToken": "t"})
    assert out == {"ServiceSummaryList": [{"ServiceName": "a", "CreatedAt": created.timestamp()},
                                          {"ServiceName": "b", "UpdatedAt": 1700000000.5}],
                   "NextToken": "t"}
    tags = operation_model("apprunner", "ListTagsForResource").output_shape
    assert serialize(tags, {"Tags": [{"Key": "k", "Value": "v", "_x": 1}]}) == {"Tags": [{"Key": "k", "Value": "v"}]}


def test_serializing_never_changes_the_value():
    """Clean parts may be shared with the value (no copy); the value itself is never changed."""
    shape = _output("ListServices")
    created = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    value = {"ServiceSummaryList": [{"ServiceName": "a"}, {"ServiceName": "b", "CreatedAt": created, "_op": {}}]}
    first, second = serialize(shape, value), serialize(shape, value)
    assert first == second == {"ServiceSummaryList": [{"ServiceName": "a"},
                                                      {"ServiceName": "b", "CreatedAt": created.timestamp()}]}
    assert value == {"ServiceSummaryList": [{"ServiceName": "a"}, {"ServiceName": "b", "CreatedAt": created,
                                                                   "_op": {}}]}
    clean = {"ServiceSummaryList": [{"ServiceName": "a", "CreatedAt": 1.5}], "NextToken": "t"}
    assert serialize(shape, clean) == clean


def test_none_and_shapeless_values_pass_through():
    assert serialize(None, {"a": 1}) == {"a": 1}
    assert serialize(_output("ListServices"), None) is None


def test_request_ids_are_version_4_uuids():
    ids = {new_request_id() for _ in range(1000)}
    assert len(ids) == 1000
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122
