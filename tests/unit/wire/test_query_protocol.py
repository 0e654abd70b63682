"""The query protocols read what botocore's own serializers write, and write what botocore's parsers read."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from runnerlink.errors import ValidationError
from runnerlink.wire.models import operation_model
from runnerlink.wire.query_protocol import QueryProtocol

CASES = [
    ("ec2", "CreateVpcEndpoint", {
        "VpcId": "vpc-0123456789abcdef0", "ServiceName": "com.amazonaws.us-east-1.apprunner",
        "VpcEndpointType": "Interface", "SubnetIds": ["subnet-1", "subnet-2"], "SecurityGroupIds": ["sg-1"],
        "PrivateDnsEnabled": False, "DnsOptions": {"DnsRecordIpType": "ipv4"},
        "TagSpecifications": [{"ResourceType": "vpc-endpoint", "Tags": [{"Key": "Name", "Value": "api"}]}],
        "PolicyDocument": '{"Statement": []}', "ClientToken": "t-1"}),
    ("ec2", "DescribeVpcs", {"VpcIds": ["vpc-1"], "Filters": [{"Name": "tag:Name", "Values": ["a", "b"]},
                                                             {"Name": "is-default", "Values": ["true"]}],
                             "MaxResults": 5}),
    ("ec2", "AuthorizeSecurityGroupIngress", {"GroupId": "sg-1", "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/16"}],
         "UserIdGroupPairs": [{"GroupId": "sg-2"}]}]}),
    ("iam", "CreatePolicy", {"PolicyName": "p", "PolicyDocument": "{}", "Tags": [{"Key": "k", "Value": "v"}]}),
    ("sts", "AssumeRole", {"RoleArn": "arn:aws:iam::111122223333:role/r", "RoleSessionName": "session",
                           "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}], "DurationSeconds": 900}),
]


@pytest.mark.parametrize("service,operation,params", CASES, ids=[c[1] for c in CASES])
def test_parses_what_botocore_serializes(service, operation, params):
    model = operation_model(service, operation)
    request = create_serializer(model.service_model.protocol).serialize_to_request(params, model)
    body = urlencode(request["body"]).encode()
    parsed = QueryProtocol(model.service_model.protocol).parse(
        model, body, {"content-type": "application/x-www-form-urlencoded"}, ValidationError)
    assert parsed == params


def test_ec2_rejects_unknown_parameters():
    model = operation_model("ec2", "DescribeVpcs")
    with pytest.raises(Exception) as err:
        QueryProtocol("ec2").parse(model, b"Action=DescribeVpcs&Version=2016-11-15&Bogus=1", {}, ValidationError)
    assert err.value.code == "UnknownParameter"
    assert "Bogus" in err.value.message


def test_bad_scalar_is_a_validation_error():
    model = operation_model("ec2", "DescribeVpcs")
    with pytest.raises(ValidationError):
        QueryProtocol("ec2").parse(model, b"Action=DescribeVpcs&MaxResults=many", {}, ValidationError)


OUTPUTS = [
    ("ec2", "DescribeVpcs", {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "IsDefault": False,
                                       "Tags": [{"Key": "Name", "Value": "a&b<c>"}],
                                       "CidrBlockAssociationSet": [{"AssociationId": "vpc-cidr-assoc-1",
                                                                    "CidrBlock": "10.0.0.0/16",
                                                                    "CidrBlockState": {"State": "associated"}}]}]}),
    ("ec2", "CreateVpcEndpoint", {"VpcEndpoint": {"VpcEndpointId": "vpce-1", "State": "pending",
                                                  "CreationTimestamp": 1700000000.123,
                                                  "DnsEntries": [{"DnsName": "x", "HostedZoneId": "Z"}]}}),
    ("ec2", "DeleteVpcEndpoints", {"Unsuccessful": [{"ResourceId": "vpce-1", "Error": {
        "Code": "InvalidVpcEndpoint.NotFound", "Message": "gone"}}]}),
    ("sts", "GetCallerIdentity", {"UserId": "1", "Account": "111122223333", "Arn": "arn:aws:iam::111122223333:root"}),
]


@pytest.mark.parametrize("service,operation,output", OUTPUTS, ids=[o[1] for o in OUTPUTS])
def test_botocore_parses_what_we_render(service, operation, output):
    model = operation_model(service, operation)
    protocol = QueryProtocol(model.service_model.protocol)
    body = protocol.render_response(model, output, "req-1")
    parsed = create_parser(model.service_model.protocol).parse(
        {"status_code": 200, "headers": {}, "body": body}, model.output_shape)
    metadata = parsed.pop("ResponseMetadata")
    assert metadata["RequestId"] == "req-1"
    if "CreationTimestamp" in str(output):
        stamp = parsed["VpcEndpoint"].pop("CreationTimestamp")
        assert stamp.timestamp() == pytest.approx(1700000000.123, abs=0.001)
        output = {"VpcEndpoint": {k: v for k, v in output["VpcEndpoint"].items() if k != "CreationTimestamp"}}
    assert parsed == output


@pytest.mark.parametrize("flavour", ["ec2", "query"])
def test_botocore_parses_our_errors(flavour):
    model = operation_model("ec2" if flavour == "ec2" else "sts", "DescribeVpcs" if flavour == "ec2" else "GetCallerIdentity")
    error = ValidationError("bad <input>", code="InvalidParameterValue")
    body = QueryProtocol(flavour).render_error(error, "req-2", model)
    parsed = create_parser(flavour).parse({"status_code": 400, "headers": {}, "body": body}, model.output_shape)
    assert parsed["Error"]["Code"] == "InvalidParameterValue"
    assert parsed["Error"]["Message"] == "bad <input>"
    assert parsed["ResponseMetadata"]["RequestId"] == "req-2"


def _reference_xml(shape, tag, value, parts, ec2):
    """The XML rules written plainly, shape by shape as the value is walked (what the compiled writers must match)."""
    from xml.sax.saxutils import escape

    from runnerlink.wire.query_protocol import _text

    kind = shape.type_name
    if kind == "list":
        item_tag = shape.member.serialization.get("name", "item" if ec2 else "member")
        if not shape.serialization.get("flattened"):
            parts.append(f"<{tag}>")
        for item in value:
            _reference_xml(shape.member, item_tag, item, parts, ec2)
        if not shape.serialization.get("flattened"):
            parts.append(f"</{tag}>")
    elif kind == "structure":
        parts.append(f"<{tag}>")
        for name, member in shape.members.items():
            if value.get(name) is not None:
                _reference_xml(member, member.serialization.get("name", name), value[name], parts, ec2)
        parts.append(f"</{tag}>")
    elif kind == "map":
        parts.append(f"<{tag}>")
        for key, item in value.items():
            parts.append("<entry>")
            _reference_xml(shape.key, shape.key.serialization.get("name", "key"), key, parts, ec2)
            _reference_xml(shape.value, shape.value.serialization.get("name", "value"), item, parts, ec2)
            parts.append("</entry>")
        parts.append(f"</{tag}>")
    else:
        parts.append(f"<{tag}>{escape(_text(kind, value))}</{tag}>")


MORE_OUTPUTS = OUTPUTS + [
    ("ec2", "DescribeVpcEndpoints", {"VpcEndpoints": [{
        "VpcEndpointId": "vpce-0123", "VpcEndpointType": "Interface", "VpcId": "vpc-1", "ServiceName": "com.x",
        "State": "available", "PolicyDocument": '{"a": "<&>"}', "RouteTableIds": [], "SubnetIds": ["s-1", "s-2"],
        "Groups": [{"GroupId": "sg-1", "GroupName": "default"}], "PrivateDnsEnabled": True, "RequesterManaged": False,
        "NetworkInterfaceIds": ["eni-1"], "DnsEntries": [{"DnsName": "a.b", "HostedZoneId": "Z1"}],
        "CreationTimestamp": 1700000000.5, "Tags": [{"Key": "k", "Value": "v"}], "OwnerId": "111122223333",
        "DnsOptions": {"DnsRecordIpType": "ipv4"}, "IpAddressType": "ipv4"}], "NextToken": "t"}),
    ("iam", "ListUsers", {"Users": [{"UserName": "a", "UserId": "AIDA", "Arn": "arn", "Path": "/",
                                     "CreateDate": 1700000000, "Tags": [{"Key": "k", "Value": "v"}]}],
                          "IsTruncated": False}),
    ("iam", "GetAccountSummary", {"SummaryMap": {"Users": 3, "Groups": 1}}),
]


@pytest.mark.parametrize("service,operation,output", MORE_OUTPUTS, ids=[o[1] for o in MORE_OUTPUTS])
def test_rendered_xml_is_the_plain_rules(service, operation, output):
    model = operation_model(service, operation)
    protocol = QueryProtocol(model.service_model.protocol)
    body = protocol.render_response(model, output, "req-1").decode()
    expected: list[str] = []
    for name, member in model.output_shape.members.items():
        if output.get(name) is not None:
            _reference_xml(member, member.serialization.get("name", name), output[name], expected, protocol.ec2)
    assert "".join(expected) in body
    assert body.count("<") == "".join(expected).count("<") + (5 if protocol.ec2 else 9)  # the envelope's tags
