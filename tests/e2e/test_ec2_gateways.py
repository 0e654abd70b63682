"""Internet gateways through boto3: create, attach ("available"), detach, delete, describe with filters and pages."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.conftest import settle
from tests.e2e.ec2_fixtures import make_subnet, make_vpc


def error(call, **kwargs) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def make_gateway(ec2, name: str | None = None) -> str:
    tags = [{"ResourceType": "internet-gateway", "Tags": [{"Key": "Name", "Value": name}]}] if name else []
    return ec2.create_internet_gateway(TagSpecifications=tags)["InternetGateway"]["InternetGatewayId"]


def describe(ec2, gateway_id: str) -> dict:
    return ec2.describe_internet_gateways(InternetGatewayIds=[gateway_id])["InternetGateways"][0]


def test_create_describe_and_tags(ec2, account):
    gateway = ec2.create_internet_gateway(TagSpecifications=[
        {"ResourceType": "internet-gateway", "Tags": [{"Key": "Name", "Value": "edge"}]}])["InternetGateway"]
    assert gateway["InternetGatewayId"].startswith("igw-") and len(gateway["InternetGatewayId"]) == 21
    assert gateway["Attachments"] == []
    assert gateway["OwnerId"] == account
    assert gateway["Tags"] == [{"Key": "Name", "Value": "edge"}]
    assert describe(ec2, gateway["InternetGatewayId"]) == gateway


def test_attach_reports_available_and_filters_find_it(ec2, account):
    vpc_id = make_vpc(ec2)
    gateway_id = make_gateway(ec2, "edge")
    other_id = make_gateway(ec2, "spare")
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    assert describe(ec2, gateway_id)["Attachments"] == [{"State": "available", "VpcId": vpc_id}]

    def ids(*filters) -> set[str]:
        found = ec2.describe_internet_gateways(Filters=[{"Name": n, "Values": v} for n, v in filters])
        return {g["InternetGatewayId"] for g in found["InternetGateways"]}

    assert ids(("attachment.vpc-id", [vpc_id])) == {gateway_id}
    assert gateway_id in ids(("attachment.state", ["available"]))
    assert other_id not in ids(("attachment.state", ["available"]))
    assert ids(("internet-gateway-id", [other_id])) == {other_id}
    assert {gateway_id, other_id} <= ids(("owner-id", [account]))
    assert ids(("tag:Name", ["ed*"])) == {gateway_id}
    assert error(ec2.describe_internet_gateways, Filters=[{"Name": "bogus", "Values": ["x"]}])[0] == \
        "InvalidParameterValue"


def test_attach_conflicts(ec2):
    vpc_id, other_vpc = make_vpc(ec2), make_vpc(ec2, "10.1.0.0/16")
    gateway_id, second = make_gateway(ec2), make_gateway(ec2)
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    code, message = error(ec2.attach_internet_gateway, InternetGatewayId=gateway_id, VpcId=other_vpc)
    assert code == "Resource.AlreadyAssociated"
    assert message == f"resource {gateway_id} is already attached to network {vpc_id}"
    # a VPC has at most one internet gateway
    assert error(ec2.attach_internet_gateway, InternetGatewayId=second, VpcId=vpc_id)[0] == \
        "Resource.AlreadyAssociated"
    assert error(ec2.attach_internet_gateway, InternetGatewayId=second, VpcId="vpc-0123456789abcdef0")[0] == \
        "InvalidVpcID.NotFound"
    assert error(ec2.attach_internet_gateway, InternetGatewayId="igw-0123456789abcdef0", VpcId=vpc_id)[0] == \
        "InvalidInternetGatewayID.NotFound"


def test_detach_and_delete(ec2):
    vpc_id, other_vpc = make_vpc(ec2), make_vpc(ec2, "10.1.0.0/16")
    gateway_id = make_gateway(ec2)
    code, message = error(ec2.detach_internet_gateway, InternetGatewayId=gateway_id, VpcId=vpc_id)
    assert (code, message) == ("Gateway.NotAttached", f"resource {gateway_id} is not attached to network {vpc_id}")
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    assert error(ec2.detach_internet_gateway, InternetGatewayId=gateway_id, VpcId=other_vpc)[0] == \
        "Gateway.NotAttached"
    code, message = error(ec2.delete_internet_gateway, InternetGatewayId=gateway_id)
    assert code == "DependencyViolation"
    assert message == f"The internetGateway '{gateway_id}' has dependencies and cannot be deleted."
    ec2.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    assert describe(ec2, gateway_id)["Attachments"] == []
    ec2.delete_internet_gateway(InternetGatewayId=gateway_id)
    code, message = error(ec2.describe_internet_gateways, InternetGatewayIds=[gateway_id])
    assert (code, message) == ("InvalidInternetGatewayID.NotFound",
                               f"The internetGateway ID '{gateway_id}' does not exist")
    assert error(ec2.delete_internet_gateway, InternetGatewayId=gateway_id)[0] == "InvalidInternetGatewayID.NotFound"
    assert error(ec2.delete_internet_gateway, InternetGatewayId="igw-nope")[0] == "InvalidInternetGatewayId.Malformed"


def test_detach_refused_while_public_addresses_are_mapped(ec2):
    vpc_id = make_vpc(ec2)
    subnet_id = make_subnet(ec2, vpc_id, "10.0.1.0/24", "us-east-1a")
    gateway_id = make_gateway(ec2)
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat_id = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation_id)["NatGateway"]["NatGatewayId"]
    code, message = error(ec2.detach_internet_gateway, InternetGatewayId=gateway_id, VpcId=vpc_id)
    assert code == "DependencyViolation"
    assert message == (f"Network {vpc_id} has some mapped public address(es). Please unmap those public address(es) "
                       f"before detaching the gateway.")
    ec2.delete_nat_gateway(NatGatewayId=nat_id)
    # still mapped while the NAT gateway is deleting
    assert error(ec2.detach_internet_gateway, InternetGatewayId=gateway_id, VpcId=vpc_id)[0] == "DependencyViolation"
    settle()
    ec2.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)


def test_default_vpc_has_an_attached_gateway(ec2):
    default = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    found = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [default]}])
    assert [g["Attachments"] for g in found["InternetGateways"]] == [[{"State": "available", "VpcId": default}]]


def test_pages(ec2):
    created = {make_gateway(ec2, "paged") for _ in range(6)}
    filters = [{"Name": "tag:Name", "Values": ["paged"]}]
    first = ec2.describe_internet_gateways(Filters=filters, MaxResults=5)
    assert len(first["InternetGateways"]) == 5 and first["NextToken"]
    second = ec2.describe_internet_gateways(Filters=filters, MaxResults=5, NextToken=first["NextToken"])
    assert "NextToken" not in second
    assert {g["InternetGatewayId"] for g in first["InternetGateways"] + second["InternetGateways"]} == created


def test_dry_run(ec2):
    assert error(ec2.create_internet_gateway, DryRun=True)[0] == "DryRunOperation"
    assert ec2.describe_internet_gateways(Filters=[{"Name": "tag-key", "Values": ["*"]}])["InternetGateways"] == []
