"""NAT gateways through boto3: pending → available, deleting → deleted (derived from time), the requester-managed
interface and the Elastic IP mapping, failures AWS reports as state "failed", ClientToken, filters and pages."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.conftest import settle, wait_for
from tests.e2e.ec2_fixtures import make_subnet, make_vpc


def error(call, **kwargs) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def public_network(ec2, cidr: str = "10.0.0.0/16") -> tuple[str, str]:
    vpc_id = make_vpc(ec2, cidr)
    subnet_id = make_subnet(ec2, vpc_id, cidr.replace("0.0/16", "1.0/24"), "us-east-1a")
    gateway_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    return vpc_id, subnet_id


def nat(ec2, nat_id: str) -> dict:
    return ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]


def test_create_pending_then_available_with_interface_and_address(ec2, account):
    vpc_id, subnet_id = public_network(ec2)
    allocated = ec2.allocate_address(Domain="vpc")
    created = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocated["AllocationId"],
                                     ConnectivityType="public", TagSpecifications=[
                                         {"ResourceType": "natgateway", "Tags": [{"Key": "Name", "Value": "out"}]}])
    gateway = created["NatGateway"]
    nat_id = gateway["NatGatewayId"]
    assert nat_id.startswith("nat-") and len(nat_id) == 21
    assert gateway["State"] == "pending"
    assert (gateway["SubnetId"], gateway["VpcId"], gateway["ConnectivityType"]) == (subnet_id, vpc_id, "public")
    assert gateway["Tags"] == [{"Key": "Name", "Value": "out"}]
    (entry,) = gateway["NatGatewayAddresses"]
    assert entry["AllocationId"] == allocated["AllocationId"] and entry["PublicIp"] == allocated["PublicIp"]
    assert entry["IsPrimary"] is True and entry["PrivateIp"].startswith("10.0.1.")

    available = wait_for(lambda: (g := nat(ec2, nat_id))["State"] == "available" and g)
    assert available["NatGatewayAddresses"][0]["Status"] == "succeeded"

    eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[entry["NetworkInterfaceId"]])["NetworkInterfaces"][0]
    assert eni["Description"] == f"Interface for NAT Gateway {nat_id}"
    assert eni["RequesterManaged"] is True and eni["InterfaceType"] == "nat_gateway"
    assert (eni["SubnetId"], eni["PrivateIpAddress"]) == (subnet_id, entry["PrivateIp"])

    address = ec2.describe_addresses(AllocationIds=[allocated["AllocationId"]])["Addresses"][0]
    assert address["NetworkInterfaceId"] == entry["NetworkInterfaceId"]
    assert address["PrivateIpAddress"] == entry["PrivateIp"]
    assert address["AssociationId"] == entry["AssociationId"]
    assert address["NetworkInterfaceOwnerId"] == account
    assert error(ec2.release_address, AllocationId=allocated["AllocationId"])[0] == "InvalidIPAddress.InUse"


def test_client_token_is_idempotent(ec2):
    _, subnet_id = public_network(ec2)
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    first = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation_id, ClientToken="token-1")
    again = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation_id, ClientToken="token-1")
    assert first["ClientToken"] == again["ClientToken"] == "token-1"
    assert first["NatGateway"]["NatGatewayId"] == again["NatGateway"]["NatGatewayId"]
    assert len(ec2.describe_nat_gateways()["NatGateways"]) == 1
    other = ec2.allocate_address(Domain="vpc")["AllocationId"]
    assert error(ec2.create_nat_gateway, SubnetId=subnet_id, AllocationId=other, ClientToken="token-1")[0] == \
        "IdempotentParameterMismatch"


def test_create_errors(ec2):
    _, subnet_id = public_network(ec2)
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    assert error(ec2.create_nat_gateway, SubnetId="subnet-0123456789abcdef0", AllocationId=allocation_id)[0] == \
        "InvalidSubnetID.NotFound"
    assert error(ec2.create_nat_gateway, SubnetId=subnet_id, AllocationId="eipalloc-0123456789abcdef0")[0] == \
        "InvalidAllocationID.NotFound"
    assert error(ec2.create_nat_gateway, SubnetId=subnet_id)[0] == "MissingParameter"
    assert error(ec2.create_nat_gateway, SubnetId=subnet_id, AllocationId=allocation_id,
                 ConnectivityType="private")[0] == "InvalidParameterCombination"


def test_private_connectivity_needs_no_address(ec2):
    vpc_id = make_vpc(ec2)
    subnet_id = make_subnet(ec2, vpc_id, "10.0.1.0/24", "us-east-1a")
    gateway = ec2.create_nat_gateway(SubnetId=subnet_id, ConnectivityType="private")["NatGateway"]
    (entry,) = gateway["NatGatewayAddresses"]
    assert "PublicIp" not in entry and "AllocationId" not in entry and entry["PrivateIp"].startswith("10.0.1.")
    assert wait_for(lambda: nat(ec2, gateway["NatGatewayId"])["State"] == "available")


def test_fails_without_an_internet_gateway(ec2):
    vpc_id = make_vpc(ec2)
    subnet_id = make_subnet(ec2, vpc_id, "10.0.1.0/24", "us-east-1a")
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat_id = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation_id)["NatGateway"]["NatGatewayId"]
    assert nat(ec2, nat_id)["State"] == "pending"
    failed = wait_for(lambda: (g := nat(ec2, nat_id))["State"] == "failed" and g)
    assert failed["FailureCode"] == "Gateway.NotAttached"
    assert failed["FailureMessage"] == f"Network {vpc_id} has no Internet gateway attached"
    assert "AssociationId" not in ec2.describe_addresses(AllocationIds=[allocation_id])["Addresses"][0]
    # a failed gateway holds nothing: the subnet can go
    ec2.delete_subnet(SubnetId=subnet_id)


def test_fails_when_the_address_is_taken(ec2):
    _, subnet_id = public_network(ec2)
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation_id)
    second = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation_id)["NatGateway"]["NatGatewayId"]
    failed = wait_for(lambda: (g := nat(ec2, second))["State"] == "failed" and g)
    assert failed["FailureCode"] == "Resource.AlreadyAssociated"
    assert failed["FailureMessage"] == f"Elastic IP address [{allocation_id}] is already associated"


def test_delete_deleting_then_deleted(ec2):
    _, subnet_id = public_network(ec2)
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    gateway = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation_id)["NatGateway"]
    nat_id, eni_id = gateway["NatGatewayId"], gateway["NatGatewayAddresses"][0]["NetworkInterfaceId"]
    assert ec2.delete_nat_gateway(NatGatewayId=nat_id)["NatGatewayId"] == nat_id
    assert nat(ec2, nat_id)["State"] == "deleting"
    assert ec2.delete_nat_gateway(NatGatewayId=nat_id)["NatGatewayId"] == nat_id  # again while deleting: fine
    # the interface goes at once; the address stays mapped until the deletion completes
    assert ec2.describe_network_interfaces(
        Filters=[{"Name": "network-interface-id", "Values": [eni_id]}])["NetworkInterfaces"] == []
    assert error(ec2.release_address, AllocationId=allocation_id)[0] == "InvalidIPAddress.InUse"

    deleted = wait_for(lambda: (g := nat(ec2, nat_id))["State"] == "deleted" and g)
    assert deleted["DeleteTime"] >= deleted["CreateTime"]
    assert nat_id in {g["NatGatewayId"] for g in ec2.describe_nat_gateways()["NatGateways"]}
    code, message = error(ec2.delete_nat_gateway, NatGatewayId=nat_id)
    assert (code, message) == ("NatGatewayNotFound", f"The Nat Gateway {nat_id} was not found")
    assert "AssociationId" not in ec2.describe_addresses(AllocationIds=[allocation_id])["Addresses"][0]
    ec2.release_address(AllocationId=allocation_id)
    ec2.delete_subnet(SubnetId=subnet_id)


def test_describe_filters_pages_and_unknown_ids(ec2):
    vpc_id, subnet_id = public_network(ec2)
    _, other_subnet = public_network(ec2, "10.1.0.0/16")
    made = []
    for index, subnet in enumerate([subnet_id] * 5 + [other_subnet]):
        allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
        made.append(ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation_id, TagSpecifications=[
            {"ResourceType": "natgateway", "Tags": [{"Key": "n", "Value": str(index)}]}])["NatGateway"]["NatGatewayId"])
    ec2.delete_nat_gateway(NatGatewayId=made[0])

    def ids(name: str, *values: str) -> set[str]:
        found = ec2.describe_nat_gateways(Filter=[{"Name": name, "Values": list(values)}])["NatGateways"]
        return {g["NatGatewayId"] for g in found}

    assert ids("vpc-id", vpc_id) == set(made[:5])
    assert ids("subnet-id", other_subnet) == {made[5]}
    assert ids("nat-gateway-id", made[2]) == {made[2]}
    assert ids("tag:n", "3") == {made[3]}
    assert ids("state", "deleting") == {made[0]}
    assert ids("state", "pending") == set(made[1:])
    settle()
    assert ids("state", "available") == set(made[1:])
    assert ids("state", "deleted") == {made[0]}

    first = ec2.describe_nat_gateways(MaxResults=5)
    assert len(first["NatGateways"]) == 5 and first["NextToken"]
    rest = ec2.describe_nat_gateways(MaxResults=5, NextToken=first["NextToken"])
    assert "NextToken" not in rest
    assert {g["NatGatewayId"] for g in first["NatGateways"] + rest["NatGateways"]} == set(made)

    unknown = "nat-0123456789abcdef0"
    code, message = error(ec2.describe_nat_gateways, NatGatewayIds=[made[1], unknown])
    assert (code, message) == ("NatGatewayNotFound", f"The Nat Gateway {unknown} was not found")
    assert error(ec2.delete_nat_gateway, NatGatewayId=unknown)[0] == "NatGatewayNotFound"
    assert error(ec2.describe_nat_gateways, Filter=[{"Name": "bogus", "Values": ["x"]}])[0] == "InvalidParameterValue"
