"""Decoding requests and encoding answers of the JSON protocol: client mistakes are client errors, never a 500."""

from __future__ import annotations

import json

import pytest

from runnerlink.errors import AWSError, Serialization
from runnerlink.services.apprunner.errors import InvalidRequest
from runnerlink.wire.json_protocol import _dumps, parse_request, render_error, render_response
from runnerlink.wire.models import operation_model

LIST = operation_model("apprunner", "ListServices")
CREATE = operation_model("apprunner", "CreateService")


@pytest.mark.parametrize("body", [
    b"{", b"[1", b"\xff\xfe", b'{"MaxResults": NaN}', b'{"MaxResults": 1e400}', b'{"NextToken": "\\ud800"}',
    b"\xef\xbb\xbf{}",
])
def test_malformed_json_is_a_serialization_exception(body):
    with pytest.raises(Serialization) as raised:
        parse_request(LIST, body, InvalidRequest)
    assert raised.value.code == "SerializationException"
    assert raised.value.message.startswith("The request body is not valid JSON: ")


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"3"])
def test_a_body_that_is_no_object_is_a_serialization_exception(body):
    with pytest.raises(Serialization, match="must be a JSON object"):
        parse_request(LIST, body, InvalidRequest)


@pytest.mark.parametrize("value", [2**64, 10**30, -(2**63) - 1, 2**63, 2**64 - 1])
def test_oversized_integers_are_validation_errors(value):
    body = json.dumps({"MaxResults": value}).encode()
    with pytest.raises(InvalidRequest):
        parse_request(LIST, body, InvalidRequest)


def test_oversized_integers_where_the_model_has_no_bound_still_render():
    """An unmodelled member passes validation; whatever is echoed back still encodes."""
    params = parse_request(LIST, json.dumps({"MaxResults": 5, "Unmodelled": 10**30}).encode(), InvalidRequest)
    assert params["MaxResults"] == 5
    assert json.loads(render_response(LIST, {"ServiceSummaryList": [], "NextToken": "t", "Big": 10**30})) == {
        "ServiceSummaryList": [], "NextToken": "t"}


def test_empty_and_blank_bodies_are_empty_input():
    assert parse_request(LIST, b"", InvalidRequest) == {}
    assert parse_request(LIST, b"  \n", InvalidRequest) == {}


def test_unicode_round_trips():
    params = parse_request(LIST, '{"NextToken": "é\\u00e9☃"}'.encode(), InvalidRequest)
    assert params == {"NextToken": "éé☃"}
    assert json.loads(render_response(LIST, {"ServiceSummaryList": [], "NextToken": "é☃"}))["NextToken"] == "é☃"


def test_errors_render_as_type_and_message():
    body = render_error(AWSError("Nope: ünïcode", code="InvalidRequestException", status=400))
    assert json.loads(body) == {"__type": "InvalidRequestException", "Message": "Nope: ünïcode"}


def test_what_orjson_refuses_falls_back_to_the_standard_library():
    assert json.loads(_dumps({1: 2**70})) == {"1": 2**70}


def test_repeated_bodies_validate_alike_and_never_share_params():
    bad = b'{"MaxResults": 1000}'
    for _ in range(2):
        with pytest.raises(InvalidRequest):
            parse_request(LIST, bad, InvalidRequest)
    good = b'{"MaxResults": 10}'
    first, second = parse_request(LIST, good, InvalidRequest), parse_request(LIST, good, InvalidRequest)
    assert first == second == {"MaxResults": 10} and first is not second
    with pytest.raises(InvalidRequest):  # valid for ListServices is not valid for CreateService
        parse_request(CREATE, good, InvalidRequest)
