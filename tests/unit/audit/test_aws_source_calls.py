"""The AWS source's calls (botocore's Stubber answers them, no network): every page is read, a refused operation is
recorded once and never asked again, refused credentials end the read with a clear error."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from runnerlink.audit.model import RefusedCall
from runnerlink.audit.sources import SourceError
from runnerlink.audit.sources.aws_calls import Reader


def stubbed(service: str) -> tuple[Reader, Stubber]:
    session = boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret", region_name="us-east-1")
    reader = Reader(session, "us-east-1", "http://127.0.0.1:1")
    stubber = Stubber(reader.client(service))
    stubber.activate()
    return reader, stubber


def test_a_paginated_answer_is_read_to_the_last_page():
    reader, stubber = stubbed("ec2")
    stubber.add_response("describe_vpcs", {"Vpcs": [{"VpcId": "vpc-1"}], "NextToken": "t"}, {})
    stubber.add_response("describe_vpcs", {"Vpcs": [{"VpcId": "vpc-2"}]}, {"NextToken": "t"})
    assert [v["VpcId"] for v in reader.items("ec2", "describe_vpcs", "Vpcs")] == ["vpc-1", "vpc-2"]
    stubber.assert_no_pending_responses()
    assert reader.refused == {}


def test_an_api_without_a_paginator_is_read_by_its_next_token():
    reader, stubber = stubbed("apprunner")
    stubber.add_response("list_services", {"ServiceSummaryList": [{"ServiceName": "alpha"}], "NextToken": "t"}, {})
    stubber.add_response("list_services", {"ServiceSummaryList": [{"ServiceName": "bravo"}]}, {"NextToken": "t"})
    found = reader.items("apprunner", "list_services", "ServiceSummaryList")
    assert [s["ServiceName"] for s in found] == ["alpha", "bravo"]


def test_a_refused_operation_is_recorded_once_and_not_asked_again():
    reader, stubber = stubbed("ec2")
    stubber.add_client_error("describe_vpc_attribute", "UnauthorizedOperation", "You are not authorized.", 403)
    first = reader.call("ec2", "describe_vpc_attribute", VpcId="vpc-1", Attribute="enableDnsSupport")
    again = reader.call("ec2", "describe_vpc_attribute", VpcId="vpc-2", Attribute="enableDnsSupport")
    assert first is None and again is None
    stubber.assert_no_pending_responses()  # the second was never sent (the stub has no answer left for it)
    assert list(reader.refused.values()) == [
        RefusedCall("ec2", "DescribeVpcAttribute", "UnauthorizedOperation", "You are not authorized.")]


def test_a_page_refused_midway_refuses_the_whole_listing():
    reader, stubber = stubbed("ec2")
    stubber.add_response("describe_subnets", {"Subnets": [{"SubnetId": "subnet-1"}], "NextToken": "t"}, {})
    stubber.add_client_error("describe_subnets", "RequestLimitExceeded", "Slow down.", 503,
                             expected_params={"NextToken": "t"})
    assert reader.items("ec2", "describe_subnets", "Subnets") is None
    assert reader.refused[("ec2", "DescribeSubnets")].code == "RequestLimitExceeded"


@pytest.mark.parametrize("code", ["AuthFailure", "UnrecognizedClientException", "SignatureDoesNotMatch"])
def test_refused_credentials_end_the_read(code):
    reader, stubber = stubbed("ec2")
    stubber.add_client_error("describe_vpcs", code, "Bad key.", 401)
    with pytest.raises(SourceError, match=f"ec2 refused the credentials \\({code}: Bad key.\\)"):
        reader.items("ec2", "describe_vpcs", "Vpcs")


def test_an_unreachable_ec2_ends_the_read_but_an_unreachable_app_runner_is_recorded():
    session = boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret", region_name="us-east-1")
    reader = Reader(session, "us-east-1", "http://127.0.0.1:9")  # the discard port: nothing listens
    reader._clients = {name: session.client(name, region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
                                            config=Config(retries={"max_attempts": 1}, connect_timeout=2)) for name in ("ec2", "apprunner")}
    assert reader.items("apprunner", "list_vpc_connectors", "VpcConnectors") is None
    assert reader.refused[("apprunner", "ListVpcConnectors")].code == "EndpointConnectionError"
    with pytest.raises(SourceError, match="ec2 is not reachable"):
        reader.items("ec2", "describe_vpcs", "Vpcs")

