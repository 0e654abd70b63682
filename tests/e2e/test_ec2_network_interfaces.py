"""Network interfaces through boto3: the user's own (create/describe/modify/delete, addresses from the subnet) and the
requester-managed ones an interface VPC endpoint places in each of its subnets."""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError


def code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


@pytest.fixture
def vpc_id(ec2) -> str:
    return ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]


@pytest.fixture
def subnet(ec2, vpc_id) -> dict:
    return ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]


def default_group(ec2, vpc_id: str) -> str:
    return ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                 {"Name": "group-name", "Values": ["default"]}]
                                        )["SecurityGroups"][0]["GroupId"]


def eni(ec2, eni_id: str) -> dict:
    return ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]


def available_ips(ec2, subnet_id: str) -> int:
    return ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["AvailableIpAddressCount"]


def test_create_in_a_subnet(ec2, vpc_id, subnet, account):
    before = available_ips(ec2, subnet["SubnetId"])
    created = ec2.create_network_interface(
        SubnetId=subnet["SubnetId"], Description="mine",
        TagSpecifications=[{"ResourceType": "network-interface", "Tags": [{"Key": "Name", "Value": "n"}]}],
    )["NetworkInterface"]
    assert re.fullmatch(r"eni-[0-9a-f]{17}", created["NetworkInterfaceId"])
    assert created["SubnetId"] == subnet["SubnetId"] and created["VpcId"] == vpc_id
    assert created["AvailabilityZone"] == "us-east-1a"
    assert created["Status"] == "available" and created["InterfaceType"] == "interface"
    assert created["SourceDestCheck"] is True and created["RequesterManaged"] is False
    assert created["OwnerId"] == account and created["Description"] == "mine"
    assert re.fullmatch(r"02(:[0-9a-f]{2}){5}", created["MacAddress"])
    assert created["PrivateIpAddress"] == "10.0.1.4"  # the first four are AWS's
    assert created["PrivateDnsName"] == "ip-10-0-1-4.ec2.internal"
    assert created["PrivateIpAddresses"] == [{"Primary": True, "PrivateIpAddress": "10.0.1.4",
                                              "PrivateDnsName": "ip-10-0-1-4.ec2.internal"}]
    assert created["Groups"] == [{"GroupId": default_group(ec2, vpc_id), "GroupName": "default"}]
    assert created["TagSet"] == [{"Key": "Name", "Value": "n"}]
    assert "Attachment" not in created
    assert eni(ec2, created["NetworkInterfaceId"]) == created
    assert available_ips(ec2, subnet["SubnetId"]) == before - 1


def test_create_with_groups_and_a_chosen_address(ec2, vpc_id, subnet):
    web = ec2.create_security_group(GroupName="web", Description="d", VpcId=vpc_id)["GroupId"]
    created = ec2.create_network_interface(SubnetId=subnet["SubnetId"], Groups=[web],
                                           PrivateIpAddress="10.0.1.50")["NetworkInterface"]
    assert created["PrivateIpAddress"] == "10.0.1.50"
    assert created["Groups"] == [{"GroupId": web, "GroupName": "web"}]
    with pytest.raises(ClientError) as excinfo:
        ec2.create_network_interface(SubnetId=subnet["SubnetId"], PrivateIpAddress="10.0.1.50")
    assert code(excinfo) == "InvalidIPAddress.InUse"
    nxt = ec2.create_network_interface(SubnetId=subnet["SubnetId"])["NetworkInterface"]
    assert nxt["PrivateIpAddress"] == "10.0.1.4"


@pytest.mark.parametrize("address", ["10.0.2.5", "10.0.1.2", "10.0.1.255", "not-an-ip"])
def test_chosen_address_must_be_a_usable_one_of_the_subnet(ec2, subnet, address):
    with pytest.raises(ClientError) as excinfo:
        ec2.create_network_interface(SubnetId=subnet["SubnetId"], PrivateIpAddress=address)
    assert code(excinfo) == "InvalidParameterValue"


def test_secondary_addresses(ec2, subnet):
    created = ec2.create_network_interface(SubnetId=subnet["SubnetId"], PrivateIpAddress="10.0.1.20",
                                           SecondaryPrivateIpAddressCount=2)["NetworkInterface"]
    assert [(a["PrivateIpAddress"], a["Primary"]) for a in created["PrivateIpAddresses"]] == \
           [("10.0.1.20", True), ("10.0.1.4", False), ("10.0.1.5", False)]


def test_create_errors(ec2, vpc_id, subnet):
    with pytest.raises(ClientError) as excinfo:
        ec2.create_network_interface(SubnetId="subnet-0123456789abcdef0")
    assert code(excinfo) == "InvalidSubnetID.NotFound"
    with pytest.raises(ClientError) as excinfo:
        ec2.create_network_interface(SubnetId=subnet["SubnetId"], Groups=["sg-0123456789abcdef0"])
    assert code(excinfo) == "InvalidGroup.NotFound"
    other_vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    elsewhere = ec2.create_security_group(GroupName="x", Description="d", VpcId=other_vpc)["GroupId"]
    with pytest.raises(ClientError) as excinfo:
        ec2.create_network_interface(SubnetId=subnet["SubnetId"], Groups=[elsewhere])
    assert code(excinfo) == "InvalidParameter"


def test_client_token_makes_create_idempotent(ec2, subnet):
    first = ec2.create_network_interface(SubnetId=subnet["SubnetId"], ClientToken="t-1")["NetworkInterface"]
    again = ec2.create_network_interface(SubnetId=subnet["SubnetId"], ClientToken="t-1")["NetworkInterface"]
    assert again["NetworkInterfaceId"] == first["NetworkInterfaceId"]


def test_describe_unknown_and_malformed(ec2):
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_network_interfaces(NetworkInterfaceIds=["eni-0123456789abcdef0"])
    assert code(excinfo) == "InvalidNetworkInterfaceID.NotFound"
    assert excinfo.value.response["Error"]["Message"] == \
        "The networkInterface ID 'eni-0123456789abcdef0' does not exist"
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_network_interfaces(NetworkInterfaceIds=["eni-x"])
    assert code(excinfo) == "InvalidNetworkInterfaceId.Malformed"


def test_describe_filters_and_pages(ec2, vpc_id, subnet, account):
    web = ec2.create_security_group(GroupName="web", Description="d", VpcId=vpc_id)["GroupId"]
    a = ec2.create_network_interface(SubnetId=subnet["SubnetId"], Groups=[web], Description="a",
                                     TagSpecifications=[{"ResourceType": "network-interface",
                                                         "Tags": [{"Key": "role", "Value": "db"}]}]
                                     )["NetworkInterface"]
    b = ec2.create_network_interface(SubnetId=subnet["SubnetId"], Description="b")["NetworkInterface"]
    other = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.2.0/24", AvailabilityZone="us-east-1b")["Subnet"]
    c = ec2.create_network_interface(SubnetId=other["SubnetId"])["NetworkInterface"]

    def ids(name: str, *values: str) -> set[str]:
        found = ec2.describe_network_interfaces(Filters=[{"Name": name, "Values": list(values)}])
        return {e["NetworkInterfaceId"] for e in found["NetworkInterfaces"]}

    ida, idb, idc = a["NetworkInterfaceId"], b["NetworkInterfaceId"], c["NetworkInterfaceId"]
    assert ids("network-interface-id", ida) == {ida}
    assert ids("subnet-id", subnet["SubnetId"]) == {ida, idb}
    assert ids("vpc-id", vpc_id) == {ida, idb, idc}
    assert ids("group-id", web) == {ida}
    assert ids("private-ip-address", a["PrivateIpAddress"]) == {ida}
    assert ids("addresses.private-ip-address", b["PrivateIpAddress"]) == {idb}
    assert ids("availability-zone", "us-east-1b") == {idc}
    assert ids("status", "available") >= {ida, idb, idc}
    assert ids("interface-type", "interface") >= {ida, idb, idc}
    assert ida not in ids("requester-managed", "true")
    assert ids("description", "b") == {idb}
    assert ids("owner-id", account) >= {ida, idb, idc}
    assert ids("attachment.instance-id", "i-0123456789abcdef0") == set()
    assert ids("tag:role", "db") == {ida}
    page = ec2.describe_network_interfaces(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}], MaxResults=5)
    assert len(page["NetworkInterfaces"]) == 3 and "NextToken" not in page
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_network_interfaces(Filters=[{"Name": "colour", "Values": ["x"]}])
    assert code(excinfo) == "InvalidParameterValue"


def test_delete_releases_the_address(ec2, subnet):
    before = available_ips(ec2, subnet["SubnetId"])
    eni_id = ec2.create_network_interface(SubnetId=subnet["SubnetId"])["NetworkInterface"]["NetworkInterfaceId"]
    ec2.delete_network_interface(NetworkInterfaceId=eni_id)
    assert available_ips(ec2, subnet["SubnetId"]) == before
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_network_interface(NetworkInterfaceId=eni_id)
    assert code(excinfo) == "InvalidNetworkInterfaceID.NotFound"
    again = ec2.create_network_interface(SubnetId=subnet["SubnetId"])["NetworkInterface"]
    assert again["PrivateIpAddress"] == "10.0.1.4"


def test_a_subnet_with_an_interface_cannot_be_deleted(ec2, subnet):
    eni_id = ec2.create_network_interface(SubnetId=subnet["SubnetId"])["NetworkInterface"]["NetworkInterfaceId"]
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    assert code(excinfo) == "DependencyViolation"
    ec2.delete_network_interface(NetworkInterfaceId=eni_id)
    ec2.delete_subnet(SubnetId=subnet["SubnetId"])


def test_modify_attributes(ec2, vpc_id, subnet):
    web = ec2.create_security_group(GroupName="web", Description="d", VpcId=vpc_id)["GroupId"]
    eni_id = ec2.create_network_interface(SubnetId=subnet["SubnetId"])["NetworkInterface"]["NetworkInterfaceId"]
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_id, Groups=[web])
    assert eni(ec2, eni_id)["Groups"] == [{"GroupId": web, "GroupName": "web"}]
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_id, Description={"Value": "renamed"})
    assert eni(ec2, eni_id)["Description"] == "renamed"
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_id, SourceDestCheck={"Value": False})
    assert eni(ec2, eni_id)["SourceDestCheck"] is False
    with pytest.raises(ClientError) as excinfo:
        ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_id, Groups=["sg-0123456789abcdef0"])
    assert code(excinfo) == "InvalidGroup.NotFound"
    with pytest.raises(ClientError) as excinfo:
        ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_id, Description={"Value": "x"},
                                               SourceDestCheck={"Value": True})
    assert code(excinfo) == "InvalidParameterCombination"
    with pytest.raises(ClientError) as excinfo:
        ec2.modify_network_interface_attribute(NetworkInterfaceId="eni-0123456789abcdef0",
                                               Description={"Value": "x"})
    assert code(excinfo) == "InvalidNetworkInterfaceID.NotFound"


# --- requester-managed (interface endpoint) ENIs ---------------------------------------------------------------------

@pytest.fixture
def endpoint(ec2, vpc_id, subnet) -> dict:
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    return ec2.create_vpc_endpoint(VpcEndpointType="Interface", VpcId=vpc_id,
                                   ServiceName="com.amazonaws.us-east-1.apprunner",
                                   SubnetIds=[subnet["SubnetId"]])["VpcEndpoint"]


def test_endpoint_interfaces_are_requester_managed(ec2, vpc_id, subnet, endpoint):
    [eni_id] = endpoint["NetworkInterfaceIds"]
    found = eni(ec2, eni_id)
    assert found["InterfaceType"] == "vpc_endpoint"
    assert found["RequesterManaged"] is True and found["RequesterId"] == "727180483921"
    assert found["Status"] == "in-use"
    assert found["Description"] == f"VPC Endpoint Interface {endpoint['VpcEndpointId']}"
    assert found["SubnetId"] == subnet["SubnetId"] and found["VpcId"] == vpc_id
    assert found["Groups"] == [{"GroupId": default_group(ec2, vpc_id), "GroupName": "default"}]
    assert ipaddress_in(found["PrivateIpAddress"], "10.0.1.0/24")
    for name, value in [("interface-type", "vpc_endpoint"), ("requester-managed", "true"),
                        ("description", f"VPC Endpoint Interface {endpoint['VpcEndpointId']}")]:
        listed = ec2.describe_network_interfaces(Filters=[{"Name": name, "Values": [value]}])["NetworkInterfaces"]
        assert [e["NetworkInterfaceId"] for e in listed] == [eni_id]


def test_endpoint_interfaces_cannot_be_deleted_by_the_user(ec2, endpoint):
    [eni_id] = endpoint["NetworkInterfaceIds"]
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_network_interface(NetworkInterfaceId=eni_id)
    assert code(excinfo) == "OperationNotPermitted"


def test_endpoint_groups_cannot_be_deleted_while_in_use(ec2, vpc_id, subnet):
    web = ec2.create_security_group(GroupName="web", Description="d", VpcId=vpc_id)["GroupId"]
    endpoint = ec2.create_vpc_endpoint(VpcEndpointType="Interface", VpcId=vpc_id,
                                       ServiceName="com.amazonaws.us-east-1.apprunner.requests",
                                       SubnetIds=[subnet["SubnetId"]], SecurityGroupIds=[web])["VpcEndpoint"]
    assert eni(ec2, endpoint["NetworkInterfaceIds"][0])["Groups"] == [{"GroupId": web, "GroupName": "web"}]
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_security_group(GroupId=web)
    assert code(excinfo) == "DependencyViolation"
    assert excinfo.value.response["Error"]["Message"] == f"resource {web} has a dependent object"


def ipaddress_in(address: str, cidr: str) -> bool:
    import ipaddress

    return ipaddress.ip_address(address) in ipaddress.ip_network(cidr)
