"""ModifySubnetAttribute for every attribute the API has (one per call), and ModifyVpcAttribute /
DescribeVpcAttribute for each VPC attribute. Outpost-only attributes (customer-owned addresses, local network
interfaces) are refused for a subnet on no Outpost; the wording of those refusals is runnerlink's (unverified)."""

from __future__ import annotations

import pytest
from tests.e2e.ec2_fixtures import error


@pytest.fixture
def vpc_id(ec2) -> str:
    return ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]


@pytest.fixture
def subnet_id(ec2, vpc_id) -> str:
    return ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]


def subnet(ec2, subnet_id: str) -> dict:
    return ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]


@pytest.mark.parametrize("member, value, check", [
    ("MapPublicIpOnLaunch", {"Value": True}, lambda s: s["MapPublicIpOnLaunch"] is True),
    ("EnableDns64", {"Value": True}, lambda s: s["EnableDns64"] is True),
    ("PrivateDnsHostnameTypeOnLaunch", "resource-name",
     lambda s: s["PrivateDnsNameOptionsOnLaunch"]["HostnameType"] == "resource-name"),
    ("EnableResourceNameDnsARecordOnLaunch", {"Value": True},
     lambda s: s["PrivateDnsNameOptionsOnLaunch"]["EnableResourceNameDnsARecord"] is True),
    ("EnableResourceNameDnsAAAARecordOnLaunch", {"Value": True},
     lambda s: s["PrivateDnsNameOptionsOnLaunch"]["EnableResourceNameDnsAAAARecord"] is True),
    ("MapCustomerOwnedIpOnLaunch", {"Value": False}, lambda s: s["MapCustomerOwnedIpOnLaunch"] is False),
    ("DisableLniAtDeviceIndex", {"Value": True}, lambda s: "EnableLniAtDeviceIndex" not in s),
    ("AssignIpv6AddressOnCreation", {"Value": False}, lambda s: s["AssignIpv6AddressOnCreation"] is False),
])
def test_each_subnet_attribute(ec2, subnet_id, member, value, check):
    ec2.modify_subnet_attribute(SubnetId=subnet_id, **{member: value})
    assert check(subnet(ec2, subnet_id))


def test_subnet_attributes_turn_back_off(ec2, subnet_id):
    for member in ("MapPublicIpOnLaunch", "EnableDns64", "EnableResourceNameDnsARecordOnLaunch",
                   "EnableResourceNameDnsAAAARecordOnLaunch"):
        ec2.modify_subnet_attribute(SubnetId=subnet_id, **{member: {"Value": True}})
        ec2.modify_subnet_attribute(SubnetId=subnet_id, **{member: {"Value": False}})
    ec2.modify_subnet_attribute(SubnetId=subnet_id, PrivateDnsHostnameTypeOnLaunch="resource-name")
    ec2.modify_subnet_attribute(SubnetId=subnet_id, PrivateDnsHostnameTypeOnLaunch="ip-name")
    shown = subnet(ec2, subnet_id)
    assert shown["MapPublicIpOnLaunch"] is False and shown["EnableDns64"] is False
    assert shown["PrivateDnsNameOptionsOnLaunch"] == {"HostnameType": "ip-name", "EnableResourceNameDnsARecord": False,
                                                      "EnableResourceNameDnsAAAARecord": False}


def test_customer_owned_addresses_need_an_outpost(ec2, subnet_id):
    code, message = error(ec2.modify_subnet_attribute, SubnetId=subnet_id, MapCustomerOwnedIpOnLaunch={"Value": True},
                          CustomerOwnedIpv4Pool="ipv4pool-coip-0123456789abcdef0")
    assert code == "InvalidParameterValue" and "Outpost" in message
    assert error(ec2.modify_subnet_attribute, SubnetId=subnet_id, MapCustomerOwnedIpOnLaunch={"Value": True})[0] == (
        "InvalidParameterCombination")
    assert subnet(ec2, subnet_id)["MapCustomerOwnedIpOnLaunch"] is False


def test_local_network_interfaces_need_an_outpost(ec2, subnet_id):
    code, message = error(ec2.modify_subnet_attribute, SubnetId=subnet_id, EnableLniAtDeviceIndex=1)
    assert code == "InvalidParameterValue" and "Outpost" in message
    assert error(ec2.modify_subnet_attribute, SubnetId=subnet_id, EnableLniAtDeviceIndex=0)[0] == (
        "InvalidParameterValue")
    assert "EnableLniAtDeviceIndex" not in subnet(ec2, subnet_id)


def test_assign_ipv6_on_creation_needs_an_ipv6_block(ec2, subnet_id):
    code, message = error(ec2.modify_subnet_attribute, SubnetId=subnet_id, AssignIpv6AddressOnCreation={"Value": True})
    assert code == "InvalidParameterValue" and "IPv6" in message


def test_subnet_attribute_errors(ec2, subnet_id):
    assert error(ec2.modify_subnet_attribute, SubnetId=subnet_id, EnableDns64={"Value": True},
                 EnableResourceNameDnsARecordOnLaunch={"Value": True})[0] == "InvalidParameterCombination"
    assert error(ec2.modify_subnet_attribute, SubnetId=subnet_id)[0] == "MissingParameter"
    assert error(ec2.modify_subnet_attribute, SubnetId="subnet-xyz", EnableDns64={"Value": True})[0] == (
        "InvalidSubnetID.Malformed")


@pytest.mark.parametrize("member, attribute", [
    ("EnableDnsSupport", "enableDnsSupport"),
    ("EnableDnsHostnames", "enableDnsHostnames"),
    ("EnableNetworkAddressUsageMetrics", "enableNetworkAddressUsageMetrics"),
])
def test_each_vpc_attribute_round_trips(ec2, vpc_id, member, attribute):
    for value in (True, False, True):
        ec2.modify_vpc_attribute(VpcId=vpc_id, **{member: {"Value": value}})
        answer = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)
        assert answer == {"VpcId": vpc_id, member: {"Value": value}, "ResponseMetadata": answer["ResponseMetadata"]}


def test_dns_support_off_with_hostnames_on(ec2, vpc_id):
    """Most plausible reading: turning DNS support off while hostnames are on is allowed (AWS documents only the
    other direction); hostnames may then not be turned on again until support is."""
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": False})
    assert error(ec2.modify_vpc_attribute, VpcId=vpc_id, EnableDnsHostnames={"Value": True}) == (
        "InvalidParameterValue", "You can only enable DNS hostnames if you've enabled DNS support.")
