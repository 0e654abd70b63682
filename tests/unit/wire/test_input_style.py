"""A service's InputStyle decides how bad input is worded: Coral's for App Runner/STS, EC2's own for EC2."""

from __future__ import annotations

import pytest

from runnerlink.errors import ValidationError
from runnerlink.services.ec2.input_style import STYLE
from runnerlink.wire.models import operation_model
from runnerlink.wire.query_protocol import QueryProtocol


def parse(operation: str, body: str, style=STYLE) -> dict:
    return QueryProtocol("ec2").parse(operation_model("ec2", operation), body.encode(), {}, style)


def failure(operation: str, body: str, style=STYLE) -> tuple[str, str]:
    with pytest.raises(Exception) as err:
        parse(operation, body, style)
    return err.value.code, err.value.message


def test_ec2_reports_one_problem_in_its_own_words():
    assert failure("DeleteVpc", "Action=DeleteVpc") == (
        "MissingParameter", "The request must contain the parameter VpcId")
    assert failure("DescribeVpcs", "Action=DescribeVpcs&MaxResults=1") == (
        "InvalidParameterValue", "Value ( 1 ) for parameter maxResults is invalid. Expecting a value greater than 5.")
    code, message = failure("DescribeVpcs", "Action=DescribeVpcs&MaxResults=many")
    assert (code, message.split(" is invalid.")[0]) == ("InvalidParameterValue",
                                                        "Value (many) for parameter maxResults")
    code, message = failure("CreateVpc", "Action=CreateVpc&CidrBlock=10.0.0.0/16&InstanceTenancy=shared")
    assert code == "InvalidParameterValue" and "parameter instanceTenancy is invalid" in message


def test_case_insensitive_enums_come_out_as_modelled():
    assert parse("CreateVpcEndpoint", "Action=CreateVpcEndpoint&VpcId=vpc-1&ServiceName=s&VpcEndpointType=interface")[
        "VpcEndpointType"] == "Interface"
    assert parse("CreateNetworkAclEntry", "Action=CreateNetworkAclEntry&NetworkAclId=acl-1&RuleNumber=1&Protocol=-1"
                                          "&RuleAction=ALLOW&Egress=false&CidrBlock=0.0.0.0/0")["RuleAction"] == "allow"


def test_other_enums_stay_case_sensitive():
    assert failure("CreateVpc", "Action=CreateVpc&CidrBlock=10.0.0.0/16&InstanceTenancy=DEFAULT")[0] == \
        "InvalidParameterValue"


def test_a_validation_error_class_still_means_coral():
    code, message = failure("DescribeVpcs", "Action=DescribeVpcs&MaxResults=1", ValidationError)
    assert message.startswith("1 validation error detected: Value '1' at 'maxResults' failed to satisfy constraint")
    assert failure("DescribeVpcs", "Action=DescribeVpcs&MaxResults=x", ValidationError)[1] == \
        "Invalid value 'x' for MaxResults: expected an integer."
