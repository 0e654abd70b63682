"""Elastic IPs through boto3: allocate (documentation ranges), associate with a network interface, disassociate,
release, DescribeAddresses (ids, public IPs, filters) and DescribeAddressesAttribute."""

from __future__ import annotations

import ipaddress

import pytest
from botocore.exceptions import ClientError

from tests.e2e.ec2_fixtures import make_subnet, make_vpc

RANGES = (ipaddress.ip_network("203.0.113.0/24"),)  # 198.51.100.0/24 holds the S3/DynamoDB prefix lists


def error(call, **kwargs) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def public_network(ec2) -> tuple[str, str]:
    """A VPC with an attached internet gateway and one subnet: (vpc id, subnet id)."""
    vpc_id = make_vpc(ec2)
    subnet_id = make_subnet(ec2, vpc_id, "10.0.1.0/24", "us-east-1a")
    gateway_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    return vpc_id, subnet_id


def interface(ec2, subnet_id: str) -> dict:
    return ec2.create_network_interface(SubnetId=subnet_id)["NetworkInterface"]


def address(ec2, allocation_id: str) -> dict:
    return ec2.describe_addresses(AllocationIds=[allocation_id])["Addresses"][0]


def test_allocate_gives_unique_documentation_addresses(ec2, server, account):
    allocated = [ec2.allocate_address(Domain="vpc") for _ in range(12)]
    first = allocated[0]
    assert first["AllocationId"].startswith("eipalloc-") and len(first["AllocationId"]) == 26
    assert first["Domain"] == "vpc" and first["PublicIpv4Pool"] == "amazon"
    assert first["NetworkBorderGroup"] == "us-east-1"
    ips = [a["PublicIp"] for a in allocated]
    assert len(set(ips)) == len(ips)
    assert all(any(ipaddress.ip_address(ip) in r for r in RANGES) for ip in ips)
    # another region of the same account has its own addresses and border group
    west = server.client("ec2", account=account, region="us-west-2")
    assert west.allocate_address(Domain="vpc")["NetworkBorderGroup"] == "us-west-2"
    assert len(west.describe_addresses()["Addresses"]) == 1


def test_allocate_with_tags_and_describe(ec2):
    allocated = ec2.allocate_address(Domain="vpc", TagSpecifications=[
        {"ResourceType": "elastic-ip", "Tags": [{"Key": "Name", "Value": "nat"}]}])
    shown = address(ec2, allocated["AllocationId"])
    assert shown == {"AllocationId": allocated["AllocationId"], "PublicIp": allocated["PublicIp"], "Domain": "vpc",
                     "PublicIpv4Pool": "amazon", "NetworkBorderGroup": "us-east-1",
                     "Tags": [{"Key": "Name", "Value": "nat"}]}
    assert ec2.describe_addresses(PublicIps=[allocated["PublicIp"]])["Addresses"] == [shown]
    assert error(ec2.allocate_address, Domain="vpc", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}])[0] == "InvalidParameterValue"


def test_describe_filters_and_unknown_ids(ec2):
    one = ec2.allocate_address(Domain="vpc", TagSpecifications=[
        {"ResourceType": "elastic-ip", "Tags": [{"Key": "team", "Value": "blue"}]}])
    two = ec2.allocate_address(Domain="vpc")

    def ids(name: str, *values: str) -> set[str]:
        found = ec2.describe_addresses(Filters=[{"Name": name, "Values": list(values)}])["Addresses"]
        return {a["AllocationId"] for a in found}

    assert ids("allocation-id", one["AllocationId"]) == {one["AllocationId"]}
    assert ids("public-ip", two["PublicIp"]) == {two["AllocationId"]}
    assert ids("domain", "vpc") == {one["AllocationId"], two["AllocationId"]}
    assert ids("tag:team", "blue") == {one["AllocationId"]}
    assert ids("association-id", "eipassoc-*") == set()
    code, message = error(ec2.describe_addresses, AllocationIds=["eipalloc-0123456789abcdef0"])
    assert (code, message) == ("InvalidAllocationID.NotFound",
                               "The allocation ID 'eipalloc-0123456789abcdef0' does not exist")
    assert error(ec2.describe_addresses, AllocationIds=["eipalloc-x"])[0] == "InvalidAllocationID.NotFound"  # EC2 has no Malformed code for allocation ids
    assert error(ec2.describe_addresses, PublicIps=["198.51.100.255"])[0] == "InvalidAddress.NotFound"


def test_associate_disassociate_release(ec2, account):
    _, subnet_id = public_network(ec2)
    eni = interface(ec2, subnet_id)
    allocated = ec2.allocate_address(Domain="vpc")
    association_id = ec2.associate_address(AllocationId=allocated["AllocationId"],
                                           NetworkInterfaceId=eni["NetworkInterfaceId"])["AssociationId"]
    assert association_id.startswith("eipassoc-")
    shown = address(ec2, allocated["AllocationId"])
    assert shown["AssociationId"] == association_id
    assert shown["NetworkInterfaceId"] == eni["NetworkInterfaceId"]
    assert shown["PrivateIpAddress"] == eni["PrivateIpAddress"]
    assert shown["NetworkInterfaceOwnerId"] == account
    by_association = ec2.describe_addresses(Filters=[{"Name": "association-id", "Values": [association_id]}])
    assert [a["AllocationId"] for a in by_association["Addresses"]] == [allocated["AllocationId"]]
    by_interface = ec2.describe_addresses(Filters=[{"Name": "network-interface-id",
                                                    "Values": [eni["NetworkInterfaceId"]]}])
    assert [a["AllocationId"] for a in by_interface["Addresses"]] == [allocated["AllocationId"]]

    code, message = error(ec2.release_address, AllocationId=allocated["AllocationId"])
    assert (code, message) == ("InvalidIPAddress.InUse", f"Address {allocated['PublicIp']} is in use.")

    ec2.disassociate_address(AssociationId=association_id)
    assert "AssociationId" not in address(ec2, allocated["AllocationId"])
    assert error(ec2.disassociate_address, AssociationId=association_id)[0] == "InvalidAssociationID.NotFound"
    ec2.release_address(AllocationId=allocated["AllocationId"])
    code, message = error(ec2.release_address, AllocationId=allocated["AllocationId"])
    assert (code, message) == ("InvalidAllocationID.NotFound",
                               f"The allocation ID '{allocated['AllocationId']}' does not exist")


def test_reassociation(ec2):
    _, subnet_id = public_network(ec2)
    first, second = interface(ec2, subnet_id), interface(ec2, subnet_id)
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.associate_address(AllocationId=allocation_id, NetworkInterfaceId=first["NetworkInterfaceId"])
    assert error(ec2.associate_address, AllocationId=allocation_id,
                 NetworkInterfaceId=second["NetworkInterfaceId"])[0] == "Resource.AlreadyAssociated"
    moved = ec2.associate_address(AllocationId=allocation_id, NetworkInterfaceId=second["NetworkInterfaceId"],
                                  AllowReassociation=True)["AssociationId"]
    shown = address(ec2, allocation_id)
    assert (shown["AssociationId"], shown["NetworkInterfaceId"]) == (moved, second["NetworkInterfaceId"])
    # a second address for the same private IP takes the mapping over
    other_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.associate_address(AllocationId=other_id, NetworkInterfaceId=second["NetworkInterfaceId"])
    assert "AssociationId" not in address(ec2, allocation_id)
    assert address(ec2, other_id)["NetworkInterfaceId"] == second["NetworkInterfaceId"]


def test_associate_errors(ec2):
    vpc_id = make_vpc(ec2)
    subnet_id = make_subnet(ec2, vpc_id, "10.0.1.0/24", "us-east-1a")
    eni = interface(ec2, subnet_id)
    allocated = ec2.allocate_address(Domain="vpc")
    code, message = error(ec2.associate_address, AllocationId=allocated["AllocationId"],
                          NetworkInterfaceId=eni["NetworkInterfaceId"])
    assert (code, message) == ("Gateway.NotAttached", f"Network {vpc_id} is not attached to any internet gateway")
    assert error(ec2.associate_address, AllocationId=allocated["AllocationId"],
                 NetworkInterfaceId="eni-0123456789abcdef0")[0] == "InvalidNetworkInterfaceID.NotFound"
    assert error(ec2.associate_address, AllocationId=allocated["AllocationId"],
                 InstanceId="i-0123456789abcdef0")[0] == "InvalidInstanceID.NotFound"
    assert error(ec2.associate_address, AllocationId=allocated["AllocationId"])[0] == "MissingParameter"
    assert error(ec2.associate_address, AllocationId="eipalloc-0123456789abcdef0",
                 NetworkInterfaceId=eni["NetworkInterfaceId"])[0] == "InvalidAllocationID.NotFound"
    assert error(ec2.associate_address, PublicIp=allocated["PublicIp"],
                 NetworkInterfaceId=eni["NetworkInterfaceId"])[0] == "InvalidParameterValue"
    assert error(ec2.disassociate_address, PublicIp=allocated["PublicIp"])[0] == "InvalidParameterValue"


def test_release_errors(ec2):
    allocated = ec2.allocate_address(Domain="vpc")
    code, message = error(ec2.release_address, PublicIp=allocated["PublicIp"])
    assert (code, message) == ("InvalidParameterValue",
                               "You must specify an allocation id when releasing a VPC elastic IP address")
    assert error(ec2.release_address, PublicIp=allocated["PublicIp"],
                 AllocationId=allocated["AllocationId"])[0] == "InvalidParameterCombination"
    code, message = error(ec2.release_address, PublicIp="192.0.2.10")
    assert code == "AuthFailure" and "does not belong to you" in message
    assert error(ec2.release_address, AllocationId="eipalloc-0123456789abcdef0")[0] == "InvalidAllocationID.NotFound"


def test_describe_addresses_attribute(ec2):
    one, two = ec2.allocate_address(Domain="vpc"), ec2.allocate_address(Domain="vpc")
    found = ec2.describe_addresses_attribute(Attribute="domain-name", AllocationIds=[one["AllocationId"]])
    assert found["Addresses"] == [{"AllocationId": one["AllocationId"], "PublicIp": one["PublicIp"]}]
    everything = ec2.describe_addresses_attribute(Attribute="domain-name")["Addresses"]
    assert {a["AllocationId"] for a in everything} == {one["AllocationId"], two["AllocationId"]}
    assert all("PtrRecord" not in a for a in everything)
    assert error(ec2.describe_addresses_attribute, Attribute="domain-name",
                 AllocationIds=["eipalloc-0123456789abcdef0"])[0] == "InvalidAllocationID.NotFound"
