"""wire.sealed: a Sealed dict's JSON is kept with it and embedded as is, byte for byte what a plain dict gives."""

import json

from runnerlink.wire.json_protocol import render_response
from runnerlink.wire.models import operation_model
from runnerlink.wire.sealed import Sealed


def _operation(name):
    return operation_model("apprunner", name)


SUMMARY = {"ServiceName": "a", "ServiceId": "0" * 32, "ServiceArn": "arn:aws:apprunner:us-east-1:1:service/a/0",
           "ServiceUrl": "x.awsapprunner.com", "CreatedAt": 1.5, "UpdatedAt": 2.5, "Status": "RUNNING"}


def test_sealed_output_is_the_plain_output_and_its_json_is_kept():
    operation = _operation("ListServices")
    plain = render_response(operation, {"ServiceSummaryList": [dict(SUMMARY, _internal=1)]})
    sealed = Sealed(SUMMARY, _internal=1)
    assert render_response(operation, {"ServiceSummaryList": [sealed]}) == plain
    assert sealed.serialized is not None
    assert render_response(operation, {"ServiceSummaryList": [sealed, sealed], "NextToken": "t"}) == json.dumps(
        {"ServiceSummaryList": [SUMMARY, SUMMARY], "NextToken": "t"}, separators=(",", ":")).encode()


def test_what_orjson_refuses_is_still_written_with_sealed_parts():
    operation = _operation("ListServices")
    huge = 1 << 70  # beyond 64 bits: orjson refuses it, the standard library writes it
    body = render_response(operation, {"ServiceSummaryList": [Sealed(SUMMARY), dict(SUMMARY, CreatedAt=huge)]})
    assert json.loads(body)["ServiceSummaryList"] == [SUMMARY, dict(SUMMARY, CreatedAt=huge)]


def test_sealed_xml_is_the_plain_xml_and_is_kept():
    from runnerlink.wire.query_protocol import QueryProtocol

    ec2 = QueryProtocol("ec2")
    operation = operation_model("ec2", "DescribeVpcEndpoints")
    endpoint = {"VpcEndpointId": "vpce-0123456789abcdef0", "State": "available", "SubnetIds": ["subnet-1"],
                "PolicyDocument": "{\"a\": \"<&>\"}", "_enis": {"subnet-1": "eni-1"}}
    plain = ec2.render_response(operation, {"VpcEndpoints": [dict(endpoint)]}, "r1")
    sealed = Sealed(endpoint)
    assert ec2.render_response(operation, {"VpcEndpoints": [sealed]}, "r1") == plain
    assert sealed.serialized is not None
    assert ec2.render_response(operation, {"VpcEndpoints": [sealed]}, "r1") == plain
    assert b"eni-1" not in plain and b"&lt;&amp;&gt;" in plain
